"""Mentorship's own management commands (``python -m services.mentorship.manage <command>``)."""

from __future__ import annotations

import argparse

from shared.runtime import TODAY_ARGUMENT, tick_once


def tick(args: argparse.Namespace, config) -> int:
    """Run the tick once for the city's date: from the month's reminder day, remind the
    mentors without a talk this month and send each town its digest (once a month, safe
    beside the scheduler)."""
    from services.mentorship.domain.reminders import tick as run_tick

    return tick_once(config, args.today, lambda sessions, today: run_tick(sessions, config, today))


tick.arguments = [TODAY_ARGUMENT]

COMMANDS: dict = {"tick": tick}
