"""The dashboard's read models, fed by other services' events. No Flask here.

Each reaction records the event's *fact* under the producer's own id (talk, visit, fee
entitlement, need, assignment) and, only when the fact is new, bumps the counters of the
trainee's month in ``oversight_month``. A talk's fact is the ``report_talk`` row that
also pre-fills the mentoring form (``domain.reports.keep_talks``); an assignment's is its
``mentor_assignment`` row, who and whether active as well as its dates. So:

- a redelivered envelope is dropped by the inbox before it gets here;
- the same fact in a second envelope (a replay with a new id) finds its fact row and
  changes nothing;
- facts arrive in any order: every counter depends on one fact alone (a need counts when
  it is resolved, whether or not its ``need.raised`` came first), so the counters always
  equal a recount of the facts.

Months are the city's calendar months of the fact's own date (``talk_date``,
``visit_date``, ``paid_on``, ``resolved_on``), which the producers give in the city's
time zone. A month row's place (unit, town) is the one the latest applied event gave.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.reporting.domain import report_months
from services.reporting.domain.reports import keep_talks
from services.reporting.models import (
    FeeFact,
    MentorAssignment,
    NeedFact,
    OversightMonth,
    VisitFact,
)
from shared.consumer import defer, payload_key, set_based
from shared.db import excluded, locked, upsert_statement
from shared.projections import assignment_row

#: Each mentor role as one bit (see ``MentorAssignment.role_bit``).
ROLE_BITS = {"integrity": 1, "business": 2, "responsible": 4, "practical": 8}
COUNTERS = ("talks", "visits", "fees_paid", "fees_on_time", "needs_resolved", "needs_on_time")


def month_of(day: dt.date) -> dt.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def bump(session: Session, trainee_id: int, day: dt.date, payload: dict, **increments) -> None:
    """Add ``increments`` to the trainee's month row, creating it if needed (one bump of
    :func:`bump_many`)."""
    bump_many(session, [(trainee_id, day, payload, increments)])


def bump_many(session: Session, bumps: list[tuple[int, dt.date, dict, dict]]) -> None:
    """Add each of ``bumps`` (trainee id, day, payload, increments) to the trainee's month
    row, creating it if needed, in order, in one atomic executemany (two consumers bumping
    the same row never lose an update): the increments of each (trainee, month) row are
    summed first, and its place is the last bump's, as bumping one by one would leave it."""
    rows: dict[tuple[int, dt.date], dict] = {}
    for trainee_id, day, payload, increments in bumps:
        row = rows.setdefault(
            (trainee_id, month_of(day)),
            {"trainee_id": trainee_id, "month": month_of(day), **dict.fromkeys(COUNTERS, 0)},
        )
        row.update(unit_id=payload["unit_id"], town_id=payload.get("town_id"))
        for name, value in increments.items():
            row[name] += value
    if not rows:
        return
    named = [n for n in COUNTERS if any(n in increments for *_, increments in bumps)]
    table = OversightMonth.__table__
    insert = upsert_statement(session, table)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["trainee_id", "month"],
            set_={
                **excluded(insert, "unit_id", "town_id"),
                **{name: table.c[name] + insert.excluded[name] for name in named},
            },
        ),
        # In the rows' order, so that runs lock the rows they share in one order.
        [rows[key] for key in sorted(rows)],
    )


def _new_fact(session: Session, model, payload: dict, key: str, *names: str) -> bool:
    """Insert the fact (its ``key`` and ``names``, as the payload names them) unless it is
    known; True when it was new."""
    known = locked(session, model, payload[key])
    if known is not None:
        return False
    session.add(model(**{name: payload[name] for name in (key, *names)}))
    session.flush()
    return True


def on_talk_recorded(session: Session, envelope: dict) -> None:
    """A talk: kept (``report_talk``) and, when new, one more talk in the trainee's month."""
    payload = envelope["payload"]
    if keep_talks(session, [payload]):
        bump(session, payload["trainee_id"], payload["talk_date"], payload, talks=1)


def _on_talks_recorded(session: Session, envelopes: list[dict]) -> list:
    """Talks of distinct ids: the new ones kept, then their months' counters, summed per
    row."""
    payloads = [e["payload"] for e in envelopes]
    new = keep_talks(session, payloads)
    fresh = [p for p in payloads if p["talk_id"] in new]
    bump_many(session, [(p["trainee_id"], p["talk_date"], p, {"talks": 1}) for p in fresh])
    return [None] * len(envelopes)


# Keyed by the talk: a run may hold several talks of one trainee's month (``bump_many``
# sums them). Talks are regrouped only across events that leave oversight_month alone
# (the other set-based types); a visit, fee or need still comes between them in order.
set_based(on_talk_recorded, _on_talks_recorded, payload_key("talk_id"))


def on_visit_recorded(session: Session, envelope: dict) -> None:
    """A care visit: one more visit in the trainee's month."""
    payload = envelope["payload"]
    if _new_fact(session, VisitFact, payload, "visit_id", "trainee_id", "visit_date"):
        bump(session, payload["trainee_id"], payload["visit_date"], payload, visits=1)


def on_fee_paid(session: Session, envelope: dict) -> None:
    """A placement fee paid: counted in the month paid; on time when paid by its due day."""
    payload = envelope["payload"]
    if _new_fact(session, FeeFact, payload, "entitlement_id", "trainee_id", "paid_on", "due_on"):
        on_time = int(payload["paid_on"] <= payload["due_on"])
        bump(
            session,
            payload["trainee_id"],
            payload["paid_on"],
            payload,
            fees_paid=1,
            fees_on_time=on_time,
        )


def on_need_raised(session: Session, envelope: dict) -> None:
    """A need raised: remembered with its due day (the resolution may have come first)."""
    payload = envelope["payload"]
    row = locked(session, NeedFact, payload["need_id"])
    if row is None:
        session.add(
            NeedFact(
                need_id=payload["need_id"],
                trainee_id=payload["trainee_id"],
                unit_id=payload["unit_id"],
                town_id=payload.get("town_id"),
                due_on=payload["due_on"],
            )
        )
        session.flush()
    elif row.due_on is None:
        row.due_on = payload["due_on"]


def on_need_resolved(session: Session, envelope: dict) -> None:
    """A need resolved: counted once, in the month resolved, on time as welfare judged it."""
    payload = envelope["payload"]
    row = locked(session, NeedFact, payload["need_id"])
    if row is None:
        row = NeedFact(
            need_id=payload["need_id"],
            trainee_id=payload["trainee_id"],
            unit_id=payload["unit_id"],
            town_id=payload.get("town_id"),
        )
        session.add(row)
    elif row.resolved_on is not None:
        return
    row.resolved_on = payload["resolved_on"]
    row.on_time = payload["on_time"]
    session.flush()
    bump(
        session,
        payload["trainee_id"],
        payload["resolved_on"],
        payload,
        needs_resolved=1,
        needs_on_time=int(payload["on_time"]),
    )


def _assignment_values(payload: dict) -> dict:
    return {
        **assignment_row(payload, active=True),
        "role_bit": ROLE_BITS[payload["role"]],
        "start_date": payload["start_date"],
    }


def _keep_assignments(session: Session, payloads: list[dict]) -> None:
    """The assignments, in one executemany: a row already there (the assignment again, or
    its release that overtook it) only gets its start if it has none, and stays inactive
    once released (the payloads' assignments are distinct). Not one multi-row VALUES:
    SQLAlchemy compiles that anew for every run (5 ms for fifty rows, more than PostgreSQL
    takes to apply them), while this statement is compiled once."""
    table = MentorAssignment.__table__
    insert = upsert_statement(session, table)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["id"],
            set_=excluded(insert, "start_date"),
            where=table.c.start_date.is_(None),
        ),
        [_assignment_values(p) for p in payloads],
    )
    for payload in payloads:
        defer(session, report_months.SeatsChanged(payload["trainee_id"]))


def on_mentor_assigned(session: Session, envelope: dict) -> None:
    """An assignment: who, active, and its start (for coverage in past months)."""
    _keep_assignments(session, [envelope["payload"]])


def _on_mentor_assigned_many(session: Session, envelopes: list[dict]) -> list:
    _keep_assignments(session, [e["payload"] for e in envelopes])
    return [True] * len(envelopes)


set_based(on_mentor_assigned, _on_mentor_assigned_many, payload_key("assignment_id"))


def on_mentor_released(session: Session, envelope: dict) -> None:
    """An assignment's end: no longer active, never again; a release that overtook its
    assignment keeps no start."""
    payload = envelope["payload"]
    row = locked(session, MentorAssignment, payload["assignment_id"])
    if row is None:
        session.add(
            MentorAssignment(
                **assignment_row(payload, active=False),
                role_bit=ROLE_BITS[payload["role"]],
                end_date=payload["end_date"],
            )
        )
        session.flush()
    else:
        row.active = False
        row.end_date = payload["end_date"]
    defer(session, report_months.SeatsChanged(payload["trainee_id"]))


#: Reactions to consumed events, by type (run after the projections; see
#: ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {
    "talk.recorded": on_talk_recorded,
    "visit.recorded": on_visit_recorded,
    "placement_fee.paid": on_fee_paid,
    "need.raised": on_need_raised,
    "need.resolved": on_need_resolved,
    "mentor.assigned": on_mentor_assigned,
    "mentor.released": on_mentor_released,
}
