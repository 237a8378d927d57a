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
    counted_at: datetime | None = None  # a large unit's figures, kept a minute: when counted


# A large subtree (a province: 150,000 members, 10,000 cells) takes half a second to count on
# SQLite; its figures are kept for a minute in this process, so that a committee's officers
# opening it together do not count it again each (the page says when it was counted). Small
# units are always counted afresh. The scope is checked on every request, kept or not.
KEEP_FROM = 5000  # members
BY_UNIT = 2000  # units: a subtree this small has its members read by their unit
KEEP_FOR = timedelta(minutes=1)
_kept: dict[tuple[str, int], tuple[datetime, UnitStats, list[UnitStats]]] = {}


async def rollup(session: AsyncSession, actor: Actor, unit_id: int, now: datetime) -> Rollup:
    """A unit the actor administers, and its children."""
    unit = await unit_repo.get(session, unit_id)
    if unit is None or unit.closed or not actor.is_admin_of(unit):
        raise NotFound()
    path = await unit_repo.names_along(session, unit)
    key = (str(session.get_bind().engine.url), unit.id)  # a process may serve two databases
    kept = _kept.get(key)
    if kept is not None and now - KEEP_FOR <= kept[0] <= now:
        return Rollup(unit, kept[1], kept[2], path, kept[0])
    total, children = await _count(session, unit, now)
    if total.members < KEEP_FROM:
        return Rollup(unit, total, children, path)
    _kept[key] = (now, total, children)
    return Rollup(unit, total, children, path, now)


async def _count(
    session: AsyncSession, unit: UnitDTO, now: datetime
) -> tuple[UnitStats, list[UnitStats]]:
    kids = await unit_repo.children(session, unit.id, 0, MAX_CHILDREN)
    ids = [unit.id, *(k.unit.id for k in kids)]
    subtree = await unit_repo.subtree(session, unit)
    follows = await followed_by_units(session, subtree)
    campaign_of = {u: c.id for u, c in follows.items() if c is not None}
    within = [u.id for u in subtree] if len(subtree) <= BY_UNIT else None
    counts = await repo.per_unit(session, unit.path, ids, now - WINDOW, campaign_of, within)
    children = [_stats(counts[k.unit.id], k.unit.name, k.children > 0) for k in kids]
    children.sort(key=lambda s: (s.registered_pct, sort_key(s.name)))
    return _stats(counts[unit.id], unit.name, bool(kids)), children


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
