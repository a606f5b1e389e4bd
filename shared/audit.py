"""The audit trail: who changed what, when, with the state before and after, written in
the same transaction as the change. A service declares ``class Audit(AuditMixin, Base)``
(its own table name) and records with :func:`record_audit`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import UTCDateTime, utcnow


class AuditMixin:
    """Columns of an audit table."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(32))
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int]
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)


def record_audit(
    session: Session,
    model: type,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    before: dict | None,
    after: dict | None,
) -> None:
    """Add one audit row (dates and decimals as text) to this transaction."""
    session.add(
        model(
            actor=actor[:64],
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=_jsonable(before),
            after=_jsonable(after),
        )
    )


def _jsonable(data: dict | None) -> dict | None:
    if data is None:
        return None
    return {
        k: (
            v.isoformat()
            if isinstance(v, dt.date | dt.datetime)
            else str(v)
            if isinstance(v, Decimal)
            else v
        )
        for k, v in data.items()
    }
