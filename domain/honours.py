"""The honour roll ("Người tốt, việc tốt"): a cell's secretary nominates a member, or the
whole cell, with a reason and evidence; an admin of the cell approves (announcing it to the
cell, to the unit above, or to everything they administer, through a broadcast) or declines.
Approved entries are listed by year, each reader seeing those of the units they belong to,
lead or administer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, broadcasts, validation
from domain.access import Actor, require
from domain.errors import DomainError, NotFound
from storage.dto import MemberDTO, Role, UnitDTO
from storage.repos import honours as repo
from storage.repos import members as member_repo
from storage.repos import units as unit_repo
from storage.repos import users as user_repo
from storage.repos.honours import HonourDTO

REASON_MIN, REASON_MAX = 10, 900
ANNOUNCE = ("unit", "parent", "scope")
LEADERS = (Role.SECRETARY, Role.DEPUTY)


@dataclass(frozen=True)
class Decision:
    honour: HonourDTO
    approved: bool
    broadcast_id: int | None
    recipients: int


async def _cell(session: AsyncSession, actor: Actor, unit_id: int) -> UnitDTO:
    unit = await unit_repo.get(session, unit_id)
    if (
        unit is None
        or unit.closed
        or not unit.kind.is_cell
        or not (actor.leads(unit) or actor.is_admin_of(unit))
    ):
        raise NotFound()
    return unit


async def nominate(
    session: AsyncSession,
    actor: Actor,
    unit_id: int,
    member_id: int | None,
    reason: str,
    evidence: tuple[str, str] | None,
    year: int,
    now: datetime,
) -> HonourDTO:
    """A nomination by the cell's secretary or deputy (member None: the cell itself)."""
    unit = await _cell(session, actor, unit_id)
    require(actor.leads(unit))
    if member_id is not None:
        member = await member_repo.get(session, member_id)
        if member is None or member.unit_id != unit.id or member.status != "active":
            raise NotFound()
    text = validation.content(reason, REASON_MIN, REASON_MAX, "honour.reason_length")
    honour_id = await repo.add(
        session,
        year=year,
        unit_id=unit.id,
        member_id=member_id,
        reason=text,
        evidence_kind=evidence[0] if evidence else None,
        evidence_file_id=evidence[1] if evidence else None,
        nominated_by=actor.user_id,
        nominated_at=now,
        state=repo.NOMINATED,
    )
    await audit.record(
        session, actor, "honour_nominate", now, unit_path=unit.path, subject=f"honour:{honour_id}"
    )
    found = await repo.get(session, honour_id)
    assert found is not None
    return found


async def pending(session: AsyncSession, actor: Actor) -> list[HonourDTO]:
    require(actor.is_admin)
    return await repo.listed(session, actor.admin_roots(), repo.NOMINATED)


async def visible(session: AsyncSession, actor: Actor, honour_id: int) -> HonourDTO:
    """A nomination the admin may decide (NotFound otherwise: existence is not disclosed)."""
    found = await repo.get(session, honour_id)
    unit = await unit_repo.get(session, found.unit_id) if found else None
    if found is None or unit is None or not actor.is_admin_of(unit):
        raise NotFound()
    return found


async def roll(session: AsyncSession, actor: Actor, year: int) -> list[HonourDTO]:
    """The year's approved entries the reader may see: under what they administer or lead,
    and their own cell."""
    paths: list[str] | None = [g.unit_path for g in actor.grants if g.unit_path]
    if actor.is_tree_admin():
        paths = None
    elif actor.member is not None:
        own = await unit_repo.get(session, actor.member.unit_id)
        if own is not None:
            assert paths is not None
            paths.append(own.path)
    if paths == []:
        return []
    return await repo.listed(session, paths, repo.APPROVED, year, limit=200)


async def decide(
    session: AsyncSession,
    actor: Actor,
    honour_id: int,
    approve: bool,
    announce: str,
    lang_text: str,
    now: datetime,
) -> Decision:
    """Approve (announcing `lang_text` as a broadcast to the chosen audience) or decline."""
    found = await visible(session, actor, honour_id)
    if found.state != repo.NOMINATED:
        raise DomainError("honour.decided")
    broadcast_id, recipients = None, 0
    if approve:
        broadcast_id, recipients = await _announce(session, actor, found, announce, lang_text, now)
    state = repo.APPROVED if approve else repo.DECLINED
    if not await repo.decide(session, found.id, state, actor.user_id, now, broadcast_id):
        raise DomainError("honour.decided")
    action = "honour_approve" if approve else "honour_decline"
    await audit.record(
        session,
        actor,
        action,
        now,
        unit_path=found.unit_path,
        subject=f"honour:{found.id}",
        announce=announce if approve else None,
    )
    return Decision(found, approve, broadcast_id, recipients)


async def _announce(
    session: AsyncSession,
    actor: Actor,
    honour: HonourDTO,
    announce: str,
    text: str,
    now: datetime,
) -> tuple[int | None, int]:
    if announce not in ANNOUNCE:
        raise DomainError("error.bad_choice")
    units = [honour.unit_id]
    if announce == "parent":
        cell = await unit_repo.get(session, honour.unit_id)
        parent = await unit_repo.get(session, cell.parent_id) if cell and cell.parent_id else None
        if parent is not None and actor.is_admin_of(parent):
            units = [parent.id]
    elif announce == "scope":
        units = []
    attachment = None
    if honour.evidence_kind and honour.evidence_file_id and len(text) <= broadcasts.CAPTION_MAX:
        attachment = (honour.evidence_kind, honour.evidence_file_id)
    try:
        made = await broadcasts.create(
            session,
            actor,
            text=text[: broadcasts.TEXT_MAX],
            attachment=attachment,
            unit_ids=units,
            audience="everyone",
            send_at=now,
            report_to=None,
            now=now,
        )
    except DomainError as error:
        if error.key == "bc.nobody":
            return None, 0  # nobody to tell: approved all the same
        raise
    return made.id, made.recipients


async def candidates(
    session: AsyncSession, actor: Actor, unit_id: int, offset: int, limit: int
) -> tuple[UnitDTO, list[MemberDTO], int]:
    """The cell's members, for a nomination by its secretary or deputy."""
    unit = await _cell(session, actor, unit_id)
    require(actor.leads(unit))
    found = await member_repo.of_unit(session, unit.id, offset, limit)
    return unit, found, await member_repo.count_of_unit(session, unit.id)


async def nominating_cells(session: AsyncSession, actor: Actor) -> list[UnitDTO]:
    """The cells the actor leads directly."""
    ids = [g.unit_id for g in actor.grants if g.unit_id is not None and g.role in LEADERS]
    found = await unit_repo.many(session, ids)
    return sorted((u for u in found.values() if u.kind.is_cell), key=lambda u: u.name)


async def reviewers(session: AsyncSession, honour: HonourDTO) -> list[int]:
    """Admins whose scope holds the cell (whole-tree admins included)."""
    return await user_repo.admins_over(session, honour.unit_path)
