"""Periods, deadlines, who owes what, and the tick. No Flask here.

Periods
    A month (code ``YYYY-MM``) or a quarter (``YYYY-Qn``), from its first to its last day
    in the city's calendar (``TIME_ZONE``, Asia/Shanghai by default). Its *policy
    deadline* is day ``REPORT_MONTHLY_DEADLINE_DAY`` (5) of the next month for a month (the
    effectiveness and mentoring forms) and day ``REPORT_QUARTERLY_DEADLINE_DAY`` (10) of the
    month after a quarter for a quarter (the quarterly report): December's forms are due on
    5 January of the next year, Q4's report on 10 January. A deadline that is not a working
    day of the city's calendar (a weekend or a holiday; a swapped working day, 调休上班,
    counts as working) moves to the next working day (``shared.workdays``; the calendar is
    ``domain.calendar``'s). The city may extend a period's deadline (with a reason,
    audited); the extension replaces the policy deadline.

Who owes what (the mid-month rule)
    A trainee's training runs from ``active_from`` (the earlier of the first placement's
    start and the day roster's registration reached us) up to ``left_on`` (the effective
    date of completing or withdrawing: the first day no longer in training). A trainee owes
    a period's reports when they arrived *before the period's last day* and were still in
    training *on its first day or later*: ``active_from < ends_on`` and
    ``left_on is None or left_on > starts_on``. So a trainee placed on 10 March owes
    March's two forms and Q1's report; one placed on 31 March owes neither (their first
    forms are April's); one leaving on 10 March (last day 9 March) still owes March's forms
    and Q1's report; one leaving on 1 April owes nothing for April.

    Obligations are created when a period opens (for every trainee then known), and for a
    trainee who becomes known or eligible later, when their events arrive and at every
    tick — but only for periods whose deadline has not passed, so a back-dated registration
    does not make a trainee owe last year's forms. A trainee who leaves before a period
    began loses its obligations that have no report yet.

The tick (``tick(session_factory, config, today)``)
    1. opens the current month and quarter if they are not open, publishing
       ``period.opened`` once (the period's unique code decides which of several ticks
       running at once inserts it);
    2. adds the obligations of trainees who became eligible since;
    3. publishes ``report.due_soon`` from two days before a deadline up to the deadline,
       and ``report.overdue`` from the day after it, for every obligation not yet
       submitted: exactly once per obligation and kind, because each event is written in
       the same transaction as a row of ``report_notice`` whose key (obligation, kind) is
       unique, inserted with "on conflict do nothing". A notice missed while no tick ran
       is sent late, for periods whose deadline is at most ``NOTICE_LOOKBACK_DAYS`` ago.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.domain import report_months
from services.reporting.domain.common import audit, emit
from services.reporting.models import (
    KINDS_BY_PERIOD,
    CalendarDay,
    Obligation,
    Period,
    Report,
    ReportNotice,
    Trainee,
    TraineeTenure,
)
from shared import workdays
from shared.clock import month_bounds, month_code
from shared.db import UTCDateTime, insert_new, locked, upsert_statement, utcnow
from shared.errors import DomainError, NotFound

#: ``report.due_soon`` goes out this many days before the deadline.
DUE_SOON_DAYS = 2
#: Notices are still sent for periods whose deadline passed at most this long ago.
NOTICE_LOOKBACK_DAYS = 62
_CODE = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


# -- calendar arithmetic ------------------------------------------------------------------


def parse_code(code: str) -> tuple[str, dt.date, dt.date]:
    """``(kind, starts_on, ends_on)`` of a period code (``2026-03`` or ``2026-Q1``)."""
    match = _CODE.match(code or "")
    if match is None or int(match.group(1)) < 2000:
        raise DomainError.on(
            "code",
            ("报送期有误", "not a period"),
            ("应为 YYYY-MM 或 YYYY-Qn，2000 年起", "YYYY-MM or YYYY-Qn, from 2000"),
        )
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        return "month", dt.date(year, month, 1), month_bounds(year, month)[1]
    quarter = int(match.group(3))
    first_month = 3 * quarter - 2
    return "quarter", dt.date(year, first_month, 1), month_bounds(year, first_month + 2)[1]


def quarter_code(day: dt.date) -> str:
    """The code of the quarter holding ``day``."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def setting(config, name: str):
    """A setting from a :class:`Config` or from Flask's ``app.config``."""
    return config[name] if isinstance(config, Mapping) else getattr(config, name)


def policy_deadline(kind: str, ends_on: dt.date, config) -> dt.date:
    """The policy's deadline: the given day of the month after the period ends (clamped
    to that month's length)."""
    day = setting(
        config,
        "REPORT_MONTHLY_DEADLINE_DAY" if kind == "month" else "REPORT_QUARTERLY_DEADLINE_DAY",
    )
    after = ends_on + dt.timedelta(days=1)
    return after.replace(day=min(max(day, 1), month_bounds(after.year, after.month)[1].day))


def deadline_limit(ends_on: dt.date) -> dt.date:
    """The latest day the calendar may move a period's deadline to: the end of the month
    after the period ends (beyond it the next period's forms would be due first)."""
    after = ends_on + dt.timedelta(days=1)
    return month_bounds(after.year, after.month)[1]


def calendar_overrides(session: Session, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """The city's listed days (holidays, swapped working days) from ``first`` to ``last``:
    date -> kind."""
    return dict(
        session.execute(
            sa.select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.day.between(first, last))
        ).all()
    )


def next_working_day(session: Session, day: dt.date) -> dt.date:
    """``day``, or the first working day after it in the city's calendar."""
    window = 62
    while True:
        last = day + dt.timedelta(days=window)
        found = workdays.next_working_day(day, calendar_overrides(session, day, last))
        if found <= last or window > workdays.SEARCH_LIMIT:
            return found
        window *= 4  # the listed days ran past the window read: read further


def due_soon_on(deadline: dt.date) -> dt.date:
    """The first day on which ``report.due_soon`` goes out (two days before)."""
    return deadline - dt.timedelta(days=DUE_SOON_DAYS)


def overdue_on(deadline: dt.date) -> dt.date:
    """The day on which a report not submitted becomes overdue (the day after)."""
    return deadline + dt.timedelta(days=1)


# -- periods --------------------------------------------------------------------------------


def open_period(
    session: Session, code: str, config, *, today: dt.date, by: str = "tick"
) -> tuple[Period, bool]:
    """Open a period (idempotent): ``(period, True)`` if this call opened it, in which case
    ``period.opened`` is recorded and its obligations created in this transaction."""
    kind, starts_on, ends_on = parse_code(code)
    if starts_on > today:
        raise DomainError.on(
            "code",
            ("报送期尚未开始，不能开启", "a period cannot open before it begins"),
            ("尚未开始", "in the future"),
        )
    base = policy_deadline(kind, ends_on, config)
    deadline = next_working_day(session, base)
    inserted = insert_new(
        session,
        Period,
        "code",
        code=code,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        policy_deadline=base,
        deadline=deadline,
        opened_by=by,
    )
    period = session.scalars(sa.select(Period).where(Period.code == code)).one()
    if inserted is None:
        return period, False
    emit(
        session,
        "period.opened",
        {
            "period_id": period.id,
            "code": period.code,
            "kind": period.kind,
            "starts_on": period.starts_on,
            "ends_on": period.ends_on,
            "deadline": period.deadline,
        },
    )
    add_obligations(session, period)
    return period, True


def get_period(session: Session, code: str) -> Period:
    """The period with this code, or :class:`NotFound`."""
    period = session.scalars(sa.select(Period).where(Period.code == code)).one_or_none()
    if period is None:
        raise NotFound.on(
            "period",
            ("该报送期尚未开启", "no such period is open"),
            (f"{code} 尚未开启", f"{code} is not open"),
        )
    return period


def extend_deadline(
    session: Session,
    period: Period,
    deadline: dt.date,
    reason: str,
    *,
    by: str,
    role: str,
) -> Period:
    """Set the period's deadline to ``deadline`` (the city's extension), audited. The new
    deadline must fall after the period's end and no later than :func:`deadline_limit` (the
    limit the calendar's moves keep too); a non-working day is the city's own choice here."""
    if deadline <= period.ends_on:
        ends_on = period.ends_on.isoformat()
        raise DomainError.on(
            "deadline",
            ("截止日期应在报送期结束之后", "a deadline must fall after the period ends"),
            (f"应晚于 {ends_on}", f"after {ends_on}"),
        )
    limit = deadline_limit(period.ends_on)
    if deadline > limit:
        raise DomainError.on(
            "deadline",
            (
                "截止日期不能晚于报送期结束后次月的月底",
                "a deadline cannot pass the end of the month after the period",
            ),
            (
                f"截止日期最晚为 {limit.isoformat()}（次月月底），否则下一期的表格会先到期",
                f"at the latest {limit.isoformat()} (the end of the following month), "
                "or the next period's forms would fall due first",
            ),
        )
    before = period_state(period)
    period.extended_to = deadline
    period.deadline = deadline
    period.extension_reason = reason
    audit(session, by, "extend", "period", period.id, before, period_state(period), role=role)
    session.flush()
    return period


def period_state(period: Period) -> dict:
    return {
        "deadline": period.deadline.isoformat(),
        "extended_to": period.extended_to and period.extended_to.isoformat(),
        "extension_reason": period.extension_reason,
    }


# -- who owes what ------------------------------------------------------------------------------


def eligible(period: Period):
    """A WHERE clause over :class:`TraineeTenure` for the trainees owing ``period``."""
    return sa.and_(
        TraineeTenure.active_from.is_not(None),
        TraineeTenure.active_from < period.ends_on,
        sa.or_(TraineeTenure.left_on.is_(None), TraineeTenure.left_on > period.starts_on),
    )


def add_obligations(
    session: Session, period: Period, trainee_ids: int | Iterable[int] | None = None
) -> None:
    """Create the missing obligations of ``period`` (of every eligible trainee, of one, or
    of a list: a run of a consumer's events is one statement per kind, not one per
    trainee)."""
    if isinstance(trainee_ids, int):
        trainee_ids = [trainee_ids]
    elif trainee_ids is not None:
        trainee_ids = sorted(set(trainee_ids))
        if not trainee_ids:
            return
    for kind in KINDS_BY_PERIOD[period.kind]:
        select = sa.select(
            TraineeTenure.trainee_id,
            sa.literal(period.id),
            sa.literal(kind),
            sa.literal(utcnow(), UTCDateTime()),
        ).where(eligible(period))
        if trainee_ids is not None:
            select = select.where(TraineeTenure.trainee_id.in_(trainee_ids))
        added = session.execute(
            upsert_statement(session, Obligation)
            .from_select(["trainee_id", "period_id", "kind", "created_at"], select)
            .on_conflict_do_nothing(index_elements=["trainee_id", "period_id", "kind"])
            .returning(Obligation.trainee_id)
        ).scalars()
        report_months.note_obligations(session, period, kind, list(added))


def drop_obligations_after_leaving(session: Session, trainee_id: int, left_on: dt.date) -> None:
    """A trainee who left before a period began owes nothing for it (unless they already
    wrote the report)."""
    periods = sa.select(Period.id).where(Period.starts_on >= left_on)
    written = sa.select(Report.obligation_id)
    owed_no_more = (
        Obligation.trainee_id == trainee_id,
        Obligation.period_id.in_(periods),
        Obligation.id.not_in(written),
    )
    # A leaving back-dated past a period whose notices went out: the notices' rows go
    # with their obligations (the events announcing them stay in the outbox).
    session.execute(
        sa.delete(ReportNotice).where(
            ReportNotice.obligation_id.in_(sa.select(Obligation.id).where(*owed_no_more))
        )
    )
    dropped = session.execute(sa.delete(Obligation).where(*owed_no_more))
    if dropped.rowcount:
        report_months.recount(session, [trainee_id])


#: A trainee's ``(active_from, left_on)``.
Tenure = tuple[dt.date | None, dt.date | None]


def refresh_trainee(session: Session, trainee_id: int, today: dt.date) -> None:
    """After a trainee's events: the obligations of periods still before their deadline."""
    tenure = session.get(TraineeTenure, trainee_id)
    if tenure is None:
        return
    refresh_trainees(session, {trainee_id: (tenure.active_from, tenure.left_on)}, today)


def refresh_trainees(session: Session, tenures: dict[int, Tenure], today: dt.date) -> None:
    """:func:`refresh_trainee` for trainees whose tenures are known (``note_tenures``): the
    open periods read once, and each one's obligations added for all the trainees at once.
    The leaving ones (rare) drop theirs one by one."""
    for trainee_id, (_, left_on) in sorted(tenures.items()):
        if left_on is not None:
            drop_obligations_after_leaving(session, trainee_id, left_on)
    trainee_ids = sorted(tenures)
    if not trainee_ids:
        return
    for period in session.scalars(sa.select(Period).where(Period.deadline >= today)):
        add_obligations(session, period, trainee_ids)


def fold_tenure(
    tenure: Tenure,
    *,
    active_from: dt.date | None = None,
    left_on: dt.date | None = None,
    left_if_unknown: dt.date | None = None,
    returned: bool = False,
) -> Tenure:
    """One fact folded into a tenure: the earliest start wins; leaving sets ``left_on``
    (``left_if_unknown`` only when no leaving is known yet); returning to active clears
    it."""
    known_from, known_left = tenure
    if active_from is not None and (known_from is None or active_from < known_from):
        known_from = active_from
    if left_on is not None:
        known_left = left_on
    elif left_if_unknown is not None and known_left is None:
        known_left = left_if_unknown
    if returned:
        known_left = None
    return known_from, known_left


def note_tenure(session: Session, trainee_id: int, **fact) -> TraineeTenure:
    """Fold one fact (see :func:`fold_tenure`) into a trainee's tenure, the row locked."""
    tenure = locked(session, TraineeTenure, trainee_id)
    if tenure is None:
        tenure = TraineeTenure(trainee_id=trainee_id)
        session.add(tenure)
    tenure.active_from, tenure.left_on = fold_tenure((tenure.active_from, tenure.left_on), **fact)
    session.flush()
    return tenure


def note_tenures(session: Session, facts: dict[int, dict]) -> dict[int, Tenure]:
    """:func:`note_tenure` for many trainees (one fact each, by trainee id): the rows read
    locked in one query, the new ones inserted in one statement and the changed ones
    updated in one executemany. Returns each trainee's tenure as now stored.

    A plain insert, not an upsert: a row that another transaction inserted meanwhile makes
    it fail (the consumer then applies the events one by one), where an upsert would
    overwrite it with a fold that never saw it."""
    ids = sorted(facts)
    stored: dict[int, Tenure] = {
        trainee_id: (active_from, left_on)
        for trainee_id, active_from, left_on in session.execute(
            sa.select(TraineeTenure.trainee_id, TraineeTenure.active_from, TraineeTenure.left_on)
            .where(TraineeTenure.trainee_id.in_(ids))
            .order_by(TraineeTenure.trainee_id)
            .with_for_update()
        )
    }
    tenures = {i: fold_tenure(stored.get(i, (None, None)), **facts[i]) for i in ids}
    table = TraineeTenure.__table__
    new = [
        {"trainee_id": i, "active_from": active_from, "left_on": left_on}
        for i, (active_from, left_on) in tenures.items()
        if i not in stored
    ]
    if new:
        session.execute(sa.insert(table), new)
    changed = [
        {"t": i, "active_from": active_from, "left_on": left_on}
        for i, (active_from, left_on) in tenures.items()
        if i in stored and stored[i] != (active_from, left_on)
    ]
    if changed:
        session.execute(sa.update(table).where(table.c.trainee_id == sa.bindparam("t")), changed)
    # The session's copies (an earlier event of the batch may have loaded them) are stale.
    mapper = sa.inspect(TraineeTenure)
    for trainee_id in ids:
        copy = session.identity_map.get(mapper.identity_key_from_primary_key((trainee_id,)))
        if copy is not None:
            session.expire(copy)
    return tenures


# -- the tick --------------------------------------------------------------------------------


def tick(sessions: Callable[[], Session], config, today: dt.date) -> dict:
    """Run the scheduled work for the city's ``today`` (see the module's docstring); safe
    to run in several processes at once and to repeat. Each step is its own transaction.
    Returns counts of what this call did."""
    done = {"opened": [], "due_soon": 0, "overdue": 0}
    for code in (month_code(today), quarter_code(today)):
        with _transaction(sessions) as session:
            period, opened = open_period(session, code, config, today=today)
            if opened:
                done["opened"].append(code)
    with _transaction(sessions) as session:
        for period in session.scalars(sa.select(Period).where(Period.deadline >= today)):
            add_obligations(session, period)
    with _transaction(sessions) as session:
        lookback = today - dt.timedelta(days=NOTICE_LOOKBACK_DAYS)
        periods = session.scalars(
            sa.select(Period).where(Period.deadline >= lookback).order_by(Period.id)
        ).all()
    for period in periods:
        if due_soon_on(period.deadline) <= today <= period.deadline:
            with _transaction(sessions) as session:
                done["due_soon"] += send_notices(session, period, "due_soon")
        if today >= overdue_on(period.deadline):
            with _transaction(sessions) as session:
                done["overdue"] += send_notices(session, period, "overdue")
    return done


class _transaction:
    def __init__(self, sessions: Callable[[], Session]) -> None:
        self.session = sessions()

    def __enter__(self) -> Session:
        self.session.begin()
        return self.session

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()


def send_notices(session: Session, period: Period, notice: str) -> int:
    """Record one notice per obligation of ``period`` not yet submitted and not yet
    noticed, and its event, in this transaction. Returns how many."""
    submitted = sa.select(Report.obligation_id).where(Report.first_submitted_at.is_not(None))
    now = sa.literal(utcnow(), UTCDateTime())
    pending = sa.select(Obligation.id, sa.literal(notice), now).where(
        Obligation.period_id == period.id, Obligation.id.not_in(submitted)
    )
    inserted = session.execute(
        upsert_statement(session, ReportNotice)
        .from_select(["obligation_id", "kind", "sent_at"], pending)
        .on_conflict_do_nothing(index_elements=["obligation_id", "kind"])
        .returning(ReportNotice.obligation_id)
    ).scalars()
    ids = list(inserted)
    if not ids:
        return 0
    rows = session.execute(
        sa.select(Obligation.trainee_id, Obligation.kind, Trainee)
        .join(Trainee, Trainee.id == Obligation.trainee_id, isouter=True)
        .where(Obligation.id.in_(ids))
    ).all()
    for trainee_id, kind, trainee in rows:
        if trainee is None:
            continue
        emit(
            session,
            f"report.{notice}",
            {
                "trainee_id": trainee_id,
                "kind": kind,
                "period": period.code,
                "deadline": period.deadline,
                "unit_id": trainee.unit_id,
                "town_id": trainee.town_id,
                "village_id": trainee.village_id,
            },
        )
    return len(rows)
