"""Welfare's rules: the one-time placement fee (一次性安置费): an entitlement on a trainee's
first village placement, due after the policy's payment limit (moved to the next working
day), paid by the city into the ledger. No Flask here. Amounts are integers in fen, always
taken from the policy, never from the caller."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.welfare.domain import calendar as city_calendar
from services.welfare.domain.common import SYSTEM, emit
from services.welfare.domain.ledger import audit, book
from services.welfare.domain.policy import policies_in_force, policy_in_force
from services.welfare.models import MoneyAudit, PlacementFee
from shared.audit import audit_row, record_audits, state
from shared.clock import utcnow
from shared.consumer import payload_key, set_based
from shared.db import insert_new, upsert_statement
from shared.errors import Conflict, DomainError, not_after_today, not_before
from shared.normalize import message
from shared.workdays import next_working_day

#: The placement fee's payment limit when no policy says otherwise (PLACEMENT_FEE_DUE_DAYS).
DEFAULT_FEE_DUE_DAYS = 30

#: The payment's day, and the day it may not precede (``shared.errors.not_before``).
PAID_ON = ("发放日期", "payment date")
PLACEMENT_START = ("基层锻炼开始日期", "the placement's start")
FEE_STATE = ("status", "amount_fen", "due_on", "paid_on", "payment_ref", "paid_by")


#: Who, what and which entity an entitlement's audit row names.
ENTITLED = (f"{SYSTEM}:trainee.placed", "entitle", "placement_fee")


def _fee_limit(start: dt.date, policy) -> dt.date:
    """The start date plus the policy's payment limit in days (before the calendar)."""
    return start + dt.timedelta(days=policy.fee_due_days if policy else DEFAULT_FEE_DUE_DAYS)


def _entitlement(envelope: dict, policy, now: dt.datetime, overrides) -> dict:
    """The placement-fee row a first village placement inserts, under ``policy`` (the
    one in force on the start date, or None): due on the working day the limit falls on,
    or the next one (``overrides``: welfare's calendar around it)."""
    payload = envelope["payload"]
    start = payload["start_date"]
    return {
        "trainee_id": payload["trainee_id"],
        "unit_id": payload["unit_id"],
        "town_id": payload["town_id"],
        "village_id": payload["village_id"],
        "placement_start": start,
        "amount_fen": policy.placement_fee_fen if policy else None,
        "policy_id": policy.id if policy else None,
        "due_on": next_working_day(_fee_limit(start, policy), overrides),
        "status": "due",
        "source_event_id": str(envelope["id"]),
        "created_at": now,
    }


def on_placed(session: Session, envelope: dict) -> None:
    """``trainee.placed`` on a first village placement: the placement-fee entitlement.
    Once per trainee ever: the unique trainee_id decides (a redelivery, a replay with a new
    id or a second village inserts nothing), not the event's flag alone."""
    payload = envelope["payload"]
    if not payload.get("first_in_village"):
        return
    policy = policy_in_force(session, payload["start_date"])
    overrides = city_calendar.overrides(session, [_fee_limit(payload["start_date"], policy)])
    fee_id = insert_new(
        session, PlacementFee, "trainee_id", **_entitlement(envelope, policy, utcnow(), overrides)
    )
    if fee_id is not None:
        fee = session.get(PlacementFee, fee_id)
        audit(session, *ENTITLED, fee_id, None, state(fee, "trainee_id", *FEE_STATE))


def on_placed_many(session: Session, envelopes: list[dict]) -> list[None]:
    """:func:`on_placed` for a run of events about distinct trainees: the policies and the
    calendar read once each, the entitlements inserted in one statement (those a trainee
    already had are skipped by the unique trainee_id, as one by one) and their audit rows
    in another."""
    firsts = [e for e in envelopes if e["payload"].get("first_in_village")]
    if not firsts:
        return [None] * len(envelopes)
    policies = policies_in_force(session, [e["payload"]["start_date"] for e in firsts])
    overrides = city_calendar.overrides(
        session, [_fee_limit(start, policies[start]) for start in policies]
    )
    now = utcnow()
    table = PlacementFee.__table__
    # One INSERT … ON CONFLICT DO NOTHING RETURNING for the run (executemany with
    # RETURNING: SQLAlchemy sends the rows as one multi-row VALUES, its compiled form
    # cached). Only the rows inserted come back: the new entitlements, by trainee.
    inserted = {
        row.trainee_id: row
        for row in session.execute(
            upsert_statement(session, table)
            .on_conflict_do_nothing(index_elements=["trainee_id"])
            .returning(table.c.id, table.c.trainee_id, *(table.c[n] for n in FEE_STATE)),
            [_entitlement(e, policies[e["payload"]["start_date"]], now, overrides) for e in firsts],
        )
    }
    record_audits(
        session,
        MoneyAudit,
        [
            audit_row(*ENTITLED, fee.id, None, state(fee, "trainee_id", *FEE_STATE))
            for fee in (inserted.get(e["payload"]["trainee_id"]) for e in firsts)
            if fee is not None
        ],
    )
    return [None] * len(envelopes)


def pay_fee(
    session: Session,
    fee: PlacementFee,
    payment_ref: str,
    paid_on: dt.date,
    actor: str,
    today: dt.date,
) -> PlacementFee:
    """The city pays a placement fee: the amount of the policy in force on the placement
    start, a ledger entry and ``placement_fee.paid``."""
    if fee.status == "paid":
        raise Conflict(message("该安置费已发放", "the placement fee is already paid"))
    not_after_today("paid_on", paid_on, today, PAID_ON)
    not_before("paid_on", paid_on, fee.placement_start, PAID_ON, PLACEMENT_START)
    before = state(fee, *FEE_STATE)
    if fee.amount_fen is None:
        policy = policy_in_force(session, fee.placement_start)
        if policy is None:
            raise DomainError(
                message(
                    "基层锻炼开始之日尚无生效的补贴标准",
                    "no policy is in force on the placement start date",
                )
            )
        fee.amount_fen, fee.policy_id = policy.placement_fee_fen, policy.id
    fee.status = "paid"
    fee.paid_on = paid_on
    fee.payment_ref = payment_ref
    fee.paid_by = actor
    fee.paid_at = utcnow()
    audit(session, actor, "pay", "placement_fee", fee.id, before, state(fee, *FEE_STATE))
    book(
        session,
        fee,
        "placement_fee",
        reference=payment_ref,
        reason="一次性安置费",
        booked_on=paid_on,
        actor=actor,
    )
    emit(
        session,
        "placement_fee.paid",
        {
            "entitlement_id": fee.id,
            "trainee_id": fee.trainee_id,
            "amount_fen": fee.amount_fen,
            "payment_ref": payment_ref,
            "paid_on": paid_on,
            "due_on": fee.due_on,
            "unit_id": fee.unit_id,
            "town_id": fee.town_id,
            "village_id": fee.village_id,
        },
    )
    return fee


#: Reactions to consumed events, by type (run after the projections; see
#: ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {
    "trainee.placed": set_based(on_placed, on_placed_many, payload_key("trainee_id")),
}
