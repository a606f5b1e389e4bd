"""initial reporting schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 09:42:39.309525
"""

from alembic import op
import sqlalchemy as sa

from shared import platform_tables


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    platform_tables.create(op, "outbox", "inbox", *platform_tables.PROJECTIONS, "mentor_assignment")

    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("party_kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", "party_kind", name="uq_assessment_period_party"),
    )
    op.create_table(
        "assessment_weight",
        sa.Column("indicator", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("indicator"),
    )
    op.create_table(
        "assignment_span",
        sa.Column(
            "assignment_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
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

    op.create_table(
        "duty_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("party_kind", sa.String(length=16), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "party_kind", "party_id", "title", name="uq_duty_item_title"),
    )
    with op.batch_alter_table("duty_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_item_town_id"), ["town_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_duty_item_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(
            "ix_duty_item_year_party", ["year", "party_kind", "party_id"], unique=False
        )

    op.create_table(
        "fee_fact",
        sa.Column(
            "entitlement_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("entitlement_id"),
    )
    with op.batch_alter_table("fee_fact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_fact_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "holiday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "need_fact",
        sa.Column(
            "need_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("need_id"),
    )
    with op.batch_alter_table("need_fact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_fact_town_id"), ["town_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_fact_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "oversight_month",
        sa.Column("trainee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("talks", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("fees_paid", sa.Integer(), nullable=False),
        sa.Column("fees_on_time", sa.Integer(), nullable=False),
        sa.Column("needs_resolved", sa.Integer(), nullable=False),
        sa.Column("needs_on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("trainee_id", "month"),
    )
    with op.batch_alter_table("oversight_month", schema=None) as batch_op:
        batch_op.create_index(
            "ix_oversight_month_month",
            ["month", "trainee_id"],
            unique=False,
            postgresql_include=[
                "talks",
                "visits",
                "fees_paid",
                "fees_on_time",
                "needs_resolved",
                "needs_on_time",
            ],
        )

    op.create_table(
        "period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("policy_deadline", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.String(length=500), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("period", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_period_deadline"), ["deadline"], unique=False)

    op.create_table(
        "report_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_audit", schema=None) as batch_op:
        batch_op.create_index("ix_report_audit_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "report_talk",
        sa.Column("talk_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentor_role", sa.String(length=16), nullable=False),
        sa.Column("talk_date", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("aspects", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("talk_id"),
    )
    with op.batch_alter_table("report_talk", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_talk_trainee_date", ["trainee_id", "talk_date"], unique=False
        )

    op.create_table(
        "supervision_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("party_kind", sa.String(length=8), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=500), nullable=False),
        sa.Column("checked", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("supervision_visit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_supervision_visit_party", ["party_kind", "party_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supervision_visit_visit_date"), ["visit_date"], unique=False
        )

    op.create_table(
        "talk_fact",
        sa.Column(
            "talk_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("talk_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("talk_id"),
    )
    with op.batch_alter_table("talk_fact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_talk_fact_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "trainee_tenure",
        sa.Column("trainee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("active_from", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("trainee_id"),
    )
    op.create_table(
        "visit_fact",
        sa.Column(
            "visit_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("visit_id"),
    )
    with op.batch_alter_table("visit_fact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_fact_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "assessment_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("party_name", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assessment_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_score_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "duty_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["duty_item.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("duty_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_progress_item_id"), ["item_id"], unique=False)

    op.create_table(
        "obligation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["period.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trainee_id", "period_id", "kind", name="uq_obligation"),
    )
    with op.batch_alter_table("obligation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_obligation_dashboard", ["period_id", "trainee_id", "kind"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_obligation_period_id"), ["period_id"], unique=False)

    op.create_table(
        "rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("owner_kind", sa.String(length=8), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["supervision_visit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rectification_owner", ["owner_kind", "owner_id", "due_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rectification_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=True),
        sa.Column("chain", sa.String(length=32), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_reason", sa.String(length=1000), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["period.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("obligation_id"),
        sa.UniqueConstraint("trainee_id", "period_id", "kind", name="uq_report"),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_dashboard",
            ["period_id", "trainee_id", "kind", "status", "late"],
            unique=False,
        )
        batch_op.create_index("ix_report_period_status", ["period_id", "status"], unique=False)
        batch_op.create_index("ix_report_step", ["step"], unique=False)

    op.create_table(
        "report_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("obligation_id", "kind", name="uq_report_notice"),
    )


def downgrade() -> None:
    op.drop_table("report_notice")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_step")
        batch_op.drop_index("ix_report_period_status")
        batch_op.drop_index("ix_report_dashboard")

    op.drop_table("report")
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_visit_id"))
        batch_op.drop_index("ix_rectification_owner")

    op.drop_table("rectification")
    with op.batch_alter_table("obligation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligation_period_id"))
        batch_op.drop_index("ix_obligation_dashboard")

    op.drop_table("obligation")
    with op.batch_alter_table("duty_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_progress_item_id"))

    op.drop_table("duty_progress")
    with op.batch_alter_table("assessment_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_score_assessment_id"))

    op.drop_table("assessment_score")
    with op.batch_alter_table("visit_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_fact_trainee_id"))

    op.drop_table("visit_fact")
    op.drop_table("trainee_tenure")
    with op.batch_alter_table("talk_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talk_fact_trainee_id"))

    op.drop_table("talk_fact")
    with op.batch_alter_table("supervision_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_visit_visit_date"))
        batch_op.drop_index("ix_supervision_visit_party")

    op.drop_table("supervision_visit")
    with op.batch_alter_table("report_talk", schema=None) as batch_op:
        batch_op.drop_index("ix_report_talk_trainee_date")

    op.drop_table("report_talk")
    with op.batch_alter_table("report_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_report_audit_entity")

    op.drop_table("report_audit")
    with op.batch_alter_table("period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_period_deadline"))

    op.drop_table("period")
    with op.batch_alter_table("oversight_month", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_oversight_month_month",
            postgresql_include=[
                "talks",
                "visits",
                "fees_paid",
                "fees_on_time",
                "needs_resolved",
                "needs_on_time",
            ],
        )

    op.drop_table("oversight_month")
    with op.batch_alter_table("need_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_fact_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_need_fact_town_id"))

    op.drop_table("need_fact")
    op.drop_table("holiday")
    with op.batch_alter_table("fee_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_fact_trainee_id"))

    op.drop_table("fee_fact")
    with op.batch_alter_table("duty_item", schema=None) as batch_op:
        batch_op.drop_index("ix_duty_item_year_party")
        batch_op.drop_index(batch_op.f("ix_duty_item_unit_id"))
        batch_op.drop_index(batch_op.f("ix_duty_item_town_id"))

    op.drop_table("duty_item")
    with op.batch_alter_table("assignment_span", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_span_trainee")

    op.drop_table("assignment_span")
    op.drop_table("assessment_weight")
    op.drop_table("assessment")
    platform_tables.drop(op, "outbox", "inbox", *platform_tables.PROJECTIONS, "mentor_assignment")
