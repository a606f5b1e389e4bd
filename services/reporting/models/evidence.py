"""Reporting's evidence: the files attached to duty items, visits and rectifications."""

from __future__ import annotations

from services.reporting.models.base import Base
from shared.evidence import EvidenceMixin


class Evidence(EvidenceMixin, Base):
    """Photos and files attached to a duty item's progress, a supervision visit or a
    rectification's closure (shared.evidence)."""
