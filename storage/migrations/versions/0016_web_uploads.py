"""Files uploaded to the web app between two steps (an import checked, then applied; the
personal-links workbook it made), kept a day

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 01:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_web_uploads_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_web_uploads"),
    )
    op.create_index("ix_web_uploads_created_at", "web_uploads", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_web_uploads_created_at", table_name="web_uploads")
    op.drop_table("web_uploads")
