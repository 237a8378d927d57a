"""shared_files: charts and spreadsheets served by link for a short while (Zalo)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_files",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_shared_files"),
    )
    op.create_index("ix_shared_files_expires_at", "shared_files", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_shared_files_expires_at", table_name="shared_files")
    op.drop_table("shared_files")
