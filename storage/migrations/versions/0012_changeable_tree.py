"""A tree that can change: closed and merged units, member transfers; explicit broadcast units

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_units_merged_into_units", "units", ["merged_into"], ["id"], ondelete="SET NULL"
        )
        batch_op.drop_constraint("uq_units_parent_name", type_="unique")
    # A closed unit keeps its name, and a new one may take it: unique among open units only.
    op.create_index(
        "uq_units_parent_name",
        "units",
        ["parent_id", "name"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.drop_index("uq_units_root_name", table_name="units")
    op.create_index(
        "uq_units_root_name",
        "units",
        ["name"],
        unique=True,
        sqlite_where=sa.text("parent_id IS NULL AND closed_at IS NULL"),
        postgresql_where=sa.text("parent_id IS NULL AND closed_at IS NULL"),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_since", sa.DateTime(), nullable=True))
    op.execute("UPDATE members SET unit_since = joined_at")
    op.create_table(
        "member_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=True),
        sa.Column("to_unit_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"],
            name="fk_member_transfers_member_id_members", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_unit_id"], ["units.id"],
            name="fk_member_transfers_from_unit_id_units", ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"], ["units.id"],
            name="fk_member_transfers_to_unit_id_units", ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"],
            name="fk_member_transfers_by_user_id_users", ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_member_transfers"),
    )
    op.create_index("ix_member_transfers_member_id", "member_transfers", ["member_id"])
    _name_broadcast_units()


def _name_broadcast_units() -> None:
    """Broadcasts stored with no units meant the whole tree: name its roots explicitly."""
    conn = op.get_bind()
    roots = [r[0] for r in conn.execute(sa.text("SELECT id FROM units WHERE parent_id IS NULL"))]
    rows = conn.execute(sa.text("SELECT id, unit_ids FROM broadcasts")).all()
    for broadcast_id, unit_ids in rows:
        value = json.loads(unit_ids) if isinstance(unit_ids, str) else unit_ids
        if not value:
            conn.execute(
                sa.text("UPDATE broadcasts SET unit_ids = :u WHERE id = :i"),
                {"u": json.dumps(sorted(roots)), "i": broadcast_id},
            )


def downgrade() -> None:
    op.drop_index("ix_member_transfers_member_id", table_name="member_transfers")
    op.drop_table("member_transfers")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("unit_since")
    op.drop_index("uq_units_root_name", table_name="units")
    op.create_index(
        "uq_units_root_name",
        "units",
        ["name"],
        unique=True,
        sqlite_where=sa.text("parent_id IS NULL"),
        postgresql_where=sa.text("parent_id IS NULL"),
    )
    op.drop_index("uq_units_parent_name", table_name="units")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_units_parent_name", ["parent_id", "name"])
        batch_op.drop_constraint("fk_units_merged_into_units", type_="foreignkey")
        batch_op.drop_column("merged_into")
        batch_op.drop_column("closed_at")
