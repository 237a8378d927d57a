"""prompts: numbered choices last shown in a chat without buttons (Zalo)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 10:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prompts",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", name="pk_prompts"),
    )


def downgrade() -> None:
    op.drop_table("prompts")
