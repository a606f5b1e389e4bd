"""Welfare's own tables: the money ledger, town budgets and the money audit trail. Every
amount is an integer in fen (1 yuan = 100 fen).

Kept by the database, not only by the code: one ledger entry per money movement (kind and
source), and the ledger is append-only: nothing in the code updates or deletes a ledger
row.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.welfare.models.base import Base, fen
from shared.audit import AuditMixin
from shared.db import utcnow


class LedgerEntry(Base):
    """One money movement: positive paid out, negative taken back. Append-only."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    town_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    amount_fen: Mapped[int] = mapped_column(fen())
    source_type: Mapped[str] = mapped_column(sa.String(24))
    source_id: Mapped[int]
    reference: Mapped[str] = mapped_column(sa.String(64), default="")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    booked_on: Mapped[dt.date] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("kind", "source_id", name="uq_ledger_kind_source"),)


class TownBudget(Base):
    """The subsidy and fee budget the city allocates to a town for a year."""

    __tablename__ = "town_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int]
    year: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(fen())
    updated_by: Mapped[str] = mapped_column(sa.String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("town_id", "year", name="uq_town_budget_year"),)


class MoneyAudit(AuditMixin, Base):
    """Who changed money, when, with the state before and after."""

    __tablename__ = "money_audit"
