"""Welfare's rules: the subsidy policy (到村补贴与一次性安置费标准), with effective dates:
the amounts in force on a date. No Flask here. Amounts are integers in fen, always taken
from the policy, never from the caller."""

from __future__ import annotations

import bisect
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.domain.ledger import audit
from services.welfare.models import SubsidyPolicy
from shared.audit import state
from shared.errors import Conflict


def policy_in_force(session: Session, on: dt.date) -> SubsidyPolicy | None:
    """The policy in force on a date: the latest one effective on or before it."""
    return session.scalars(
        sa.select(SubsidyPolicy)
        .where(SubsidyPolicy.effective_from <= on)
        .order_by(SubsidyPolicy.effective_from.desc())
        .limit(1)
    ).first()


def policies_in_force(session: Session, dates) -> dict:
    """The policy in force on each of ``dates``, picked as :func:`policy_in_force` picks
    it, from one query: the policies from the one in force on the earliest date to the
    latest date (id, effective_from, placement_fee_fen, fee_due_days; None for a date
    that no policy covers)."""
    dates = set(dates)
    if not dates:
        return {}
    first, last = min(dates), max(dates)
    floor = (
        sa.select(sa.func.max(SubsidyPolicy.effective_from))
        .where(SubsidyPolicy.effective_from <= first)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            SubsidyPolicy.id,
            SubsidyPolicy.effective_from,
            SubsidyPolicy.placement_fee_fen,
            SubsidyPolicy.fee_due_days,
        )
        .where(
            SubsidyPolicy.effective_from <= last,
            SubsidyPolicy.effective_from >= sa.func.coalesce(floor, first),
        )
        .order_by(SubsidyPolicy.effective_from)
    ).all()
    starts = [row.effective_from for row in rows]
    # The latest policy effective on or before the date, as ``policy_in_force`` orders.
    return {on: rows[i - 1] if (i := bisect.bisect_right(starts, on)) else None for on in dates}


def create_policy(session: Session, data: dict, actor: str, default_due_days: int):
    """A new policy from ``effective_from`` (the first day of a month). Months already
    generated keep their amounts: generated rows are never recomputed. 409 if a policy
    with that date exists."""
    exists = session.scalar(
        sa.select(SubsidyPolicy.id).where(SubsidyPolicy.effective_from == data["effective_from"])
    )
    if exists:
        raise Conflict.on(
            "effective_from",
            (
                "该起始日期已有补贴标准，请以更晚的起始日期新增",
                "a policy with this effective date exists; add one with a later date",
            ),
            ("该日期已有补贴标准", "already taken"),
        )
    due_days = data.get("fee_due_days")
    policy = SubsidyPolicy(
        effective_from=data["effective_from"],
        monthly_amount_fen=data["monthly_amount_fen"],
        placement_fee_fen=data["placement_fee_fen"],
        fee_due_days=due_days if due_days is not None else default_due_days,
        note=data.get("note") or "",
        created_by=actor,
    )
    session.add(policy)
    session.flush()
    audit(
        session,
        actor,
        "create",
        "policy",
        policy.id,
        None,
        state(policy, "effective_from", "monthly_amount_fen", "placement_fee_fen", "fee_due_days"),
    )
    return policy
