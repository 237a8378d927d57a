"""The honour roll ("Người tốt, việc tốt")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Honour, Member, Unit

NOMINATED, APPROVED, DECLINED = "nominated", "approved", "declined"


@dataclass(frozen=True)
class HonourDTO:
    id: int
    year: int
    unit_id: int
    unit_name: str
    unit_path: str
    member_id: int | None
    member_name: str | None  # None: the whole cell
    reason: str
    evidence_kind: str | None
    evidence_file_id: str | None
    nominated_by: int | None
    nominated_at: datetime
    state: str


def _query() -> Select[Honour, str, str, str]:
    return (
        select(Honour, Unit.name, Unit.path, Member.full_name)
        .join(Unit, Unit.id == Honour.unit_id)
        .outerjoin(Member, Member.id == Honour.member_id)
    )


def _dto(h: Honour, unit: str, path: str, member: str | None) -> HonourDTO:
    return HonourDTO(
        h.id, h.year, h.unit_id, unit, path, h.member_id, member, h.reason, h.evidence_kind,
        h.evidence_file_id, h.nominated_by, h.nominated_at, h.state,
    )  # fmt: skip


async def add(session: AsyncSession, **values: object) -> int:
    row = Honour(**values)
    session.add(row)
    await session.flush()
    return row.id


async def get(session: AsyncSession, honour_id: int) -> HonourDTO | None:
    row = (await session.execute(_query().where(Honour.id == honour_id))).first()
    return _dto(row[0], row[1], row[2], row[3]) if row else None


async def listed(
    session: AsyncSession,
    paths: Sequence[str] | None,
    state: str,
    year: int | None = None,
    limit: int = 50,
) -> list[HonourDTO]:
    """Entries in these subtrees (None: everywhere), newest first."""
    query = _query().where(Honour.state == state).order_by(Honour.id.desc()).limit(limit)
    if paths is not None:
        query = query.where(or_(*(Unit.path.startswith(p, autoescape=True) for p in paths)))
    if year is not None:
        query = query.where(Honour.year == year)
    return [_dto(h, unit, path, member) for h, unit, path, member in await session.execute(query)]


async def decide(
    session: AsyncSession,
    honour_id: int,
    state: str,
    user_id: int,
    now: datetime,
    broadcast_id: int | None = None,
) -> bool:
    """Record the decision; False if it was decided meanwhile."""
    result = await session.execute(
        update(Honour)
        .where(Honour.id == honour_id, Honour.state == NOMINATED)
        .values(state=state, decided_by=user_id, decided_at=now, broadcast_id=broadcast_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
