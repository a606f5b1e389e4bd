"""The city's working-day calendar (节假日与调休) and the deadlines that follow it. No Flask.

The calendar lists the days that differ from the plain week: holidays (放假) and swapped
working days (调休上班, a Saturday or Sunday worked); ``shared.workdays`` decides what a
working day is. The national calendar ships as data (``shared/calendars/cn.json``: 2026
as published by the State Council, 2027–2028 provisional) and is loaded by migration
0004 and by ``manage calendar-load``; the city edits one day or replaces a whole year.

Every change
- is refused (422, nothing stored) when it would move a period's deadline beyond the end
  of the month after the period ends (:func:`periods.deadline_limit`): the next period's
  forms would then fall due first;
- moves the deadlines of periods not extended and not yet passed to the next working day
  by the new calendar (never to a day already past), each move audited as ``calendar`` on
  the period; the change itself is audited too (``calendar_day`` or ``calendar_year``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.domain import periods
from services.reporting.domain.common import emit
from services.reporting.models import CalendarDay, CalendarRevision, Period, ReportAudit
from shared import workdays
from shared.db import upsert_statement, utcnow
from shared.errors import DomainError, NotFound
from shared.workdays import CalendarEntry, message

#: The calendar is kept for these years (a deadline search never needs more).
YEARS = (2000, 2100)
#: A sheet's columns, Chinese or English.
SHEET_HEADERS = {
    "日期": "date",
    "date": "date",
    "类型": "kind",
    "kind": "kind",
    "名称": "name",
    "节日": "name",
    "name": "name",
    "来源": "source",
    "source": "source",
}


def check_year(year: int) -> None:
    """A year the calendar may hold (else a 422 naming it)."""
    if not YEARS[0] <= year <= YEARS[1]:
        raise DomainError.on(
            "year",
            ("年份超出范围", "the year is out of range"),
            (f"应在 {YEARS[0]}–{YEARS[1]} 之间", f"{YEARS[0]} to {YEARS[1]}"),
        )


def day_state(row: CalendarDay | CalendarEntry | None) -> dict | None:
    """A listed day as the audit keeps it."""
    if row is None:
        return None
    return {
        "kind": row.kind,
        "name": row.name,
        "source": row.source,
        "provisional": row.provisional,
    }


def read_sheet(rows: list[tuple[int, dict]], year: int, source: str = ""):
    """:func:`shared.workdays.read_entries` of a sheet's rows (``shared.tabular``), its
    Chinese or English headers read; errors name the rows."""
    canonical = []
    for number, raw in rows:
        row = {}
        for key, value in raw.items():
            field = SHEET_HEADERS.get(str(key).strip().lower())
            if field is not None:
                row[field] = value
        canonical.append((number, row))
    return workdays.read_entries(
        canonical, year=year, source=source, label=lambda n: (f"第 {n} 行", f"row {n}")
    )


# -- changes --------------------------------------------------------------------------------


def set_day(
    session: Session,
    entry: CalendarEntry,
    config,
    *,
    today: dt.date,
    by: str,
    role: str,
) -> CalendarDay:
    """List (or change) one day: ``entry`` as :func:`shared.workdays.read_entries` checked
    it. Refused if it moves a deadline too far; deadlines follow; audited."""
    check_year(entry.day.year)
    row = session.get(CalendarDay, entry.day, with_for_update=True)
    before = day_state(row)
    _check_deadlines(session, {entry.day: entry.kind}, {entry.day.year}, config, "kind")
    if row is None:
        row = CalendarDay(day=entry.day)
        session.add(row)
    row.kind, row.name, row.source = entry.kind, entry.name, entry.source
    row.provisional = entry.provisional
    row.updated_by, row.updated_at = by, utcnow()
    session.flush()
    _audit(session, by, role, "set", "calendar_day", _day_id(entry.day), before, day_state(row))
    recompute_deadlines(session, today, actor=by, role=role)
    announce(session, entry.day.year)
    return row


def remove_day(
    session: Session, day: dt.date, config, *, today: dt.date, by: str, role: str
) -> None:
    """Unlist a day (404 if it is not listed): it is again what its weekday makes it."""
    row = session.get(CalendarDay, day, with_for_update=True)
    if row is None:
        raise NotFound.on(
            "day",
            ("这一天不在日历中", "this day is not listed"),
            (f"{day.isoformat()} 未列出", f"{day.isoformat()} is not listed"),
        )
    _check_deadlines(session, {day: None}, {day.year}, config, "day")
    before = day_state(row)
    session.delete(row)
    session.flush()
    _audit(session, by, role, "remove", "calendar_day", _day_id(day), before, None)
    recompute_deadlines(session, today, actor=by, role=role)
    announce(session, day.year)


def load_year(
    session: Session,
    year: int,
    entries: Iterable[CalendarEntry],
    config,
    *,
    today: dt.date,
    by: str,
    role: str,
) -> dict:
    """Replace every listed day of ``year`` by ``entries`` (checked by
    :func:`shared.workdays.read_entries` with this year), in this transaction. Refused if a
    deadline would move too far. Returns what changed: the counts and the deadlines moved."""
    check_year(year)
    entries = sorted(entries, key=lambda e: e.day)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    stored = session.scalars(
        sa.select(CalendarDay)
        .where(CalendarDay.day.between(first, last))
        .order_by(CalendarDay.day)
        .with_for_update()
    ).all()
    change: dict[dt.date, str | None] = {row.day: None for row in stored}
    change.update({e.day: e.kind for e in entries})
    _check_deadlines(session, change, {year}, config, "days")
    before = [_compact(row) for row in stored]
    session.execute(sa.delete(CalendarDay).where(CalendarDay.day.between(first, last)))
    now = utcnow()
    session.add_all(
        CalendarDay(
            day=e.day,
            kind=e.kind,
            name=e.name,
            source=e.source,
            provisional=e.provisional,
            updated_by=by,
            updated_at=now,
        )
        for e in entries
    )
    session.flush()
    after = [_compact(e) for e in entries]
    _audit(session, by, role, "load", "calendar_year", year, {"days": before}, {"days": after})
    moved = recompute_deadlines(session, today, actor=by, role=role)
    announce(session, year)
    return {
        "year": year,
        "holidays": sum(e.kind == workdays.HOLIDAY for e in entries),
        "workdays": sum(e.kind == workdays.WORKDAY for e in entries),
        "moved": moved,
    }


def recompute_deadlines(session: Session, today: dt.date, *, actor: str, role: str) -> list:
    """Deadlines not extended and not yet passed follow the calendar: each period's policy
    day moved to the next working day, unless that day has already passed (a deadline never
    moves into the past). Each move is audited (``calendar``). Returns the moves."""
    moved = []
    open_periods = session.scalars(
        sa.select(Period)
        .where(Period.extended_to.is_(None), Period.deadline >= today)
        .order_by(Period.starts_on, Period.kind)
    ).all()
    for period in open_periods:
        deadline = periods.next_working_day(session, period.policy_deadline)
        if deadline == period.deadline or deadline < today:
            continue
        before = periods.period_state(period)
        period.deadline = deadline
        _audit(
            session,
            actor,
            role,
            "calendar",
            "period",
            period.id,
            before,
            periods.period_state(period),
        )
        moved.append(
            {"period": period.code, "before": before["deadline"], "after": deadline.isoformat()}
        )
    session.flush()
    return moved


def announce(session: Session, year: int) -> dict:
    """``calendar.updated`` for ``year``, in this transaction: the year's revision counted
    up, then every listed day of the year read. Counting up locks the year's revision row
    until the commit, so two changes of one year announce in the order they commit, and
    the later one's days include the earlier one's."""
    table = CalendarRevision.__table__
    revision = session.scalar(
        upsert_statement(session, table)
        .values(year=year, revision=1)
        .on_conflict_do_update(index_elements=["year"], set_={"revision": table.c.revision + 1})
        .returning(table.c.revision)
    )
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days = session.execute(
        sa.select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)
        .where(CalendarDay.day.between(first, last))
        .order_by(CalendarDay.day)
    ).all()
    payload = {
        "year": year,
        "revision": revision,
        "days": [{"date": day, "kind": kind, "name": name} for day, kind, name in days],
    }
    emit(session, "calendar.updated", payload)
    return payload


# -- the guard ---------------------------------------------------------------------------------


def _check_deadlines(
    session: Session,
    change: dict[dt.date, str | None],
    years: set[int],
    config,
    field: str,
) -> None:
    """Refuse a change (date -> new kind, None: unlisted) that would move the policy
    deadline of any month or quarter around ``years`` beyond :func:`periods.deadline_limit`
    (checked for every period, open or not, whose deadline the change moves)."""
    first = dt.date(min(years) - 1, 1, 1)
    last = dt.date(max(years) + 1, 12, 31)
    old = periods.calendar_overrides(session, first, last)
    new = {**old, **change}
    new = {day: kind for day, kind in new.items() if kind is not None}
    problems = []
    for code in _codes(min(years) - 1, max(years)):
        kind, _starts_on, ends_on = periods.parse_code(code)
        policy = periods.policy_deadline(kind, ends_on, config)
        limit = periods.deadline_limit(ends_on)
        try:
            after = workdays.next_working_day(policy, new)
        except ValueError:
            after = limit + dt.timedelta(days=1)
        if after > limit and after != _quiet(workdays.next_working_day, policy, old):
            problems.append(
                message(
                    f"{code} 的截止日期会顺延到 {after.isoformat()}，超过次月月底"
                    f"（{limit.isoformat()}）",
                    f"{code}'s deadline would move to {after.isoformat()}, past the end of the "
                    f"following month ({limit.isoformat()})",
                )
            )
    if problems:
        raise DomainError(
            message(
                "日历会把截止日期顺延得太远，未保存",
                "the calendar would move deadlines too far; nothing was stored",
            ),
            {field: problems},
        )


def _quiet(function, *args):
    try:
        return function(*args)
    except ValueError:
        return None


def _codes(first_year: int, last_year: int) -> list[str]:
    """Every month and quarter code of the years (the last quarter of the year before
    included: its deadline falls in the first year)."""
    codes = []
    for year in range(first_year, last_year + 1):
        codes += [f"{year:04d}-{month:02d}" for month in range(1, 13)]
        codes += [f"{year:04d}-Q{quarter}" for quarter in range(1, 5)]
    return codes


# -- audit -------------------------------------------------------------------------------------


def _day_id(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _compact(row) -> list:
    return [row.day.isoformat(), row.kind, row.name]


def _audit(session, actor, role, action, entity, entity_id, before, after) -> None:
    session.add(
        ReportAudit(
            actor=actor,
            role=role,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )
