"""The audit trail: who changed what, when, with the state before and after, written in
the same transaction as the change. A service declares ``class Audit(AuditMixin, Base)``
(its own table name) and records with :func:`record_audit`.

Audit tables (and welfare's ledger) are append-only in the database itself: a migration
calls :func:`append_only` so that an UPDATE, DELETE or TRUNCATE through the application's
connection fails, whatever the code does (docs/security.md: the production role setup)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import UTCDateTime, insert_with_params, utcnow


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


def state(row, *names: str) -> dict:
    """The named attributes of a row: an audit row's before or after, or an event's
    payload."""
    return {name: getattr(row, name) for name in names}


def record_audit(session: Session, model: type, *values, at_once: bool = False, **columns) -> None:
    """Add one audit row to this transaction: ``values`` and ``columns`` as
    :func:`audit_row` takes them (``actor, action, entity, entity_id, before, after``,
    and a table's own extra columns such as reporting's ``role``). ``at_once``: one Core
    INSERT now instead of an ORM object flushed later, as for
    :func:`shared.outbox.record_event` (for one row a request; many rows are cheaper
    through the ORM, which writes them together)."""
    row = audit_row(*values, **columns)
    if at_once:
        session.connection().execute(_insert(model), row)
    else:
        session.add(model(**row))


def auditor(model: type) -> Callable[..., None]:
    """A service's ``audit(session, actor, action, entity, entity_id, before, after)``:
    :func:`record_audit` into ``model``'s table, in this transaction."""

    def audit(session: Session, *args, **kwargs) -> None:
        record_audit(session, model, *args, **kwargs)

    audit.__doc__ = f"Keep who changed what, with the state before and after, in {model.__name__}."
    return audit


def audit_row(
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    before: dict | None,
    after: dict | None,
    **columns,
) -> dict:
    """The values of one audit row (dates and decimals as text), as :func:`record_audit`
    writes it and for :func:`record_audits` (a set-based handler's rows must read like
    the one-by-one's); ``columns`` fills a table's own extra columns."""
    return {
        "at": utcnow(),
        "actor": actor[:64],
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": _jsonable(before),
        "after": _jsonable(after),
        **columns,
    }


def record_audits(session: Session, model: type, rows: list[dict]) -> None:
    """Add many audit rows (:func:`audit_row` each) to this transaction in one Core
    INSERT now: a set-based handler's, one statement for its whole run of events."""
    if rows:
        session.connection().execute(_insert(model), rows)


@functools.cache
def audit_insert(model: type, prefix: str = "audit_") -> sa.Insert:
    """The INSERT of one audit row whose values are named ``<prefix><column>`` (pass
    ``shared.db.prefixed(prefix, audit_row(...))``), built once: for a caller that writes
    it in one statement with its change (:func:`shared.db.execute_together`)."""
    return insert_with_params(model.__table__, prefix, skip=("id",))


@functools.cache
def _insert(model: type) -> sa.Insert:
    """The INSERT of a model's table, built once (callers pass the values)."""
    return sa.insert(model.__table__)


#: The error PostgreSQL raises: SQLSTATE 42501 (insufficient_privilege).
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION grassroots_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def append_only(op, table: str) -> None:
    """In a migration: make ``table`` refuse UPDATE, DELETE (and TRUNCATE) on PostgreSQL
    and SQLite alike."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION grassroots_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION grassroots_append_only()"
        )
    elif dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )


def drop_append_only(op, table: str) -> None:
    """Undo :func:`append_only` (a migration's downgrade)."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    elif dialect == "sqlite":
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


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
