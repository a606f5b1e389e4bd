"""initial welfare schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 09:30:23.089655
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
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("organisers", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "departure",
        sa.Column("trainee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("left_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("trainee_id"),
    )
    op.create_table(
        "facility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("town_id", "kind", name="uq_facility_town_kind"),
    )
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facility_town_id"), ["town_id"], unique=False)

    op.create_table(
        "housing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("beds", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("condition", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("beds >= 1", name="ck_housing_beds_positive"),
        sa.CheckConstraint("rooms >= 1", name="ck_housing_rooms_positive"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("housing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_housing_town_id"), ["town_id"], unique=False)

    op.create_table(
        "housing_conversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("beds_gained", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("housing_conversion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_housing_conversion_town_id"), ["town_id"], unique=False
        )

    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column(
            "amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("source_type", sa.String(length=24), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "source_id", name="uq_ledger_kind_source"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_booked_on"), ["booked_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entry_town_id"), ["town_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_entry_trainee_id"), ["trainee_id"], unique=False
        )

    op.create_table(
        "money_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("raised_by_role", sa.String(length=16), nullable=False),
        sa.Column("raised_by", sa.String(length=100), nullable=False),
        sa.Column("handler_role", sa.String(length=16), nullable=False),
        sa.Column("handler_scope_id", sa.Integer(), nullable=True),
        sa.Column("handler_person_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("resolution", sa.String(length=4000), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_confidential"), ["confidential"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_need_handler_person_id"), ["handler_person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_need_handler_scope_id"), ["handler_scope_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_need_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "placement_fee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("placement_start", sa.Date(), nullable=False),
        sa.Column(
            "amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payment_ref", sa.String(length=64), nullable=True),
        sa.Column("paid_by", sa.String(length=64), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_event_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trainee_id"),
    )
    with op.batch_alter_table("placement_fee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placement_fee_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_fee_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_fee_town_id"), ["town_id"], unique=False)

    op.create_table(
        "subsidy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("days_stationed", sa.Integer(), nullable=False),
        sa.Column("days_in_month", sa.Integer(), nullable=False),
        sa.Column(
            "amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_by", sa.String(length=64), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payment_ref", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reverses_id"),
    )
    with op.batch_alter_table("subsidy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subsidy_month"), ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_subsidy_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_subsidy_town_id"), ["town_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subsidy_trainee_id"), ["trainee_id"], unique=False)
        batch_op.create_index(
            "uq_subsidy_trainee_month",
            ["trainee_id", "month"],
            unique=True,
            postgresql_where=sa.text("reverses_id IS NULL"),
            sqlite_where=sa.text("reverses_id IS NULL"),
        )

    op.create_table(
        "subsidy_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column(
            "monthly_amount_fen",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "placement_fee_fen",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("fee_due_days", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("effective_from"),
    )
    op.create_table(
        "town_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("town_id", "year", name="uq_town_budget_year"),
    )
    op.create_table(
        "housing_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("housing_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("active_trainee_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("flagged_for_release", sa.Boolean(), nullable=False),
        sa.Column("flag_reason", sa.String(length=200), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.String(length=200), nullable=False),
        sa.Column("allocated_by", sa.String(length=100), nullable=False),
        sa.Column("released_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["housing_id"],
            ["housing.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active_trainee_id"),
    )
    with op.batch_alter_table("housing_allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_housing_allocation_active"), ["active"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_housing_allocation_flagged_for_release"),
            ["flagged_for_release"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_housing_allocation_housing_id"), ["housing_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_housing_allocation_trainee_id"), ["trainee_id"], unique=False
        )

    op.create_table(
        "need_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("by_role", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("need_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_step_need_id"), ["need_id"], unique=False)

    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("visitor", sa.String(length=100), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column("gifts", sa.String(length=500), nullable=False),
        sa.Column("needs_raised", sa.String(length=2000), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_trainee_id"), ["trainee_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_visit_campaign_id"))

    op.drop_table("visit")
    with op.batch_alter_table("need_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_step_need_id"))

    op.drop_table("need_step")
    with op.batch_alter_table("housing_allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_housing_allocation_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_housing_allocation_housing_id"))
        batch_op.drop_index(batch_op.f("ix_housing_allocation_flagged_for_release"))
        batch_op.drop_index(batch_op.f("ix_housing_allocation_active"))

    op.drop_table("housing_allocation")
    op.drop_table("town_budget")
    op.drop_table("subsidy_policy")
    with op.batch_alter_table("subsidy", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_subsidy_trainee_month",
            postgresql_where=sa.text("reverses_id IS NULL"),
            sqlite_where=sa.text("reverses_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_subsidy_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_subsidy_town_id"))
        batch_op.drop_index(batch_op.f("ix_subsidy_status"))
        batch_op.drop_index(batch_op.f("ix_subsidy_month"))

    op.drop_table("subsidy")
    with op.batch_alter_table("placement_fee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_fee_town_id"))
        batch_op.drop_index(batch_op.f("ix_placement_fee_status"))
        batch_op.drop_index(batch_op.f("ix_placement_fee_due_on"))

    op.drop_table("placement_fee")
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_need_status"))
        batch_op.drop_index(batch_op.f("ix_need_handler_scope_id"))
        batch_op.drop_index(batch_op.f("ix_need_handler_person_id"))
        batch_op.drop_index(batch_op.f("ix_need_due_on"))
        batch_op.drop_index(batch_op.f("ix_need_confidential"))

    op.drop_table("need")
    op.drop_table("money_audit")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_town_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_booked_on"))

    op.drop_table("ledger_entry")
    with op.batch_alter_table("housing_conversion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_housing_conversion_town_id"))

    op.drop_table("housing_conversion")
    with op.batch_alter_table("housing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_housing_town_id"))

    op.drop_table("housing")
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facility_town_id"))

    op.drop_table("facility")
    op.drop_table("departure")
    op.drop_table("campaign")
    platform_tables.drop(op, "outbox", "inbox", *platform_tables.PROJECTIONS, "mentor_assignment")
