"""outbox rows composed at send time: text optional, subject and payload

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 07:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("text", existing_type=sa.Text(), nullable=True)
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("UPDATE outbox SET text = '' WHERE text IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("payload")
        batch_op.drop_column("subject_id")
        batch_op.alter_column("text", existing_type=sa.Text(), nullable=False)
