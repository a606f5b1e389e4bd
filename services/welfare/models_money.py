"""Welfare's own tables: money."""

from __future__ import annotations

from services.welfare.models import Base  # noqa: F401 - tables below subclass it
