"""Short invite codes, wrong guesses counted, whole messages resumed, photo links whole

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_invites_code_hash", ["code_hash"], unique=True)
    op.create_table(
        "guesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"],
            name="fk_guesses_account_id_accounts", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_guesses"),
    )
    op.create_index("ix_guesses_account_kind_at", "guesses", ["account_id", "kind", "at"])
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.alter_column(
            "evidence_file_id", existing_type=sa.String(length=256), type_=sa.Text()
        )


def downgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.alter_column(
            "evidence_file_id", existing_type=sa.Text(), type_=sa.String(length=256)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("parts_sent")
    op.drop_index("ix_guesses_account_kind_at", table_name="guesses")
    op.drop_table("guesses")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_index("ix_invites_code_hash")
        batch_op.drop_column("code_hash")
