"""Notifier's own management commands (``python -m services.notifier.manage <command>``)."""

from __future__ import annotations

from services.notifier.domain import deliveries
from shared.db import Database


def digest(args, config) -> int:
    """Build today's digests now (overdue notices per town and unit, and the people who
    chose a daily digest), whatever the hour."""
    db = Database.of(config)
    try:
        built = deliveries.build_digests(db, config)
    finally:
        db.dispose()
    print(f"notifier: built {built} digest(s)")
    return 0


COMMANDS: dict = {"digest": digest}
