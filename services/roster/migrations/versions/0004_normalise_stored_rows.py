"""normalise the stored identity numbers, phones and names; possible_duplicate

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-15 10:00:00

Rows stored before issue 18 hold what was typed. This migration writes them the way the
API now stores them (``shared.normalize``):

- identity numbers: NFKC, no spaces, upper-case X (not checked: a number with a wrong
  check digit keeps its digits; the city corrects it through the API). Where two rows'
  numbers become the same, they are not merged and the unique index is not broken: the
  row that already holds the canonical value (or else the earlier row) gets it, the other
  keeps its number as it was, and the pair goes to ``possible_duplicate`` for the city
  (``GET /api/v1/roster/duplicates``);
- phones (trainees, people, accounts): E.164 where the number is a Chinese mobile or
  landline, else left as typed;
- names (trainees, people, towns, villages, units) and accounts' display names: NFKC and
  trimmed, a line break or control character inside becoming a space (a name that would
  become blank is left as it was).

A summary (numbers masked) is logged and printed. The changes are not announced as
events: the other services' copies of a name or phone take the stored form at the next
change of the row. Downgrading drops ``possible_duplicate`` and leaves the rows as they
now are.
"""

import logging

from alembic import op
import sqlalchemy as sa

from shared import normalize
from shared.clock import utcnow
from shared.observability import mask_id_number


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
FOUND_BY = "migration 0004"


def upgrade() -> None:
    op.create_table(
        "possible_duplicate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("found_by", sa.String(length=64), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "first_id", "second_id"),
    )
    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_possible_duplicate_kind"), ["kind"], unique=False)
    bind = op.get_bind()
    lines = []
    for table in ("trainee", "person"):
        lines += _id_numbers(bind, table)
    for table in ("trainee", "person", "account"):
        lines += _phones(bind, table)
    for table in ("trainee", "person", "town", "village", "unit"):
        lines += _texts(bind, table, "name")
    lines += _texts(bind, "account", "display_name")
    for line in lines:
        log.warning("%s", line)
        print(f"roster 0004: {line}")


def downgrade() -> None:
    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_possible_duplicate_kind"))
    op.drop_table("possible_duplicate")


def _table(name: str, column: str):
    return sa.table(name, sa.column("id", sa.Integer), sa.column(column, sa.String))


def _update(bind, name: str, column: str, changes: list[tuple[int, object]]) -> None:
    if not changes:
        return
    table = _table(name, column)
    bind.execute(
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values({column: sa.bindparam("new")}),
        [{"row_id": row_id, "new": new} for row_id, new in changes],
    )


def _id_numbers(bind, name: str) -> list[str]:
    """Canonical identity numbers; colliding rows recorded, not changed."""
    table = _table(name, "id_number")
    rows = bind.execute(
        sa.select(table.c.id, table.c.id_number)
        .where(table.c.id_number.is_not(None))
        .order_by(table.c.id)
    ).all()
    holders = {
        value: row_id
        for row_id, value in rows
        if normalize.id_number_form(value) == value and value
    }
    changes, pairs = [], []
    for row_id, value in rows:
        new = normalize.id_number_form(value) or None
        if new == value:
            continue
        if new is not None and new in holders:
            pairs.append((holders[new], row_id, new))
            continue
        changes.append((row_id, new))
        if new is not None:
            holders[new] = row_id
    _update(bind, name, "id_number", changes)
    if pairs:
        duplicates = sa.table(
            "possible_duplicate",
            sa.column("kind", sa.String),
            sa.column("first_id", sa.Integer),
            sa.column("second_id", sa.Integer),
            sa.column("value", sa.String),
            sa.column("found_by", sa.String),
            sa.column("found_at", sa.DateTime(timezone=True)),
        )
        now = utcnow()
        bind.execute(
            duplicates.insert(),
            [
                {
                    "kind": f"{name}.id_number",
                    "first_id": first,
                    "second_id": second,
                    "value": value,
                    "found_by": FOUND_BY,
                    "found_at": now,
                }
                for first, second, value in pairs
            ],
        )
    lines = []
    if changes:
        lines.append(f"{len(changes)} {name} identity number(s) normalised")
    for first, second, value in pairs:
        lines.append(
            f"possible duplicate: {name} {second} has the identity number of {name} {first} "
            f"({mask_id_number(value)}) once normalised; left as it was, listed in possible_duplicate"
        )
    return lines


def _phones(bind, name: str) -> list[str]:
    table = _table(name, "phone")
    changes, left = [], 0
    for row_id, value in bind.execute(
        sa.select(table.c.id, table.c.phone).where(table.c.phone.is_not(None))
    ):
        try:
            new = normalize.phone(value)
        except normalize.Invalid:
            left += 1
            continue
        if new != value:
            changes.append((row_id, new))
    _update(bind, name, "phone", changes)
    lines = []
    if changes:
        lines.append(f"{len(changes)} {name} phone(s) stored as E.164")
    if left:
        lines.append(f"{left} {name} phone(s) are not a Chinese mobile or landline: left as typed")
    return lines


def _texts(bind, name: str, column: str) -> list[str]:
    table = _table(name, column)
    changes = []
    for row_id, value in bind.execute(
        sa.select(table.c.id, table.c[column]).where(table.c[column].is_not(None))
    ):
        new = normalize.tidy(value)
        if new and new != value:
            changes.append((row_id, new))
    _update(bind, name, column, changes)
    return [f"{len(changes)} {name} {column}(s) normalised"] if changes else []
