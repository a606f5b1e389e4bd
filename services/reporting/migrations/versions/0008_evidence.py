"""evidence: photos and files attached to duty items, supervision visits and rectifications

Revision ID: 0008_evidence
Revises: 0007
Create Date: 2026-12-05 17:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0008_evidence"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("parent_kind", sa.String(32), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(128), nullable=False, unique=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_by_role", sa.String(16), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_evidence_parent", "evidence", ["parent_kind", "parent_id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_parent", table_name="evidence")
    op.drop_table("evidence")
