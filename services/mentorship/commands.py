"""Mentorship's own management commands (``python -m services.mentorship.manage <command>``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from shared.db import Database


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a date as YYYY-MM-DD") from None


def tick(args: argparse.Namespace, config) -> int:
    """Run the tick once for the city's date: from the month's reminder day, remind the
    mentors without a talk this month and send each town its digest (once a month, safe
    beside the scheduler)."""
    from services.mentorship.domain.common import city_today
    from services.mentorship.domain.reminders import tick as run_tick

    db = Database.of(config)
    try:
        today = args.today or city_today(config.TIME_ZONE)
        done = run_tick(db.sessionmaker, config, today)
    finally:
        db.dispose()
    print(json.dumps({"today": today.isoformat(), **done}, ensure_ascii=False))
    return 0


tick.arguments = [
    (("--today",), {"type": _date, "default": None, "help": "the city's date (default: now)"})
]

COMMANDS: dict = {"tick": tick}
