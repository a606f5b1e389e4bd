"""Welfare's own tables: the evidence (photos and files) of care visits."""

from __future__ import annotations

from services.welfare.models.base import Base
from shared.evidence import EvidenceMixin


class Evidence(EvidenceMixin, Base):
    """Photos and files attached to a care visit (shared.evidence)."""
