"""Welfare's rules: the money ledger (append-only: a movement is booked, never edited),
the money audit trail every change of money goes through, and the towns' budgets and fund
use. No Flask here. Amounts are integers in fen."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.models import LedgerEntry, MoneyAudit, TownBudget
from shared.audit import auditor, state
from shared.clock import utcnow

#: Keep who changed money, when, before and after, in this transaction.
audit = auditor(MoneyAudit)


def book(
    session: Session, source, source_type: str, kind: str | None = None, **values
) -> LedgerEntry:
    """Book the money of ``source`` (a fee or subsidy paid, or a reversal: its trainee,
    town, amount and id) in the ledger, audited; ``kind`` is ``source_type`` unless given,
    ``values`` the entry's ``reference``, ``reason``, ``booked_on`` and ``actor``."""
    entry = LedgerEntry(
        **state(source, "trainee_id", "town_id", "amount_fen"),
        kind=kind or source_type,
        source_type=source_type,
        source_id=source.id,
        **values,
    )
    session.add(entry)
    session.flush()
    audit(
        session,
        values["actor"],
        "book",
        "ledger_entry",
        entry.id,
        None,
        state(entry, "trainee_id", "town_id", "kind", "amount_fen", "source_id", "reference"),
    )
    return entry


def set_budget(session: Session, town_id: int, year: int, amount_fen: int, actor: str):
    """The city sets a town's budget for a year (audited, before and after)."""
    row = session.scalars(
        sa.select(TownBudget)
        .where(TownBudget.town_id == town_id, TownBudget.year == year)
        .with_for_update()
    ).first()
    before = state(row, "amount_fen") if row else None
    if row is None:
        row = TownBudget(town_id=town_id, year=year, amount_fen=amount_fen, updated_by=actor)
        session.add(row)
    else:
        row.amount_fen, row.updated_by = amount_fen, actor
        row.updated_at = utcnow()
    session.flush()
    audit(session, actor, "budget", "town_budget", row.id, before, {"amount_fen": amount_fen})
    return row


def fund_use(session: Session, year: int, town_ids) -> list[dict]:
    """Per town: the year's budget, what the ledger booked in the year, what remains."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    budgets = dict(
        session.execute(
            sa.select(TownBudget.town_id, TownBudget.amount_fen).where(TownBudget.year == year)
        ).all()
    )
    used = dict(
        session.execute(
            sa.select(LedgerEntry.town_id, sa.func.sum(LedgerEntry.amount_fen))
            .where(LedgerEntry.booked_on.between(first, last))
            .group_by(LedgerEntry.town_id)
        ).all()
    )
    out = []
    for town_id in town_ids:
        budget = budgets.get(town_id)
        spent = int(used.get(town_id) or 0)
        out.append(
            {
                "town_id": town_id,
                "year": year,
                "budget_fen": budget,
                "used_fen": spent,
                "remaining_fen": None if budget is None else budget - spent,
            }
        )
    return out


def balance(session: Session, *where) -> int:
    """The sum of the ledger entries matching ``where``."""
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_fen), 0)).where(*where)
        )
        or 0
    )
