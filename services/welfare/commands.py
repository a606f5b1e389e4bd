"""Welfare's own management commands (``python -m services.welfare.manage <command>``)."""

from __future__ import annotations

import argparse

from shared.runtime import TODAY_ARGUMENT, tick_once


def tick(args: argparse.Namespace, config) -> int:
    """Run the tick once: generate last month's subsidies if no run did yet, and run again
    the months a back-dated placement reached (safe beside other ticks)."""
    from services.welfare.domain.subsidies import tick as run_tick

    return tick_once(config, args.today, run_tick)


tick.arguments = [TODAY_ARGUMENT]

COMMANDS: dict = {"tick": tick}
