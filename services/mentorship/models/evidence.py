"""Evidence (佐证材料) attached to talks."""

from __future__ import annotations

from services.mentorship.models.base import Base
from shared.evidence import EvidenceMixin


class Evidence(EvidenceMixin, Base):
    """Photos and files attached to a talk (shared.evidence)."""
