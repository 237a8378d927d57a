"""Units of the organisation tree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, String, bindparam, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.db import core_rows
from storage.dto import UnitDTO, UnitKind, UnitSummary
from storage.models import Member, Unit

OPEN = Unit.closed_at.is_(None)


def to_dto(row: Unit | Row[Any]) -> UnitDTO:
    return UnitDTO(
        row.id,
        row.parent_id,
        UnitKind(row.kind),
        row.name,
        row.path,
        row.meeting_day,
        row.closed_at is not None,
    )


_GET = select(Unit.__table__).where(Unit.id == bindparam("unit_id"))


async def get(session: AsyncSession, unit_id: int) -> UnitDTO | None:
    rows = await core_rows(session, _GET, unit_id=unit_id)
    return to_dto(rows[0]) if rows else None


async def many(session: AsyncSession, ids: Sequence[int]) -> dict[int, UnitDTO]:
    if not ids:
        return {}
    rows = await session.scalars(select(Unit).where(Unit.id.in_(set(ids))))
    return {r.id: to_dto(r) for r in rows}


async def child_by_name(session: AsyncSession, parent_id: int | None, name: str) -> UnitDTO | None:
    """The child with this name, ignoring case. Compared in Python: SQLite's lower() knows
    only ASCII, so 'Đảng bộ' and 'đảng bộ' would differ there."""
    parent = Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id
    wanted = name.casefold()
    for row in await session.scalars(select(Unit).where(parent, OPEN)):
        if row.name.casefold() == wanted:
            return to_dto(row)
    return None


async def add(
    session: AsyncSession, parent: UnitDTO | None, kind: UnitKind, name: str, now: datetime
) -> UnitDTO:
    row = Unit(
        parent_id=parent.id if parent else None, kind=kind, name=name, path="", created_at=now
    )
    session.add(row)
    await session.flush()
    row.path = f"{parent.path if parent else '/'}{row.id}/"
    await session.flush()
    return to_dto(row)


async def rename(session: AsyncSession, unit_id: int, name: str) -> None:
    await session.execute(update(Unit).where(Unit.id == unit_id).values(name=name))


async def roots(session: AsyncSession) -> list[UnitDTO]:
    rows = await session.scalars(
        select(Unit).where(Unit.parent_id.is_(None), OPEN).order_by(Unit.name)
    )
    return [to_dto(r) for r in rows]


async def children(
    session: AsyncSession, parent_id: int, offset: int = 0, limit: int | None = None
) -> list[UnitSummary]:
    """Direct children with their own child and member counts, by name (counted for each
    child by its index, not for the whole tree)."""
    child = aliased(Unit)
    kids = (
        select(func.count())
        .where(child.parent_id == Unit.id, child.closed_at.is_(None))
        .scalar_subquery()
    )
    people = (
        select(func.count())
        .where(Member.unit_id == Unit.id, Member.status == "active")
        .scalar_subquery()
    )
    query = (
        select(Unit, kids, people)
        .where(Unit.parent_id == parent_id, OPEN)
        .order_by(Unit.name, Unit.id)
        .offset(offset)
        .limit(limit)
    )
    rows = await session.execute(query)
    return [UnitSummary(to_dto(u), int(c), int(m)) for u, c, m in rows]


async def count_children(session: AsyncSession, parent_id: int) -> int:
    found = await session.scalar(select(func.count()).where(Unit.parent_id == parent_id, OPEN))
    return int(found or 0)


async def subtree(session: AsyncSession, root: UnitDTO | None) -> list[UnitDTO]:
    """Every open unit under root (itself included), ordered by path; the whole forest for
    None."""
    query = select(Unit.__table__).where(OPEN).order_by(Unit.path)
    if root is not None:
        query = query.where(Unit.path.startswith(root.path, autoescape=True))
    return [to_dto(r) for r in await core_rows(session, query)]  # a province: 10,000 rows


async def names_along(session: AsyncSession, unit: UnitDTO) -> list[str]:
    """Names from the root down to the unit."""
    found = await many(session, unit.ancestor_ids)
    return [found[i].name for i in unit.ancestor_ids if i in found]


async def member_counts(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, int]:
    if not unit_ids:
        return {}
    rows = await session.execute(
        select(Member.unit_id, func.count())
        .where(Member.unit_id.in_(set(unit_ids)), Member.status == "active")
        .group_by(Member.unit_id)
    )
    return {u: int(n) for u, n in rows}


async def subtrees(session: AsyncSession, roots: Sequence[UnitDTO]) -> list[UnitDTO]:
    """Every unit under any of these roots (the roots included), ordered by path."""
    if not roots:
        return []
    tops: list[UnitDTO] = []
    for root in sorted(roots, key=lambda r: r.path):  # a root under a kept one adds nothing
        if not tops or not root.path.startswith(tops[-1].path):
            tops.append(root)
    under = or_(*(Unit.path.startswith(r.path, autoescape=True) for r in tops))
    query = select(Unit).where(under, OPEN)
    return [to_dto(r) for r in await session.scalars(query.order_by(Unit.path))]


async def set_meeting_day(session: AsyncSession, unit_id: int, day: int | None) -> None:
    await session.execute(update(Unit).where(Unit.id == unit_id).values(meeting_day=day))


async def with_meetings(session: AsyncSession) -> list[UnitDTO]:
    """Units that hold a regular monthly meeting."""
    rows = await session.scalars(select(Unit).where(Unit.meeting_day.is_not(None), OPEN))
    return [to_dto(r) for r in rows]


async def count_members(session: AsyncSession, root: UnitDTO) -> int:
    """Active members anywhere under this unit."""
    found = await session.scalar(
        select(func.count())
        .select_from(Member)
        .join(Unit, Unit.id == Member.unit_id)
        .where(Unit.path.startswith(root.path, autoescape=True), Member.status == "active")
    )
    return int(found or 0)


async def move(session: AsyncSession, unit: UnitDTO, parent: UnitDTO) -> None:
    """Put a unit (and its whole subtree) under another parent: every path below it changes
    prefix, in one statement."""
    new_path = f"{parent.path}{unit.id}/"
    await session.execute(update(Unit).where(Unit.id == unit.id).values(parent_id=parent.id))
    await session.execute(
        update(Unit)
        .where(Unit.path.startswith(unit.path, autoescape=True))
        .values(path=literal(new_path, String) + func.substr(Unit.path, len(unit.path) + 1))
        .execution_options(synchronize_session=False)
    )


async def reparent_children(session: AsyncSession, unit: UnitDTO, into: UnitDTO) -> None:
    """The open children of `unit` move under `into` (a merge)."""
    kids = await session.scalars(select(Unit).where(Unit.parent_id == unit.id, OPEN))
    for kid in list(kids):
        await move(session, to_dto(kid), into)


async def close(
    session: AsyncSession, unit: UnitDTO, now: datetime, merged_into: int | None = None
) -> int:
    """Close a unit and every open unit below it; returns how many."""
    done = await session.execute(
        update(Unit)
        .where(Unit.path.startswith(unit.path, autoescape=True), OPEN)
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if merged_into is not None:
        await session.execute(
            update(Unit).where(Unit.id == unit.id).values(merged_into=merged_into)
        )
    return int(getattr(done, "rowcount", 0) or 0)
