"""Building unit reports: who may see which, and the reports of many units in bounded work.

Members are read a slice of units at a time (four queries per slice, see storage/repos/
digest.py) and counted at once; only the direct members of the units being reported on are
kept, so memory stays flat however large the subtree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.campaigns import followed
from domain.digest import Counts, UnitDigest, Week, count, reported_week, weeks_back
from domain.errors import DomainError, NotFound
from domain.names import sort_key
from storage.dto import UnitDTO
from storage.repos import digest as digest_repo
from storage.repos import units as unit_repo
from storage.repos.digest import MemberFacts

SLICE = 500  # units read per round of queries


async def visible_unit(session: AsyncSession, actor: Actor, unit_id: int) -> UnitDTO:
    """A unit the actor leads or administers; anything else does not exist for them."""
    unit = await unit_repo.get(session, unit_id)
    if unit is None or unit.closed or not (actor.leads(unit) or actor.is_admin_of(unit)):
        raise NotFound()
    return unit


async def led_units(session: AsyncSession, actor: Actor) -> list[UnitDTO]:
    """The units the actor is secretary or deputy of (highest first)."""
    ids = [g.unit_id for g in actor.grants if g.unit_id is not None and g.role.value != "admin"]
    found = await unit_repo.many(session, ids)
    return sorted(found.values(), key=lambda u: u.path)


async def digest_of(
    session: AsyncSession, actor: Actor, unit_id: int, now: datetime, zone: ZoneInfo
) -> UnitDigest:
    """The report of a unit the actor leads, on the week so far."""
    unit = await visible_unit(session, actor, unit_id)
    return (await build(session, [unit], now, reported_week(now, zone, False)))[0]


async def build(
    session: AsyncSession, targets: Sequence[UnitDTO], now: datetime, week: Week
) -> list[UnitDigest]:
    """The reports of these units on `week`, each over its own subtree."""
    tree = await unit_repo.subtrees(session, targets)
    zone = week.start.tzinfo
    assert zone is not None
    today = now.astimezone(zone).date()
    since = weeks_back(week)[0].start
    keep = {t.id for t in targets}
    own: dict[int, Counts] = {}
    members: dict[int, list[MemberFacts]] = {}
    year: int | None = None
    for start in range(0, len(tree), SLICE):
        ids = [u.id for u in tree[start : start + SLICE]]
        by_unit: dict[int, list[MemberFacts]] = {i: [] for i in ids}
        for fact in await digest_repo.load(session, ids, since, followed):
            by_unit[fact.unit_id].append(fact)
            year = year or (fact.campaign.year if fact.campaign else None)
        for unit_id, facts in by_unit.items():
            facts.sort(key=lambda m: sort_key(m.full_name))
            own[unit_id] = count(facts, week, today)
            if unit_id in keep:
                members[unit_id] = facts
    totals = roll_up(tree, own)
    return [
        UnitDigest(
            t.id,
            t.name,
            week,
            year,
            totals[t.id],
            members.get(t.id, []),
            [(c.name, totals[c.id]) for c in tree if c.parent_id == t.id],
        )
        for t in targets
    ]


def roll_up(tree: list[UnitDTO], own: dict[int, Counts]) -> dict[int, Counts]:
    """Each unit's counts over its subtree: deepest units first, each added into its parent."""
    present = {u.id for u in tree}
    totals: dict[int, Counts] = {}
    for unit in sorted(tree, key=lambda u: u.path.count("/"), reverse=True):
        total = totals.setdefault(unit.id, Counts())
        total.merge(own.get(unit.id, Counts()))
        if unit.parent_id in present:
            assert unit.parent_id is not None
            totals.setdefault(unit.parent_id, Counts()).merge(total)
    return totals


PRINT_LIMIT = 5000  # members in one printable report


async def printable_members(
    session: AsyncSession, actor: Actor, unit_id: int, now: datetime, zone: ZoneInfo
) -> tuple[UnitDTO, list[MemberFacts]]:
    """Every member of the unit's subtree with their items, in name order, for printing."""
    unit = await visible_unit(session, actor, unit_id)
    return unit, await members_for_print(session, unit, now, zone)


async def members_for_print(
    session: AsyncSession, unit: UnitDTO, now: datetime, zone: ZoneInfo
) -> list[MemberFacts]:
    tree = await unit_repo.subtrees(session, [unit])
    since = weeks_back(reported_week(now, zone, False))[0].start
    members: list[MemberFacts] = []
    for start in range(0, len(tree), SLICE):
        members += await digest_repo.load(
            session, [u.id for u in tree[start : start + SLICE]], since, followed
        )
        if len(members) > PRINT_LIMIT:
            total = await unit_repo.count_members(session, unit)
            raise DomainError("export.too_large", members=total)
    members.sort(key=lambda m: (m.unit_path, sort_key(m.full_name)))
    return members
