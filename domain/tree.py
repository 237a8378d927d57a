"""A tree that can change: move a unit under another parent, merge two units, close a unit,
transfer a member to another cell (chuyển sinh hoạt), record that a member has left.

The 2025 mergers of provinces and Party committees moved thousands of units; the records
follow: members keep their commitments, reports and history and are counted in their new
cell from the day they moved; a merged or closed unit is kept (closed), never deleted. Every
change is an admin's, inside what they administer, and is audited. A change that would leave
a member without a cell is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor, require
from domain.errors import DomainError, NotFound
from domain.members import LEADER_ROLES, active_member
from domain.units import CHILD_KINDS, visible
from storage.dto import MemberDTO, UnitDTO
from storage.repos import members as member_repo
from storage.repos import schedules as schedule_repo
from storage.repos import tree as tree_repo
from storage.repos import units as repo
from storage.repos import users as user_repo


@dataclass(frozen=True)
class Merged:
    source: UnitDTO
    target: UnitDTO
    members: int
    units_moved: int


async def _admin_unit(session: AsyncSession, actor: Actor | None, unit_id: int) -> UnitDTO:
    """An open unit the actor administers (None: the operator's command line)."""
    if actor is None:
        unit = await repo.get(session, unit_id)
        if unit is None or unit.closed:
            raise NotFound()
        return unit
    unit = await visible(session, actor, unit_id)
    require(actor.is_admin_of(unit))
    return unit


async def move_unit(
    session: AsyncSession, actor: Actor | None, unit_id: int, parent_id: int, now: datetime
) -> UnitDTO:
    """Put a unit, with everything under it, under another parent."""
    unit = await _admin_unit(session, actor, unit_id)
    parent = await _admin_unit(session, actor, parent_id)
    if parent.path.startswith(unit.path):
        raise DomainError("tree.into_itself")
    if unit.kind not in CHILD_KINDS[parent.kind]:
        raise DomainError("tree.kind_not_allowed", unit=unit.name, parent=parent.name)
    if await repo.child_by_name(session, parent.id, unit.name):
        raise DomainError("unit.duplicate", name=unit.name)
    await repo.move(session, unit, parent)
    await _wake_under(session, f"{parent.path}{unit.id}/", now)  # another campaign may apply
    await audit.record(
        session,
        actor,
        "unit_move",
        now,
        unit_path=parent.path,
        subject=f"unit:{unit.id}",
        before=unit.parent_id,
        after=parent.id,
    )
    moved = await repo.get(session, unit.id)
    assert moved is not None
    return moved


async def merge_units(
    session: AsyncSession, actor: Actor | None, source_id: int, target_id: int, now: datetime
) -> Merged:
    """Merge `source` into `target`: its members (with their history), sub-units, invites,
    campaigns, models and honours go to the target; the source is closed, not deleted."""
    source = await _admin_unit(session, actor, source_id)
    target = await _admin_unit(session, actor, target_id)
    if source.id == target.id or target.path.startswith(source.path):
        raise DomainError("tree.into_itself")
    if source.kind.is_cell != target.kind.is_cell:
        raise DomainError("tree.merge_kinds", unit=source.name, target=target.name)
    cell_members = await member_repo.active_ids_in(session, source.id)
    by = actor.user_id if actor is not None else None
    await member_repo.transfer(session, cell_members, target.id, now, by, "merge")
    kids = await repo.count_children(session, source.id)
    await repo.reparent_children(session, source, target)
    await tree_repo.repoint(session, source.id, target.id)
    await user_repo.drop_unit_grants(session, source.id)
    await repo.close(session, source, now, merged_into=target.id)
    await _wake_under(session, target.path, now)
    await audit.record(
        session,
        actor,
        "unit_merge",
        now,
        unit_path=_common(source.path, target.path),
        subject=f"unit:{source.id}",
        into=target.id,
        members=len(cell_members),
        units=kids,
    )
    return Merged(source, target, len(cell_members), kids)


async def close_unit(
    session: AsyncSession, actor: Actor | None, unit_id: int, now: datetime
) -> UnitDTO:
    """Close (dissolve) a unit with nobody left in it; its records stay for history."""
    unit = await _admin_unit(session, actor, unit_id)
    left = await member_repo.active_ids_under(session, unit.path)
    if left:
        raise DomainError("tree.close_has_members", unit=unit.name, n=len(left))
    if unit.parent_id is None and actor is not None and not actor.is_tree_admin():
        raise DomainError("error.not_allowed")
    closed = await repo.close(session, unit, now)
    await user_repo.drop_unit_grants(session, unit.id)
    await audit.record(
        session, actor, "unit_close", now, unit_path=unit.path, subject=f"unit:{unit.id}",
        units=closed,
    )  # fmt: skip
    return unit


async def transfer_member(
    session: AsyncSession, actor: Actor | None, member_id: int, cell_id: int, now: datetime
) -> tuple[MemberDTO, UnitDTO, UnitDTO]:
    """Chuyển sinh hoạt: the member moves to another cell with their commitment, reports and
    history, and is counted there from today; rights as secretary or deputy of the old cell
    end."""
    member = await active_member(session, member_id)
    source = await _admin_unit(session, actor, member.unit_id)
    target = await _admin_unit(session, actor, cell_id)
    if not target.kind.is_cell:
        raise DomainError("tree.not_a_cell", unit=target.name)
    if target.id == source.id:
        raise DomainError("tree.same_cell", unit=target.name)
    by = actor.user_id if actor is not None else None
    await member_repo.transfer(session, [member.id], target.id, now, by, "transfer")
    if member.user_id is not None:
        await user_repo.drop_leader_grants_outside(session, member.user_id, target.path)
    await schedule_repo.wake(session, [member.id], now)
    await audit.record(
        session,
        actor,
        "member_transfer",
        now,
        unit_path=_common(source.path, target.path),
        subject=f"member:{member.id}",
        before=source.id,
        after=target.id,
    )
    moved = await member_repo.get(session, member.id)
    assert moved is not None
    return moved, source, target


async def record_left(
    session: AsyncSession, actor: Actor | None, member_id: int, now: datetime
) -> tuple[MemberDTO, UnitDTO]:
    """Ghi nhận the member no longer belongs to the cell (moved away from the organisation,
    struck off, deceased): as the cell decided; the bot only records it."""
    member = await active_member(session, member_id)
    if actor is None:
        unit = await _admin_unit(session, None, member.unit_id)
    else:
        unit = await visible(session, actor, member.unit_id)
        require(actor.is_admin_of(unit) or actor.leads(unit))
        if actor.member is not None and actor.member.id == member.id:
            raise DomainError("tree.left_own")
    by = actor.user_id if actor is not None else None
    await member_repo.record_left(session, member.id, unit.id, now, by)
    if member.user_id is not None:
        await user_repo.remove_grants(session, member.user_id, LEADER_ROLES)
    await audit.record(
        session, actor, "member_left", now, unit_path=unit.path, subject=f"member:{member.id}"
    )
    return member, unit


async def _wake_under(session: AsyncSession, path: str, now: datetime) -> None:
    """Members whose cell moved may follow another campaign now: plan them again."""
    await schedule_repo.wake(session, await member_repo.active_ids_under(session, path), now)


def _common(a: str, b: str) -> str:
    """The deepest unit path both lie under ('/' if none): where the change is audited."""
    shared = []
    for x, y in zip(a.strip("/").split("/"), b.strip("/").split("/"), strict=False):
        if x != y:
            break
        shared.append(x)
    return "/" + "".join(f"{p}/" for p in shared) if shared else "/"
