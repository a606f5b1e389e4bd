"""Notifier's own tables: notify."""

from __future__ import annotations

from services.notifier.models import Base  # noqa: F401 - tables below subclass it
