"""Welfare's rules: monthly subsidies (到村补贴), generated from the days stationed, approved
by the towns, paid by the city, corrected by reversal and re-issue; the placement history
and departures they are computed from. No Flask here.

Amounts are integers in fen, always taken from the policy, never from the caller.

Pro-rata rounding: a month's subsidy is ``monthly_amount * days_stationed / days_in_month``
rounded half up to the fen (``(2*a*d + m) // (2*m)``, exact integer arithmetic, no floats):
with 100,000 fen a month, 15 of 31 days is 48,387.1 → 48,387 fen, 1 of 30 days is
3,333.3 → 3,333 fen, and 1 of 8 days of 1,000 fen is 125 fen.

Days stationed follow the real calendar, whatever day the events were processed on: a
trainee is stationed from their first arrival in a village (the earliest placement welfare
knows of: its placement history, the placement-fee entitlement's start, the current
placement) to the day before they completed or withdrew (the status change's effective
date); moving between villages does not interrupt it. Each placement lasts until the day
before the next one starts.

A month in which a trainee moved between towns is split: one subsidy per trainee, month
and town, with the days stationed in that town (a move on 11 March: 10 days in the old
town, 21 in the new) and the amount pro-rated by those days, each row rounded on its own.
The days of a trainee's rows add up to their days stationed in the month, exactly. The
amounts add up to the unsplit amount give or take the rows' own roundings: each row is
within half a fen of its exact share, so a month split over two towns is at most one fen
away from the unsplit amount (100,000 fen over 10 + 21 of 31 days: 32,258 + 67,742 =
100,000; 3 fen over 1 + 1 of 2 days: 2 + 2 = 4, where the unsplit month is 3). Each town
approves and is booked its own part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.domain.common import SYSTEM, emit
from services.welfare.domain.ledger import audit, book
from services.welfare.domain.policy import policy_in_force
from services.welfare.models import (
    LIVE,
    Departure,
    PlacementFee,
    PlacementHistory,
    Subsidy,
    SubsidyMonth,
    SubsidyPolicy,
    Trainee,
)
from shared import clock
from shared.audit import state
from shared.clock import utcnow
from shared.consumer import set_based
from shared.db import insert_new, upsert_statement
from shared.errors import Conflict, DomainError
from shared.normalize import message

#: Who the scheduled tick acts as (the generation runs it starts are audited under it).
SYSTEM_TICK = f"{SYSTEM}:tick"

SUBSIDY_STATE = ("status", "amount_fen", "approved_by", "paid_by", "paid_on", "payment_ref")
#: What a re-issue's audit row shows of the subsidy before and after.
REISSUE_STATE = ("id", "town_id", "days_stationed", "amount_fen", "policy_id", "status")


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY-MM``."""
    return clock.month_bounds(int(month[:4]), int(month[5:7]))


def prorate(monthly_fen: int, days: int, days_in_month: int) -> int:
    """``monthly_fen * days / days_in_month`` rounded half up to the fen, exactly."""
    return (2 * monthly_fen * days + days_in_month) // (2 * days_in_month)


def live():
    """The WHERE clause of live subsidies (neither a reversal nor reversed)."""
    return sa.and_(Subsidy.reverses_id.is_(None), Subsidy.reversal_id.is_(None))


def previous_month(today: dt.date) -> str:
    """``YYYY-MM`` of the month before ``today``'s."""
    return f"{today.replace(day=1) - dt.timedelta(days=1):%Y-%m}"


def _placements(
    session: Session, first: dt.date, last: dt.date, trainee_id: int | None = None
) -> dict:
    """The trainees (all, or the one with ``trainee_id``) who may have been stationed
    during ``first``..``last``, each with (unit, day they left or None, placements by start
    date: (town, village)), placements starting after ``last`` left out. A trainee who is no
    longer active and whose leaving date welfare was never told is left out (nothing to
    pay)."""
    candidates = (
        sa.select(
            Trainee.id,
            Trainee.unit_id,
            Trainee.town_id,
            Trainee.village_id,
            sa.case((Trainee.village_id.is_not(None), Trainee.placement_start)).label("start"),
            Departure.left_on,
        )
        .outerjoin(Departure, Departure.trainee_id == Trainee.id)
        .where(
            sa.or_(
                sa.and_(Trainee.status == "active", Departure.left_on.is_(None)),
                Departure.left_on > first,
            )
        )
    )
    if trainee_id is not None:
        candidates = candidates.where(Trainee.id == trainee_id)
    trainees = {
        tid: (unit_id, left_on, {start: (town_id, village_id)} if start else {})
        for tid, unit_id, town_id, village_id, start, left_on in session.execute(candidates)
    }
    ids = candidates.with_only_columns(Trainee.id)
    # The first arrival (the placement fee's), then the history: every placement, in
    # whichever order its event came, over the projection's current one.
    for model, start in (
        (PlacementFee, PlacementFee.placement_start),
        (PlacementHistory, PlacementHistory.start_date),
    ):
        rows = session.execute(
            sa.select(model.trainee_id, start, model.town_id, model.village_id).where(
                start <= last, model.trainee_id.in_(ids)
            )
        )
        for tid, begins, town_id, village_id in rows:
            if tid in trainees:  # (one registered between the two statements waits)
                trainees[tid][2][begins] = (town_id, village_id)
    return trainees


def stationed_rows(session: Session, month: str, trainee_id: int | None = None) -> list[dict]:
    """The subsidy rows of a month (see the module): for each trainee stationed during it
    (or the one with ``trainee_id``), one per town with the days stationed there and the
    village of their last stay there that month, in the order they arrived in the towns."""
    first, last = month_bounds(month)
    rows = []
    stays = _placements(session, first, last, trainee_id)
    for tid, (unit_id, left_on, placements) in stays.items():
        until = last if left_on is None else min(last, left_on - dt.timedelta(days=1))
        starts = sorted(s for s in placements if s <= until)
        by_town: dict[int, dict] = {}
        for index, start in enumerate(starts):
            ends = starts[index + 1] - dt.timedelta(days=1) if index + 1 < len(starts) else until
            days = (min(ends, until) - max(start, first)).days + 1
            if days <= 0:
                continue
            town_id, village_id = placements[start]
            row = by_town.setdefault(
                town_id,
                {
                    "trainee_id": tid,
                    "unit_id": unit_id,
                    "town_id": town_id,
                    "village_id": village_id,
                    "days_stationed": 0,
                },
            )
            row["days_stationed"] += days
            row["village_id"] = village_id
        rows.extend(by_town.values())
    return rows


def _run_record(session: Session, month: str, actor: str) -> SubsidyMonth:
    """The month's run record, created by the first run, locked: runs of one month (the
    city's, two schedulers' ticks) take turns, each seeing what the one before committed."""
    now = utcnow()
    insert_new(
        session,
        SubsidyMonth,
        "month",
        month=month,
        first_by=actor,
        first_at=now,
        last_by=actor,
        last_at=now,
    )
    return session.scalars(
        sa.select(SubsidyMonth)
        .where(SubsidyMonth.month == month)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _missing(session: Session, month: str, rows: list[dict]) -> tuple[list[dict], int]:
    """Of the month's computed ``rows``, those to create, and how many trainees' rows
    need a look (a correction by re-issue).

    A row is created only for a town in which the trainee has no subsidy of the month yet,
    live or not (a reversal is a decision, never undone by generating again), and only as
    far as the trainee's live days stay within their days stationed: a back-dated move into
    a month already paid to the old town adds nothing for the new town until the city
    re-issues the old town's part with fewer days. Such trainees, and trainees whose live
    days exceed their days stationed (a back-dated departure), are counted for review."""
    towns: dict[int, set] = {}
    live_days: dict[int, int] = {}
    for tid, town_id, days, is_live in session.execute(
        sa.select(
            Subsidy.trainee_id,
            Subsidy.town_id,
            Subsidy.days_stationed,
            Subsidy.reversal_id.is_(None),
        ).where(Subsidy.month == month, Subsidy.reverses_id.is_(None))
    ):
        towns.setdefault(tid, set()).add(town_id)
        live_days[tid] = live_days.get(tid, 0) + (days if is_live else 0)
    stationed: dict[int, int] = {}
    for row in rows:
        stationed[row["trainee_id"]] = stationed.get(row["trainee_id"], 0) + row["days_stationed"]
    create, review = [], set()
    for row in rows:
        tid, town_id, days = row["trainee_id"], row["town_id"], row["days_stationed"]
        if town_id in towns.get(tid, ()):
            continue
        if live_days.get(tid, 0) + days > stationed[tid]:
            review.add(tid)
            continue
        towns.setdefault(tid, set()).add(town_id)
        live_days[tid] = live_days.get(tid, 0) + days
        create.append(row)
    review.update(tid for tid, days in live_days.items() if days > stationed.get(tid, 0))
    return create, len(review)


def _policy_of_month(session: Session, first: dt.date) -> SubsidyPolicy:
    """The policy in force on a month's first day: without one no subsidy of the month
    can be worked out (422)."""
    policy = policy_in_force(session, first)
    if policy is None:
        raise DomainError.on(
            "month",
            ("该月没有生效的补贴标准", "no subsidy policy is in force for this month"),
            ("没有生效的补贴标准", "no policy in force"),
        )
    return policy


def generate(session: Session, month: str, actor: str, today: dt.date) -> dict:
    """Create the subsidies of a month that is over, one per trainee and town stationed
    during it (see the module), with the policy in force on the month's first day.

    Exactly once: runs of a month take turns on its run record, and a row is created only
    where the trainee has none for that town (see :func:`_missing`); the unique index of
    live rows per trainee, month and town decides in the last resort. Running a month
    again only adds what became known since (a back-dated placement), never a second row.
    Each run that creates rows is audited as one entry (the month, rows created, total,
    policy). ``to_review``: trainees whose rows disagree with their days stationed."""
    first, last = month_bounds(month)
    if last >= today:
        # Days stationed are known only once the month is over.
        raise DomainError.on(
            "month", ("该月尚未结束", "the month is not over yet"), ("尚未结束", "not over yet")
        )
    policy = _policy_of_month(session, first)
    run = _run_record(session, month, actor)
    rows = stationed_rows(session, month)
    create, review = _missing(session, month, rows)
    days_in_month = last.day
    now = utcnow()
    values = [
        {
            **row,
            "month": month,
            "days_in_month": days_in_month,
            "amount_fen": prorate(policy.monthly_amount_fen, row["days_stationed"], days_in_month),
            "policy_id": policy.id,
            "status": "generated",
            "reason": "",
            "created_by": actor,
            "created_at": now,
        }
        for row in create
    ]
    amounts = _insert_subsidies(session, values) if values else []
    created, total = len(amounts), sum(amounts)
    run.runs += 1
    run.created += created
    run.total_fen += total
    run.stale = False
    run.last_by, run.last_at = actor, now
    after = {"month": month, "created": created, "total_fen": total, "policy_id": policy.id}
    if created:
        audit(session, actor, "generate", "subsidy_month", int(month.replace("-", "")), None, after)
    stationed = len({row["trainee_id"] for row in rows})
    return {**after, "stationed": stationed, "to_review": review}


def tick(sessions: Callable[[], Session], today: dt.date) -> dict:
    """The scheduled work for the city's ``today``: from the first tick after a month
    ends, that month's subsidies are generated (as ``system:tick``); a month run before
    and marked stale since (a back-dated placement) is run again, which only adds what is
    missing. Safe to repeat and to run in several schedulers at once (see
    :func:`generate`). Each month is its own transaction. Returns what this call did: rows
    created per month run, and months skipped with why (no policy in force yet)."""
    month = previous_month(today)
    session = sessions()
    try:
        with session.begin():
            due = set(
                session.scalars(sa.select(SubsidyMonth.month).where(SubsidyMonth.stale.is_(True)))
            )
            if session.get(SubsidyMonth, month) is None:
                due.add(month)
    finally:
        session.close()
    done: dict = {"generated": {}, "skipped": {}}
    for each in sorted(due):
        session = sessions()
        try:
            with session.begin():
                done["generated"][each] = generate(session, each, SYSTEM_TICK, today)["created"]
        except DomainError as exc:
            done["skipped"][each] = exc.detail
        finally:
            session.close()
    return done


def mark_stale(session: Session, since: dt.date) -> None:
    """Months already run that a placement from ``since`` reaches back into are to be
    run again by the next tick."""
    session.execute(
        sa.update(SubsidyMonth)
        .where(SubsidyMonth.month >= f"{since:%Y-%m}", SubsidyMonth.stale.is_(False))
        .values(stale=True)
    )


#: PostgreSQL: the month in one statement, each column sent as one array (``unnest``);
#: far faster than a multi-row VALUES for tens of thousands of rows.
_UNNEST_INSERT = sa.text(
    f"""
    INSERT INTO subsidy (trainee_id, unit_id, town_id, village_id, days_stationed, amount_fen,
                         month, days_in_month, policy_id, status, reason, created_by, created_at)
    SELECT t.*, :month, :days_in_month, :policy_id, 'generated', '', :created_by, :created_at
    FROM unnest(CAST(:trainee_id AS integer[]), CAST(:unit_id AS integer[]),
                CAST(:town_id AS integer[]), CAST(:village_id AS integer[]),
                CAST(:days_stationed AS integer[]), CAST(:amount_fen AS bigint[])) AS t
    ON CONFLICT (trainee_id, month, town_id) WHERE {LIVE} DO NOTHING
    RETURNING amount_fen
    """
)
_ARRAYS = ("trainee_id", "unit_id", "town_id", "village_id", "days_stationed", "amount_fen")


def _insert_subsidies(session: Session, values: list[dict]) -> list[int]:
    """Insert the computed rows, skipping (trainee, month, town) that have a live row;
    the amounts of the rows inserted."""
    if session.get_bind().dialect.name == "postgresql":
        first = values[0]
        params = {name: [row[name] for row in values] for name in _ARRAYS}
        params.update(
            {name: first[name] for name in ("month", "days_in_month", "policy_id", "created_by")},
            created_at=first["created_at"],
        )
        return list(session.scalars(_UNNEST_INSERT, params))
    statement = (
        upsert_statement(session, Subsidy)
        .on_conflict_do_nothing(
            index_elements=["trainee_id", "month", "town_id"],
            index_where=live(),
        )
        .returning(Subsidy.amount_fen)
    )
    return list(session.scalars(statement, values))


def is_reversed(subsidy: Subsidy) -> bool:
    """Whether a reversal of this subsidy exists."""
    return subsidy.reversal_id is not None


def _original(subsidy: Subsidy, zh: str, en: str) -> None:
    """409 unless the subsidy is an original one, not reversed (``zh``/``en``: the deed)."""
    if subsidy.reverses_id is not None:
        raise Conflict(message(f"冲正记录不能{zh}", f"a reversal cannot be {en}"))
    if is_reversed(subsidy):
        raise Conflict(message(f"已冲正的补贴不能{zh}", f"a reversed subsidy cannot be {en}"))


#: A subsidy's two steps after it is generated: the status each needs and gives, and its
#: name and the statuses' in Chinese (for the refusals).
_STEPS = {"approve": ("generated", "approved", "审批"), "pay": ("approved", "paid", "发放")}
_STATUS_ZH = {"generated": "待审批", "approved": "已审批", "paid": "已发放", "void": "已作废"}


def _advance(session: Session, subsidy: Subsidy, action: str, actor: str, **values) -> None:
    """Move an original subsidy (not a reversal, nor reversed) one step, stamped by
    ``actor`` (``<status>_by``, ``<status>_at``) with ``values``, and audited."""
    needs, status, zh = _STEPS[action]
    _original(subsidy, zh, status)
    if subsidy.status != needs:
        now = _STATUS_ZH.get(subsidy.status, subsidy.status)
        raise Conflict(
            message(
                f"该补贴{now}，只有{_STATUS_ZH[needs]}的补贴可以{zh}",
                f"the subsidy is {subsidy.status}; only a {needs} one can be {status}",
            )
        )
    before = state(subsidy, *SUBSIDY_STATE)
    subsidy.status = status
    values.update({f"{status}_by": actor, f"{status}_at": utcnow()})
    for name, value in values.items():
        setattr(subsidy, name, value)
    audit(session, actor, action, "subsidy", subsidy.id, before, state(subsidy, *SUBSIDY_STATE))


def approve(session: Session, subsidy: Subsidy, actor: str) -> Subsidy:
    """The town approves a generated subsidy."""
    _advance(session, subsidy, "approve", actor)
    return subsidy


def pay(
    session: Session, subsidy: Subsidy, payment_ref: str, actor: str, today: dt.date
) -> Subsidy:
    """The city marks an approved subsidy paid: a ledger entry and ``subsidy.paid``."""
    _advance(session, subsidy, "pay", actor, paid_on=today, payment_ref=payment_ref)
    book(
        session,
        subsidy,
        "subsidy",
        reference=payment_ref,
        reason=f"{subsidy.month} 到村补贴",
        booked_on=today,
        actor=actor,
    )
    emit(
        session,
        "subsidy.paid",
        {
            "subsidy_id": subsidy.id,
            "trainee_id": subsidy.trainee_id,
            "month": subsidy.month,
            "amount_fen": subsidy.amount_fen,
            "payment_ref": payment_ref,
            "paid_on": today,
            "unit_id": subsidy.unit_id,
            "town_id": subsidy.town_id,
            "village_id": subsidy.village_id,
        },
    )
    return subsidy


def _successor(subsidy: Subsidy, **values) -> Subsidy:
    """A new row for the subsidy's trainee, month and place (its reversal or reissue)."""
    return Subsidy(
        **state(subsidy, "trainee_id", "month", "unit_id", "town_id", "village_id"),
        days_in_month=subsidy.days_in_month,
        **values,
    )


def reverse(session: Session, subsidy: Subsidy, reason: str, actor: str, today: dt.date):
    """Correct a subsidy with a new reversing row of the negated amount (never an edit).
    A paid one is taken back with a negative ledger entry; an unpaid one is voided (it can
    no longer be approved or paid). A subsidy is reversed at most once."""
    _original(subsidy, "冲正", "reversed")
    paid = subsidy.status == "paid"
    reversal = _successor(
        subsidy,
        days_stationed=-subsidy.days_stationed,
        amount_fen=-subsidy.amount_fen,
        policy_id=subsidy.policy_id,
        status="paid" if paid else "void",
        reverses_id=subsidy.id,
        reason=reason,
        paid_by=actor if paid else None,
        paid_at=utcnow() if paid else None,
        paid_on=today if paid else None,
        payment_ref=subsidy.payment_ref,
        created_by=actor,
    )
    session.add(reversal)
    session.flush()
    subsidy.reversal_id = reversal.id
    audit(
        session,
        actor,
        "reverse",
        "subsidy",
        subsidy.id,
        state(subsidy, *SUBSIDY_STATE),
        {"reversal_id": reversal.id, "amount_fen": reversal.amount_fen, "reason": reason},
    )
    if paid:
        book(
            session,
            reversal,  # the subsidy's trainee and town, its amount negated
            "subsidy",
            kind="subsidy_reversal",
            reference=subsidy.payment_ref or "",
            reason=reason,
            booked_on=today,
            actor=actor,
        )
    return reversal


def reissue(
    session: Session,
    subsidy: Subsidy,
    days_stationed: int | None,
    reason: str,
    actor: str,
    today: dt.date,
) -> Subsidy:
    """Correct a subsidy by issuing it anew: the original is reversed if it was not yet
    (a paid one taken back in the ledger, an unpaid one voided) and a new subsidy of the
    same trainee, month and town is created, ``generated``, linked to it by
    ``reissues_id``, to be approved and paid like any other. Its amount is the policy's
    (the one in force on the month's first day) for ``days_stationed`` days, or, when
    None, for the days the records now give for that town (a back-dated change).

    A re-issue can itself be re-issued (a correction corrected), but a subsidy only once,
    and never so that the trainee has two live subsidies for the town, or more live days in
    the month than it has. ``subsidy`` must be locked by the caller. Audited: the subsidy
    before, the new one after."""
    if subsidy.reverses_id is not None:
        raise Conflict(
            message(
                "冲正记录不能重新核发，请重新核发原补贴",
                "a reversal cannot be re-issued; re-issue the subsidy it reverses",
            )
        )
    successor = session.scalar(sa.select(Subsidy.id).where(Subsidy.reissues_id == subsidy.id))
    if successor is not None:
        raise Conflict(
            message(
                f"该补贴已重新核发过（补贴 {successor}），请更正那一条",
                f"this subsidy has been re-issued already (subsidy {successor}); correct that one",
            )
        )
    first, _ = month_bounds(subsidy.month)
    if days_stationed is None:
        days_stationed = sum(
            row["days_stationed"]
            for row in stationed_rows(session, subsidy.month, subsidy.trainee_id)
            if row["town_id"] == subsidy.town_id
        )
        if not days_stationed:
            raise DomainError.on(
                "days_stationed",
                (
                    "据记录，该选调生当月未在该镇（街道）驻村，请改为冲正该补贴",
                    "by the records the trainee was not stationed in this town that month; "
                    "reverse the subsidy instead",
                ),
                (
                    "据记录，当月在该镇（街道）没有驻村天数",
                    "no days stationed in this town by the records",
                ),
            )
    if not 1 <= days_stationed <= subsidy.days_in_month:
        most = subsidy.days_in_month
        raise DomainError.on(
            "days_stationed",
            (f"驻村天数应为 1 至 {most} 天", f"days stationed must be from 1 to {most}"),
            (f"应为 1 至 {most} 天", f"from 1 to {most}"),
        )
    others = session.scalars(
        sa.select(Subsidy)
        .where(
            Subsidy.trainee_id == subsidy.trainee_id,
            Subsidy.month == subsidy.month,
            Subsidy.id != subsidy.id,
            live(),
        )
        .with_for_update()
    ).all()
    same_town = [o.id for o in others if o.town_id == subsidy.town_id]
    if same_town:
        raise Conflict(
            message(
                f"该选调生当月在该镇（街道）已有一笔有效补贴（补贴 {same_town[0]}）",
                f"the trainee has a live subsidy for this town and month (subsidy {same_town[0]})",
            )
        )
    elsewhere = sum(o.days_stationed for o in others)
    if elsewhere + days_stationed > subsidy.days_in_month:
        month_days, left = subsidy.days_in_month, subsidy.days_in_month - elsewhere
        raise DomainError.on(
            "days_stationed",
            (
                f"该选调生当月在其他镇（街道）已有 {elsewhere} 天（本月共 {month_days} 天）",
                f"the trainee's other towns already have {elsewhere} days of this month's "
                f"{month_days}",
            ),
            (f"最多 {left} 天", f"at most {left}"),
        )
    policy = _policy_of_month(session, first)
    before = state(subsidy, *REISSUE_STATE)
    before["reversed"] = is_reversed(subsidy)
    if not is_reversed(subsidy):
        reverse(session, subsidy, reason, actor, today)
    issued = _successor(
        subsidy,
        days_stationed=days_stationed,
        amount_fen=prorate(policy.monthly_amount_fen, days_stationed, subsidy.days_in_month),
        policy_id=policy.id,
        status="generated",
        reissues_id=subsidy.id,
        reason=reason,
        created_by=actor,
    )
    session.add(issued)
    session.flush()
    audit(
        session,
        actor,
        "reissue",
        "subsidy",
        issued.id,
        before,
        {**state(issued, *REISSUE_STATE), "reissues_id": subsidy.id, "reason": reason},
    )
    # Days the correction freed may belong to another town (a back-dated move): the next
    # tick runs the month again, which adds that town's part.
    session.execute(
        sa.update(SubsidyMonth).where(SubsidyMonth.month == subsidy.month).values(stale=True)
    )
    return issued


def _batch(session: Session, month: str, town_id: int, status: str) -> list[Subsidy]:
    """A town's month of live subsidies in one state, locked."""
    return list(
        session.scalars(
            sa.select(Subsidy)
            .where(
                Subsidy.month == month,
                Subsidy.town_id == town_id,
                Subsidy.status == status,
                live(),
            )
            .order_by(Subsidy.id)
            .with_for_update()
        )
    )


def _check_expected(rows: list[Subsidy], expected: dict | None, verb: tuple[str, str]) -> None:
    """Refuse a batch that is no longer what the caller confirmed (its count or total
    changed since): nothing is done, and the message says what the batch is now."""
    expected = expected or {}
    count, total = len(rows), sum(r.amount_fen for r in rows)
    errors = {}
    if expected.get("expected_count") not in (None, count):
        errors["expected_count"] = [message(f"现为 {count} 笔", f"now {count}")]
    if expected.get("expected_total_fen") not in (None, total):
        errors["expected_total_fen"] = [message(f"现为 {total} 分", f"now {total} fen")]
    if errors:
        zh, en = verb
        raise DomainError(
            message(
                f"待{zh}的补贴已变化（现为 {count} 笔，共 {total} 分），未作任何处理，请重新确认",
                f"the subsidies to {en} have changed (now {count}, {total} fen in all); "
                "nothing was done, confirm again",
            ),
            errors,
        )


def approve_month(
    session: Session, month: str, town_id: int, actor: str, expected: dict | None = None
) -> dict:
    """The town approves all its generated subsidies of a month (each one audited); with
    ``expected`` (``expected_count``, ``expected_total_fen``) only if they still match."""
    rows = _batch(session, month, town_id, "generated")
    _check_expected(rows, expected, ("审核", "approve"))
    for subsidy in rows:
        approve(session, subsidy, actor)
    return {
        "month": month,
        "town_id": town_id,
        "count": len(rows),
        "total_fen": sum(r.amount_fen for r in rows),
    }


def pay_month(
    session: Session,
    month: str,
    town_id: int,
    payment_ref: str,
    actor: str,
    today: dt.date,
    expected: dict | None = None,
) -> dict:
    """The city pays all of a town's approved subsidies of a month under one payment
    reference (each one a ledger entry and a ``subsidy.paid``); with ``expected`` only if
    the batch is still what the caller confirmed."""
    rows = _batch(session, month, town_id, "approved")
    _check_expected(rows, expected, ("发放", "pay"))
    for subsidy in rows:
        pay(session, subsidy, payment_ref, actor, today)
    return {
        "month": month,
        "town_id": town_id,
        "count": len(rows),
        "total_fen": sum(r.amount_fen for r in rows),
    }


#: A placement history row's columns, named as ``trainee.placed`` names them.
_HISTORY = ("trainee_id", "start_date", "placement_id", "town_id", "village_id")


def _history_row(envelope: dict) -> dict:
    payload = envelope["payload"]
    return {name: payload[name] for name in _HISTORY}


def record_placement(session: Session, envelope: dict) -> None:
    """Keep a ``trainee.placed`` in the placement history (every placement, also one
    whose event came after a newer one: the history is ordered by start date, not by
    arrival); a placement starting in a month already generated marks it stale."""
    statement = (
        upsert_statement(session, PlacementHistory)
        .values(**_history_row(envelope))
        .on_conflict_do_nothing(index_elements=["trainee_id", "start_date"])
        .returning(PlacementHistory.start_date)
    )
    start = session.scalar(statement)
    if start is not None:
        mark_stale(session, start)


def record_placements(session: Session, envelopes: list[dict]) -> None:
    """:func:`record_placement` for a run of events about distinct trainees: one INSERT
    for the run and at most one UPDATE of the run records."""
    table = PlacementHistory.__table__
    starts = list(
        session.scalars(
            upsert_statement(session, table)
            .on_conflict_do_nothing(index_elements=["trainee_id", "start_date"])
            .returning(table.c.start_date),
            [_history_row(e) for e in envelopes],
        )
    )
    if starts:
        mark_stale(session, min(starts))


def with_placement_history(handlers: dict) -> dict:
    """The projection handlers with the placement history kept beside the projection of
    ``trainee.placed`` (each event recorded, whether or not it was the newest: the
    reactions that follow run only for a newest one)."""
    projection = handlers["trainee.placed"]

    def handler(session: Session, envelope: dict):
        changed = projection(session, envelope)
        record_placement(session, envelope)
        return changed

    def many(session: Session, envelopes: list[dict]) -> list:
        changed = projection.many(session, envelopes)
        record_placements(session, envelopes)
        return changed

    return {
        **handlers,
        "trainee.placed": set_based(handler, many, projection.many_key),
    }


def on_status_changed(session: Session, envelope: dict) -> None:
    """Remember when a trainee stopped being stationed (subsidies end the day before)."""
    payload = envelope["payload"]
    row = session.get(Departure, payload["trainee_id"])
    if payload["to_status"] == "active":
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(Departure(trainee_id=payload["trainee_id"], left_on=payload["effective_date"]))
    else:
        row.left_on = payload["effective_date"]


#: Reactions to consumed events, by type (run after the projections; see
#: ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {"trainee.status_changed": on_status_changed}
