"""The dashboard's read model of the forms (``report_month``). No Flask here.

One row per (month, trainee) with the state of each form that month's dashboard shows:
the month's ``effectiveness`` and ``mentoring`` forms and, in a quarter's last month, the
quarter's ``quarterly`` report (a period shows in the month its code names, as
``dashboard.period_codes`` looks it up). A form's state is one small number (see
:func:`state_of`); NULL means the trainee does not owe that form. ``seats`` holds the
mentor seats held on the month's last day (the role bits of the assignment spans then,
ORed), for coverage.

It is written in the same transaction as every change of what a trainee owes or of a
form's state, one call per change, so it always equals a recount of obligations and
forms (``tests/reporting/test_report_months.py`` checks this on a randomized world):

- :func:`note_report` after a form is created, submitted, returned or approved (one
  upsert of its row);
- :func:`note_obligations` after obligations were added (opening a period, the tick, a
  trainee's events): their forms are ``missing`` until written;
- :func:`note_seats` after assignments' dates changed (``mentor.assigned``,
  ``mentor.released``);
- :func:`recount` after obligations were dropped (a trainee who left), and wherever
  obligations or forms were written by other means (fixtures, bulk loads;
  :data:`SEATS_OF_MONTH` fills a month's seats after a bulk load of spans).

The deadline notices (``report.due_soon``/``report.overdue``) and deadline changes do not
change a form's state (``late`` is fixed at the first submission), so they write nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.models import MentorAssignment, Obligation, Period, Report, ReportMonth
from shared.clock import month_end
from shared.db import upsert_statement

KINDS = ("effectiveness", "mentoring", "quarterly")
#: Trainees per statement when obligations are noted (bound parameters stay few).
_CHUNK = 1000
#: A form's state: the first four exclusive; ``APPROVED`` is added to ``LATE`` or
#: ``ON_TIME`` for an approved form.
MISSING, RETURNED, LATE, ON_TIME, APPROVED = 0, 1, 2, 3, 4
#: The dashboard's name of each state (without the approval).
NAMES = {MISSING: "missing", RETURNED: "returned", LATE: "late", ON_TIME: "on_time"}


def state_of(status: str | None, late: bool) -> int:
    """The state of a form in ``status`` (None: no form at all), as the dashboard counts
    it: no form or a draft is missing; a returned form is returned; a submitted or
    approved one is late or on time, and approved or not."""
    if status is None or status == "draft":
        return MISSING
    if status == "returned":
        return RETURNED
    state = LATE if late else ON_TIME
    return state + APPROVED if status == "approved" else state


def shown_in(code: str) -> dt.date:
    """The first day of the month whose dashboard shows a period's forms: the month
    itself (``2026-03``), or a quarter's last month (``2026-Q1`` → March)."""
    year = int(code[:4])
    month = 3 * int(code[6:]) if code[5] == "Q" else int(code[5:7])
    return dt.date(year, month, 1)


def _dates(statement: sa.TextClause) -> sa.TextClause:
    return statement.bindparams(
        sa.bindparam("month", type_=sa.Date()), sa.bindparam("last", type_=sa.Date())
    )


#: A trainee's seats held on day ``:last`` (the sum of distinct bits is their OR, and
#: SQLite has no ``bit_or``).
_SEATS = (
    "(SELECT coalesce(sum(DISTINCT s.role_bit), 0) FROM mentor_assignment s "
    "WHERE s.trainee_id = {trainee} "
    "AND (s.start_date IS NULL OR s.start_date <= :last) "
    "AND (s.end_date IS NULL OR s.end_date >= :last))"
)

#: Every row of month ``:month`` gets its seats from the spans (``:last``: its last day).
SEATS_OF_MONTH = _dates(
    sa.text(
        "UPDATE report_month SET seats = "
        + _SEATS.format(trainee="report_month.trainee_id")
        + " WHERE month = :month"
    )
)


#: One upsert per kind (text: the month-end submission path pays no statement building).
_NOTE_REPORT = {
    kind: _dates(
        sa.text(
            f"INSERT INTO report_month (month, trainee_id, {kind}, seats) "
            f"VALUES (:month, :trainee_id, :state, {_SEATS.format(trainee=':trainee_id')}) "
            f"ON CONFLICT (month, trainee_id) DO UPDATE SET {kind} = excluded.{kind}"
        )
    )
    for kind in KINDS
}


def note_report(session: Session, report: Report) -> None:
    """After a form was created or changed state and flushed (in the same transaction;
    the connection's execute: no ORM work on the month-end submission path)."""
    session.connection().execute(_NOTE_REPORT[report.kind], note_report_params(report))


def note_report_statement(kind: str) -> sa.TextClause:
    """The upsert of :func:`note_report`, for a caller that sends it with other writes
    (``shared.db.execute_together``) with :func:`note_report_params`."""
    return _NOTE_REPORT[kind]


def note_report_params(report: Report) -> dict:
    """The values of :func:`note_report_statement` for ``report``."""
    month = shown_in(report.period.code)
    return {
        "month": month,
        "last": month_end(month),
        "trainee_id": report.trainee_id,
        "state": state_of(report.status, report.late),
    }


def note_obligations(session: Session, period: Period, kind: str, trainee_ids: list[int]) -> None:
    """After the trainees' obligations of ``period`` and ``kind`` were added: each is a
    missing form. By primary key, a chunk of trainees at a time: the month's rows that
    lack the form get it, then the trainees without a row get one. (One set-based
    statement with an anti-join on ``report_month``, planned while a new month had no
    rows, rescanned the month for each row it inserted: 55 s for 20,000.)"""
    month = shown_in(period.code)
    last = month_end(month)
    table = ReportMonth.__table__
    conn = session.connection()
    ids = sorted(set(trainee_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        conn.execute(
            sa.update(table)
            .where(table.c.month == month, table.c[kind].is_(None), table.c.trainee_id.in_(chunk))
            .values({kind: MISSING})
        )
        spans = spans_of(session, chunk)
        conn.execute(
            upsert_statement(conn, table).on_conflict_do_nothing(
                index_elements=["month", "trainee_id"]
            ),
            [
                {
                    "month": month,
                    "trainee_id": trainee_id,
                    **dict.fromkeys(KINDS),
                    kind: MISSING,
                    "seats": held(spans.get(trainee_id, ()), last),
                }
                for trainee_id in chunk
            ],
        )


def held(spans: Iterable[tuple], day: dt.date) -> int:
    """The role bits of ``spans`` (``(role_bit, start_date, end_date)``) held on ``day``."""
    bits = 0
    for role_bit, start, end in spans:
        if (start is None or start <= day) and (end is None or end >= day):
            bits |= role_bit
    return bits


class SeatsChanged(NamedTuple):
    """Deferred by an assignment's event: the trainee's seats are recounted once per
    consumer transaction (a gap fill's batch holds four seats of each trainee)."""

    trainee_id: int


def apply_deferred(session: Session, items: list) -> None:
    """The consumer's ``finish``: the seats of every trainee whose spans changed, noted
    once for the transaction."""
    note_seats(session, {i.trainee_id for i in items if isinstance(i, SeatsChanged)})


def note_seats(session: Session, trainee_ids: Iterable[int]) -> None:
    """After some of the trainees' assignment spans changed: each of their months' seats,
    a chunk of trainees at a time (their spans and months in two queries, the rows that
    change in one executemany, in (trainee, month) order)."""
    ids = sorted(set(trainee_ids))
    table = ReportMonth.__table__
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        spans = spans_of(session, chunk)
        months = session.execute(
            sa.select(table.c.trainee_id, table.c.month, table.c.seats)
            .where(table.c.trainee_id.in_(chunk))
            .order_by(table.c.trainee_id, table.c.month)
        )
        changed = [
            {"m": month, "t": trainee_id, "seats": seats}
            for trainee_id, month, old in months
            if (seats := held(spans.get(trainee_id, ()), month_end(month))) != old
        ]
        if changed:
            session.connection().execute(
                sa.update(table)
                .where(table.c.month == sa.bindparam("m"), table.c.trainee_id == sa.bindparam("t"))
                .values(seats=sa.bindparam("seats")),
                changed,
            )


def rows_of(
    forms: Iterable[tuple], months: dict[int, dt.date], spans: dict[int, list] | None = None
) -> list[dict]:
    """``report_month`` rows from forms ``(trainee_id, period_id, kind, status, late)``
    (status None: no form), ``months`` being each period's :func:`shown_in` and ``spans``
    each trainee's ``(role_bit, start_date, end_date)``."""
    rows: dict[tuple, dict] = {}
    for trainee_id, period_id, kind, status, late in forms:
        month = months[period_id]
        row = rows.get((month, trainee_id))
        if row is None:
            seats = held((spans or {}).get(trainee_id, ()), month_end(month))
            row = rows[month, trainee_id] = {
                "month": month,
                "trainee_id": trainee_id,
                **dict.fromkeys(KINDS),
                "seats": seats,
            }
        row[kind] = state_of(status, late)
    return list(rows.values())


def spans_of(session: Session, trainee_ids: list[int] | None = None) -> dict[int, list]:
    """Each trainee's spans ``(role_bit, start_date, end_date)`` (of ``trainee_ids``, or
    of every trainee)."""
    query = sa.select(
        MentorAssignment.trainee_id,
        MentorAssignment.role_bit,
        MentorAssignment.start_date,
        MentorAssignment.end_date,
    )
    if trainee_ids is not None:
        query = query.where(MentorAssignment.trainee_id.in_(trainee_ids))
    spans: dict[int, list] = {}
    for trainee_id, *span in session.execute(query):
        spans.setdefault(trainee_id, []).append(tuple(span))
    return spans


def recount(session: Session, trainee_ids: Iterable[int]) -> None:
    """Rewrite the trainees' rows from their obligations, forms and spans."""
    ids = sorted(set(trainee_ids))
    if not ids:
        return
    periods = session.execute(sa.select(Period.id, Period.code))
    months = {period_id: shown_in(code) for period_id, code in periods}
    forms = session.execute(
        sa.select(
            Obligation.trainee_id, Obligation.period_id, Obligation.kind, Report.status, Report.late
        )
        .outerjoin(Report, Report.obligation_id == Obligation.id)
        .where(Obligation.trainee_id.in_(ids))
    ).all()
    session.execute(sa.delete(ReportMonth).where(ReportMonth.trainee_id.in_(ids)))
    rows = rows_of(forms, months, spans_of(session, ids))
    if rows:
        session.execute(sa.insert(ReportMonth), rows)
