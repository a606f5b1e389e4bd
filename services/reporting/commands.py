"""Reporting's own management commands (``python -m services.reporting.manage <command>``)."""

from __future__ import annotations

import argparse
import json

from shared.db import Database
from shared.runtime import TODAY_ARGUMENT, tick_once


def tick(args: argparse.Namespace, config) -> int:
    """Run the tick once: open this month and quarter, add obligations, send the due-soon
    and overdue notices (each exactly once, safe beside other ticks)."""
    from services.reporting.domain.periods import tick as run_tick

    return tick_once(config, args.today, lambda sessions, today: run_tick(sessions, config, today))


tick.arguments = [TODAY_ARGUMENT]


def calendar_load(args: argparse.Namespace, config) -> int:
    """Load the working-day calendar: each year named (default: every year of the file)
    replaces that year's listed days, all years in one transaction; the open periods'
    deadlines follow (audited). The file is the shipped national calendar
    (shared/calendars/cn.json) unless --file names another: a JSON of the same shape, or
    an XLSX/CSV sheet of one --year (columns 日期, 类型, 名称, 来源)."""
    from pathlib import Path

    from services.reporting.domain import calendar
    from services.reporting.domain.common import city_today
    from shared import workdays
    from shared.errors import DomainError
    from shared.tabular import read_sheet

    path = Path(args.file) if args.file else workdays.CALENDARS / "cn.json"
    years = sorted(set(args.year or []))
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = list(enumerate(data.get("days", []), start=1))
        entries, errors = workdays.read_entries(rows)
        by_year: dict[int, list] = {}
        for entry in entries:
            if not years or entry.day.year in years:
                by_year.setdefault(entry.day.year, []).append(entry)
    else:
        if len(years) != 1:
            print("a sheet holds one year: give --year")
            return 2
        try:
            sheet = read_sheet(path.read_bytes(), path.name, calendar.SHEET_HEADERS, 366)
        except DomainError as exc:
            print(exc.detail)
            return 1
        entries, errors = calendar.read_sheet(sheet.rows, years[0])
        by_year = {years[0]: entries}
    missing = [year for year in years if not by_year.get(year)]
    if missing and not errors:
        print(f"no days of {', '.join(map(str, missing))} in {path}; nothing was loaded")
        return 1
    if errors:
        for key, problems in errors:
            print(json.dumps({"row": key, "errors": problems}, ensure_ascii=False))
        print(f"{len(errors)} row(s) in error; nothing was loaded")
        return 1
    db = Database.of(config)
    today = args.today or city_today(config.TIME_ZONE)
    try:
        with db.transaction() as session:
            for year in years or sorted(by_year):
                done = calendar.load_year(
                    session,
                    year,
                    by_year.get(year, []),
                    config,
                    today=today,
                    by="manage",
                    role="city",
                )
                print(json.dumps(done, ensure_ascii=False, default=str))
    except DomainError as exc:
        print(json.dumps({"detail": exc.detail, "errors": exc.errors}, ensure_ascii=False))
        return 1
    finally:
        db.dispose()
    return 0


calendar_load.arguments = [
    (("--year",), {"type": int, "action": "append", "help": "a year to load (repeatable)"}),
    (("--file",), {"default": None, "help": "JSON, XLSX or CSV (default: the shipped one)"}),
    TODAY_ARGUMENT,
]


def calendar_announce(args: argparse.Namespace, config) -> int:
    """Announce each listed year of the city's calendar as it stands (``calendar.updated``
    with the next revision), changing nothing: the other services' copies (welfare's due
    dates, mentorship's talk reminder day) catch up with edits they never heard of — the
    days kept from before the event existed, or a copy restored from an older backup."""
    import sqlalchemy as sa

    from services.reporting.domain import calendar
    from services.reporting.models import CalendarDay

    db = Database.of(config)
    try:
        with db.transaction() as session:
            years = args.year or sorted(
                {day.year for day in session.scalars(sa.select(CalendarDay.day))}
            )
            for year in sorted(set(years)):
                done = calendar.announce(session, year)
                print(json.dumps({"year": year, "revision": done["revision"],
                                  "days": len(done["days"])}))  # fmt: skip
    finally:
        db.dispose()
    return 0


calendar_announce.arguments = [
    (("--year",), {"type": int, "action": "append", "help": "a year (default: every listed one)"}),
]

COMMANDS: dict = {
    "tick": tick,
    "calendar-load": calendar_load,
    "calendar-announce": calendar_announce,
}
