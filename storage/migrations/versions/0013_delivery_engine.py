"""runtime_status (heartbeats); a schedule's time zone is the organisation's unless chosen

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runtime_status",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", "owner", name="pk_runtime_status"),
    )
    op.create_index("ix_runtime_status_at", "runtime_status", ["at"])
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.alter_column("timezone", existing_type=sa.String(length=64), nullable=True)
    # Nobody could choose a time zone before: every stored one is the default of the day.
    op.execute("UPDATE schedules SET timezone = NULL")


def downgrade() -> None:
    op.execute("UPDATE schedules SET timezone = 'Asia/Ho_Chi_Minh' WHERE timezone IS NULL")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.alter_column("timezone", existing_type=sa.String(length=64), nullable=False)
    op.drop_index("ix_runtime_status_at", table_name="runtime_status")
    op.drop_table("runtime_status")
