"""Bulk writes for importing members: thousands of rows in a few statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite, Member, Unit
from storage.sql import among

CHUNK = 5_000  # ids per lookup


@dataclass(frozen=True)
class KnownMember:
    id: int
    unit_id: int
    user_id: int | None
    full_name: str
    position: str | None
    is_head: bool
    phone: str | None


# a KnownMember's columns, in its order
KNOWN = (
    Member.id,
    Member.unit_id,
    Member.user_id,
    Member.full_name,
    Member.position,
    Member.is_head,
    Member.phone,
)


async def active_in(session: AsyncSession, unit_ids: Sequence[int]) -> list[KnownMember]:
    """The active members of these cells."""
    dialect = session.get_bind().dialect
    found: list[KnownMember] = []
    ids = sorted(set(unit_ids))
    for start in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(*KNOWN)
            .where(among(dialect, Member.unit_id, ids[start : start + CHUNK]))
            .where(Member.status == "active")
        )
        found.extend(KnownMember(*row) for row in rows)
    return found


async def active_under(session: AsyncSession, paths: Sequence[str] | None) -> list[KnownMember]:
    """The active members in these subtrees (None: everywhere)."""
    query = select(*KNOWN).where(Member.status == "active")
    if paths is not None:
        if not paths:
            return []
        under = or_(*(Unit.path.startswith(p, autoescape=True) for p in paths))
        query = query.join(Unit, Unit.id == Member.unit_id).where(under)
    return [KnownMember(*row) for row in await session.execute(query)]


async def add_members(session: AsyncSession, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert members; their ids in the order given."""
    if not rows:
        return []
    result = await session.execute(
        insert(Member).returning(Member.id, sort_by_parameter_order=True), list(rows)
    )
    return [int(i) for i in result.scalars()]


async def update_members(session: AsyncSession, rows: Sequence[dict[str, object]]) -> None:
    """Each dict: id and the columns to set (position, is_head, phone)."""
    if rows:
        await session.execute(update(Member), list(rows))


async def add_invites(session: AsyncSession, rows: Sequence[dict[str, object]]) -> None:
    if rows:
        await session.execute(insert(Invite), list(rows))
