"""The platform tables of the services' migrations, written once: the outbox and its NOTIFY
trigger, the inbox, the idempotency keys, the token revocations, and the projections of
roster's places, people and trainees and of mentorship's assignments. A migration names
them with its ``op``: ``create(op, "outbox", "inbox")`` in ``upgrade``, ``drop(op, "outbox",
"inbox")`` in ``downgrade`` (which drops them in the reverse order).

Each function issues the same DDL as the blocks it replaced in the migrations, so a fresh
``upgrade head`` builds the same schema as before. The tables are those of
:class:`shared.outbox.OutboxMixin`, :class:`shared.consumer.InboxMixin`,
:class:`shared.idempotency.IdempotencyMixin`, :class:`shared.revocation.TokenRevocationMixin`
and :func:`shared.projections.declare_projections`, written out rather than derived from
the mixins because a migration is history: it must build the same table after a mixin
changes (which takes a new migration). ``tests/shared/test_platform_tables.py`` checks
that the two agree.
"""

from __future__ import annotations

import sqlalchemy as sa

from shared.db import big_integer
from shared.outbox import DROP_NOTIFY_TRIGGER, NOTIFY_TRIGGER

#: The columns with an index of their own (``index=True``), by table.
_INDEXED = {
    "outbox": ["sent_at"],
    "idempotency_key": ["created_at"],
    "token_revocation": ["not_before", "recorded_at"],
    "village": ["town_id"],
    "position": ["person_id", "town_id", "unit_id", "village_id"],
    "trainee": ["status", "town_id", "unit_id", "village_id"],
    "mentor_assignment": ["mentor_id", "trainee_id"],
}

#: roster's places, people and trainees as :func:`shared.projections.declare_projections`
#: declares them, in the order they are created; with ``"mentor_assignment"`` after them
#: where the service keeps mentorship's assignments.
PROJECTIONS = ("town", "village", "unit", "person", "position", "trainee")


def create(op, *tables: str) -> None:
    """Create the named tables of :data:`TABLES`, in the order given, with their indexes."""
    for table in tables:
        op.create_table(table, *TABLES[table]())
        for column in _INDEXED.get(table, []):
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def drop(op, *tables: str) -> None:
    """Undo :func:`create` of the same names (dropping them in the reverse order)."""
    for table in reversed(tables):
        for column in reversed(_INDEXED.get(table, [])):
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)


def _on_postgresql(op) -> bool:
    return op.get_bind().dialect.name == "postgresql"


def create_outbox_notify(op) -> None:
    """The trigger that wakes the relay when outbox rows are inserted
    (:data:`shared.outbox.NOTIFY_TRIGGER`). PostgreSQL only: on SQLite (the embedded
    default) the relay polls."""
    if _on_postgresql(op):
        op.execute(NOTIFY_TRIGGER)


def drop_outbox_notify(op) -> None:
    """Undo :func:`create_outbox_notify`."""
    if _on_postgresql(op):
        op.execute(DROP_NOTIFY_TRIGGER)


def _their_id() -> sa.Column:
    """A projection's key: the id the owning service gave the record, never one of ours."""
    return sa.Column("id", sa.Integer(), autoincrement=False, nullable=False)


def _version() -> sa.Column:
    return sa.Column("version", big_integer(), nullable=False)


def _place(*own: sa.Column) -> list:
    # a place mixin's own columns come before those of PlaceProjection, as SQLAlchemy
    # orders them
    return [
        *own,
        _their_id(),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("id"),
    ]


#: Each platform table's columns and constraints, made anew for each migration that
#: creates it: the table of :class:`shared.outbox.OutboxMixin` (``outbox``),
#: :class:`shared.consumer.InboxMixin` (``inbox``),
#: :class:`shared.idempotency.IdempotencyMixin` (``idempotency_key``),
#: :class:`shared.revocation.TokenRevocationMixin` (``token_revocation``) and the
#: :data:`PROJECTIONS` with ``mentor_assignment``.
TABLES = {
    "outbox": lambda: [
        sa.Column("id", big_integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    ],
    "inbox": lambda: [
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    ],
    "idempotency_key": lambda: [
        sa.Column("id", big_integer(), autoincrement=True, nullable=False),
        sa.Column("caller", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("caller", "key", name="uq_idempotency_key_caller_key"),
    ],
    "token_revocation": lambda: [
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", "role"),
    ],
    "town": _place,
    "village": lambda: _place(sa.Column("town_id", sa.Integer(), nullable=False)),
    "unit": _place,
    "person": lambda: [
        _their_id(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        _version(),
        sa.PrimaryKeyConstraint("id"),
    ],
    "position": lambda: [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    ],
    "trainee": lambda: [
        _their_id(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("cohort", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("placement_start", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        _version(),
        sa.PrimaryKeyConstraint("id"),
    ],
    "mentor_assignment": lambda: [
        _their_id(),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    ],
}
