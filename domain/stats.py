"""Roll-up statistics for the committee (/thongke): a unit and each of its child units, every
figure counted over the whole subtree. Exempt members (miễn sinh hoạt) are left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor, require
from domain.campaigns import followed_by_units
from domain.errors import NotFound
from domain.names import sort_key
from domain.units import units_at
from storage.dto import UnitDTO
from storage.repos import stats as repo
from storage.repos import units as unit_repo

WINDOW = timedelta(days=28)  # "the last four weeks" of progress reports
MAX_CHILDREN = 500


@dataclass(frozen=True)
class UnitStats:
    unit_id: int
    name: str
    members: int
    joined: int
    registered: int
    approved: int
    active: int
    unreachable: int
    has_children: bool = False

    @staticmethod
    def pct(part: int, whole: int) -> float:
        return round(100.0 * part / whole, 1) if whole else 0.0

    @property
    def registered_pct(self) -> float:
        return self.pct(self.registered, self.members)

    @property
    def approved_pct(self) -> float:
        return self.pct(self.approved, self.members)

    @property
    def active_pct(self) -> float:
        return self.pct(self.active, self.members)


@dataclass(frozen=True)
class Rollup:
    unit: UnitDTO
    total: UnitStats
    children: list[UnitStats]  # weakest registration first
    path: list[str]


async def rollup(session: AsyncSession, actor: Actor, unit_id: int, now: datetime) -> Rollup:
    """A unit the actor administers, and its children."""
    unit = await unit_repo.get(session, unit_id)
    if unit is None or unit.closed or not actor.is_admin_of(unit):
        raise NotFound()
    kids = await unit_repo.children(session, unit.id, 0, MAX_CHILDREN)
    ids = [unit.id, *(k.unit.id for k in kids)]
    follows = await followed_by_units(session, await unit_repo.subtree(session, unit))
    campaign_of = {u: c.id for u, c in follows.items() if c is not None}
    counts = await repo.per_unit(session, ids, now - WINDOW, campaign_of)
    children = [_stats(counts[k.unit.id], k.unit.name, k.children > 0) for k in kids]
    children.sort(key=lambda s: (s.registered_pct, sort_key(s.name)))
    path = await unit_repo.names_along(session, unit)
    return Rollup(unit, _stats(counts[unit.id], unit.name, bool(kids)), children, path)


async def top_units(session: AsyncSession, actor: Actor) -> list[UnitDTO]:
    """Where an admin's /thongke starts: the roots of what they administer."""
    require(actor.is_admin)
    roots = actor.admin_roots()
    found = await unit_repo.roots(session) if roots is None else await units_at(session, roots)
    return sorted(found, key=lambda u: sort_key(u.name))


def _stats(c: repo.Counts, name: str, has_children: bool) -> UnitStats:
    return UnitStats(
        c.unit_id,
        name,
        c.members,
        c.joined,
        c.registered,
        c.approved,
        c.active,
        c.unreachable,
        has_children,
    )
