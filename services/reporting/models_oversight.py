"""Reporting's own tables: oversight."""

from __future__ import annotations

from services.reporting.models import Base  # noqa: F401 - tables below subclass it
