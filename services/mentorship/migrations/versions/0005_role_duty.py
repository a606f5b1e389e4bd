"""role_duty: each mentor role's duty statement and expected aspects, as data

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The statements the city starts from (DESIGN.md's mentor roles); it edits them after.
DEFAULTS = [
    (
        "integrity",
        "由派出单位领导班子成员担任。加强政治引领和廉洁教育，督促选调生严守纪律规矩、筑牢廉洁防线。",
        ["political", "conduct"],
    ),
    (
        "business",
        "由派出单位中层及以上干部担任。指导业务知识和工作方法，帮助选调生提升履职能力。",
        ["practice", "conduct"],
    ),
    (
        "responsible",
        "由镇（街道）分管党建的党委副书记担任。统筹选调生在镇（街道）的日常管理、工作安排和生活保障。",
        ["political", "practice", "care"],
    ),
    (
        "practical",
        "由所在村党组织书记担任。带领选调生参与村级事务和群众工作，手把手指导基层实践，关心其工作生活。",
        ["practice", "care"],
    ),
]


def upgrade() -> None:
    table = op.create_table(
        "role_duty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("aspects", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("role"),
    )
    op.bulk_insert(
        table,
        [{"role": r, "statement": s, "aspects": a} for r, s, a in DEFAULTS],
    )


def downgrade() -> None:
    op.drop_table("role_duty")
