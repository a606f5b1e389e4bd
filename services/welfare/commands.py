"""Welfare's own management commands (``python -m services.welfare.manage <command>``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from shared.db import Database


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("a date as YYYY-MM-DD") from None


def tick(args: argparse.Namespace, config) -> int:
    """Run the tick once: generate last month's subsidies if no run did yet, and run again
    the months a back-dated placement reached (safe beside other ticks)."""
    from services.welfare.domain.common import city_today
    from services.welfare.domain.subsidies import tick as run_tick

    db = Database.of(config)
    try:
        today = args.today or city_today(config.TIME_ZONE)
        done = run_tick(db.sessionmaker, today)
    finally:
        db.dispose()
    print(json.dumps({"today": today.isoformat(), **done}, ensure_ascii=False))
    return 0


tick.arguments = [
    (("--today",), {"type": _date, "default": None, "help": "the city's date (default: now)"})
]

COMMANDS: dict = {"tick": tick}
