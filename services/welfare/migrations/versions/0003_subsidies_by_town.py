"""subsidies follow the calendar: placement history, one live subsidy per trainee, month
and town, re-issues, the months' run records, the day a flagged bed's trainee left

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 10:00:00

Existing data: a reversed subsidy gets ``reversal_id`` (its reversal's id) and each month
with subsidies gets a run record, so that the scheduler does not take an old month for
one never generated. The placement history starts empty: generation also reads the
current placement and the placement fee's first arrival, which cover the trainees placed
before it (their moves before it are not known to welfare).

Downgrade: refused by the database if a trainee has two subsidies of one month (a split
month or a re-issue), since the old unique index was per trainee and month.
"""

from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LIVE = "reverses_id IS NULL AND reversal_id IS NULL"
MIGRATION = "migration 0003"


def upgrade() -> None:
    op.create_table(
        "placement_history",
        sa.Column("trainee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=True),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("trainee_id", "start_date"),
    )
    month = op.create_table(
        "subsidy_month",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column(
            "total_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("first_by", sa.String(length=64), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_by", sa.String(length=64), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month"),
    )
    op.create_index(op.f("ix_subsidy_month_stale"), "subsidy_month", ["stale"], unique=False)

    op.add_column("subsidy", sa.Column("reversal_id", sa.Integer(), nullable=True))
    op.add_column("subsidy", sa.Column("reissues_id", sa.Integer(), nullable=True))
    subsidy = sa.table(
        "subsidy",
        sa.column("id", sa.Integer()),
        sa.column("month", sa.String()),
        sa.column("amount_fen", sa.BigInteger()),
        sa.column("reverses_id", sa.Integer()),
        sa.column("reversal_id", sa.Integer()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    reversal = subsidy.alias("reversal")
    reversal_of = (
        sa.select(reversal.c.id).where(reversal.c.reverses_id == subsidy.c.id).scalar_subquery()
    )
    op.execute(
        subsidy.update()
        .where(subsidy.c.reverses_id.is_(None), reversal_of.is_not(None))
        .values(reversal_id=reversal_of)
    )
    op.create_index(op.f("ix_subsidy_reversal_id"), "subsidy", ["reversal_id"], unique=True)
    op.create_index(op.f("ix_subsidy_reissues_id"), "subsidy", ["reissues_id"], unique=True)
    op.drop_index("uq_subsidy_trainee_month", table_name="subsidy")
    op.create_index(
        "uq_subsidy_live",
        "subsidy",
        ["trainee_id", "month", "town_id"],
        unique=True,
        postgresql_where=sa.text(LIVE),
        sqlite_where=sa.text(LIVE),
    )
    op.execute(
        month.insert().from_select(
            [
                "month",
                "runs",
                "created",
                "total_fen",
                "stale",
                "first_by",
                "first_at",
                "last_by",
                "last_at",
            ],
            sa.select(
                subsidy.c.month,
                sa.literal(1),
                sa.func.count(),
                sa.func.sum(subsidy.c.amount_fen),
                sa.false(),
                sa.literal(MIGRATION),
                sa.func.min(subsidy.c.created_at),
                sa.literal(MIGRATION),
                sa.func.max(subsidy.c.created_at),
            )
            .where(subsidy.c.reverses_id.is_(None))
            .group_by(subsidy.c.month),
        )
    )

    op.add_column("housing_allocation", sa.Column("left_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("housing_allocation", schema=None) as batch_op:
        batch_op.drop_column("left_on")
    op.drop_index("uq_subsidy_live", table_name="subsidy")
    op.drop_index(op.f("ix_subsidy_reissues_id"), table_name="subsidy")
    op.drop_index(op.f("ix_subsidy_reversal_id"), table_name="subsidy")
    with op.batch_alter_table("subsidy", schema=None) as batch_op:
        batch_op.drop_column("reissues_id")
        batch_op.drop_column("reversal_id")
        batch_op.create_index(
            "uq_subsidy_trainee_month",
            ["trainee_id", "month"],
            unique=True,
            postgresql_where=sa.text("reverses_id IS NULL"),
            sqlite_where=sa.text("reverses_id IS NULL"),
        )
    op.drop_index(op.f("ix_subsidy_month_stale"), table_name="subsidy_month")
    op.drop_table("subsidy_month")
    op.drop_table("placement_history")
