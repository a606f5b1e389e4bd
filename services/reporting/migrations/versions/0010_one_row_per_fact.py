"""one row per fact: a talk only in report_talk (talk_fact dropped), an assignment only in
mentor_assignment, which takes assignment_span's role bit and dates (assignment_span
dropped)

Both pairs were written by the same events since 0001, so their rows match. Should a
row of a dropped table have no partner, it is kept with what is unknown marked: a talk
with mentor 0, no role, mode or aspects; an assignment with mentor 0, active while it
has no end. The downgrade removes those (no real mentor has id 0).

Revision ID: 0010_one_row_per_fact
Revises: 0009_outbox_notify
Create Date: 2026-12-06 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_one_row_per_fact"
down_revision = "0009_outbox_notify"
branch_labels = None
depends_on = None

#: ``domain.oversight.ROLE_BITS``, frozen here.
ROLE_BIT = (
    "CASE role WHEN 'integrity' THEN 1 WHEN 'business' THEN 2 "
    "WHEN 'responsible' THEN 4 WHEN 'practical' THEN 8 END"
)


def _big():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    bind = op.get_bind()

    # -- assignments: the span's columns on the projection's row ---------------------------
    with op.batch_alter_table("mentor_assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role_bit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("start_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_date", sa.Date(), nullable=True))
    bind.execute(
        sa.text(
            f"UPDATE mentor_assignment SET role_bit = {ROLE_BIT}, "
            "start_date = (SELECT s.start_date FROM assignment_span s "
            "WHERE s.assignment_id = mentor_assignment.id), "
            "end_date = (SELECT s.end_date FROM assignment_span s "
            "WHERE s.assignment_id = mentor_assignment.id)"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO mentor_assignment "
            "(id, trainee_id, mentor_id, role, active, role_bit, start_date, end_date) "
            "SELECT s.assignment_id, s.trainee_id, 0, s.role, s.end_date IS NULL, s.role_bit, "
            "s.start_date, s.end_date FROM assignment_span s WHERE NOT EXISTS "
            "(SELECT 1 FROM mentor_assignment m WHERE m.id = s.assignment_id)"
        )
    )
    with op.batch_alter_table("mentor_assignment", schema=None) as batch_op:
        batch_op.alter_column("role_bit", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            "ix_mentor_assignment_span",
            ["trainee_id", "start_date", "end_date", "role_bit"],
            unique=False,
        )
    with op.batch_alter_table("assignment_span", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_span_trainee")
    op.drop_table("assignment_span")

    # -- talks: report_talk has every column of talk_fact ----------------------------------
    bind.execute(
        sa.text(
            "INSERT INTO report_talk "
            "(talk_id, trainee_id, mentor_id, mentor_role, talk_date, mode, aspects, summary) "
            "SELECT f.talk_id, f.trainee_id, 0, '', f.talk_date, '', :aspects, '' "
            "FROM talk_fact f WHERE NOT EXISTS "
            "(SELECT 1 FROM report_talk r WHERE r.talk_id = f.talk_id)"
        ).bindparams(sa.bindparam("aspects", [], type_=sa.JSON()))
    )
    with op.batch_alter_table("talk_fact", schema=None) as batch_op:
        batch_op.drop_index("ix_talk_fact_trainee_id")
    op.drop_table("talk_fact")


def downgrade() -> None:
    bind = op.get_bind()

    op.create_table(
        "talk_fact",
        sa.Column("talk_id", _big(), autoincrement=False, nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("talk_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("talk_id"),
    )
    with op.batch_alter_table("talk_fact", schema=None) as batch_op:
        batch_op.create_index("ix_talk_fact_trainee_id", ["trainee_id"], unique=False)
    bind.execute(
        sa.text(
            "INSERT INTO talk_fact (talk_id, trainee_id, talk_date) "
            "SELECT talk_id, trainee_id, talk_date FROM report_talk"
        )
    )
    bind.execute(sa.text("DELETE FROM report_talk WHERE mentor_id = 0"))

    op.create_table(
        "assignment_span",
        sa.Column("assignment_id", _big(), autoincrement=False, nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("role_bit", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("assignment_id"),
    )
    with op.batch_alter_table("assignment_span", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignment_span_trainee",
            ["trainee_id", "start_date", "end_date", "role_bit"],
            unique=False,
        )
    bind.execute(
        sa.text(
            "INSERT INTO assignment_span "
            "(assignment_id, trainee_id, role, role_bit, start_date, end_date) "
            "SELECT id, trainee_id, role, role_bit, start_date, end_date FROM mentor_assignment"
        )
    )
    bind.execute(sa.text("DELETE FROM mentor_assignment WHERE mentor_id = 0"))
    with op.batch_alter_table("mentor_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_mentor_assignment_span")
        batch_op.drop_column("end_date")
        batch_op.drop_column("start_date")
        batch_op.drop_column("role_bit")
