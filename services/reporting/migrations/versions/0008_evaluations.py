"""evaluations: the year-end evaluation and the end-of-placement appraisal, the other
mentors' opinions, and the trainees' yearly rating of their mentors

Revision ID: 0008_evaluations
Revises: 0008_evidence
Create Date: 2026-12-05 17:07:52.834083
"""

from alembic import op
import sqlalchemy as sa


revision = "0008_evaluations"
down_revision = "0008_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.Column("proposed_grade", sa.String(length=16), nullable=True),
        sa.Column("regrade_note", sa.String(length=1000), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("strengths", sa.Text(), nullable=False),
        sa.Column("improvements", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=True),
        sa.Column("chain", sa.String(length=32), nullable=False),
        sa.Column("returned_reason", sa.String(length=1000), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trainee_id", "kind", "year", name="uq_evaluation"),
    )
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_trainee_id"), ["trainee_id"], unique=False)
        batch_op.create_index("ix_evaluation_year_status", ["kind", "year", "status"], unique=False)

    op.create_table(
        "mentor_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("mentor_role", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mentor_id", "trainee_id", "year", name="uq_mentor_rating"),
    )
    with op.batch_alter_table("mentor_rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentor_rating_mentor_id"), ["mentor_id"], unique=False)

    op.create_table(
        "evaluation_opinion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentor_role", sa.String(length=16), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evaluation_id", "mentor_id", name="uq_evaluation_opinion"),
    )


def downgrade() -> None:
    op.drop_table("evaluation_opinion")
    with op.batch_alter_table("mentor_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_rating_mentor_id"))

    op.drop_table("mentor_rating")
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_year_status")
        batch_op.drop_index(batch_op.f("ix_evaluation_trainee_id"))

    op.drop_table("evaluation")
