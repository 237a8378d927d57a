"""honours: the "Người tốt, việc tốt" roll

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 10:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "honours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("evidence_kind", sa.String(length=16), nullable=True),
        sa.Column("evidence_file_id", sa.String(length=256), nullable=True),
        sa.Column("nominated_by", sa.Integer(), nullable=True),
        sa.Column("nominated_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name="fk_honours_broadcast_id_broadcasts",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name="fk_honours_decided_by_users", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_honours_member_id_members", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by"],
            ["users.id"],
            name="fk_honours_nominated_by_users",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name="fk_honours_unit_id_units", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_honours"),
    )
    op.create_index("ix_honours_state_year", "honours", ["state", "year"])
    op.create_index("ix_honours_unit_id", "honours", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_honours_unit_id", table_name="honours")
    op.drop_index("ix_honours_state_year", table_name="honours")
    op.drop_table("honours")
