"""Welfare's own tables: care."""

from __future__ import annotations

from services.welfare.models import Base  # noqa: F401 - tables below subclass it
