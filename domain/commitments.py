"""Commitments (bản đăng ký nêu gương): items, the approval state machine, and history.

The state machine lives here, not in the handlers:

    draft --submit--> submitted --approve--> approved --edit--> amending --submit--> submitted
                         |  \\--return--> returned --edit/submit--> ...
                         \\--withdraw--> draft (or amending, once approved before)
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, campaigns, validation
from domain.access import Actor, require, tops
from domain.errors import DomainError, Key, NotFound
from domain.members import leaders_along, leaders_to_notify
from storage.dto import (
    CampaignDTO,
    CommitmentDTO,
    ItemDTO,
    ItemKind,
    MemberDTO,
    State,
    UnitDTO,
    UnitKind,
    VersionDTO,
)
from storage.repos import campaigns as campaign_repo
from storage.repos import commitments as repo
from storage.repos import members as member_repo
from storage.repos import schedules as schedule_repo
from storage.repos import units as unit_repo
from storage.repos import users as user_repo

MAX_ITEMS = 15
TEXT_MIN, TEXT_MAX = 10, 500
TARGET_MAX = 200
COMMENT_MIN, COMMENT_MAX = 5, 500
EDIT, SUBMIT, WITHDRAW, APPROVE, RETURN = "edit", "submit", "withdraw", "approve", "return"
ACTIONS = (EDIT, SUBMIT, WITHDRAW, APPROVE, RETURN)

TRANSITIONS: dict[tuple[State, str], State] = {
    (State.DRAFT, EDIT): State.DRAFT,
    (State.DRAFT, SUBMIT): State.SUBMITTED,
    (State.RETURNED, EDIT): State.RETURNED,
    (State.RETURNED, SUBMIT): State.SUBMITTED,
    (State.APPROVED, EDIT): State.AMENDING,
    (State.AMENDING, EDIT): State.AMENDING,
    (State.AMENDING, SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, APPROVE): State.APPROVED,
    (State.SUBMITTED, RETURN): State.RETURNED,
    (State.SUBMITTED, WITHDRAW): State.DRAFT,
}


def next_state(state: State, action: str, ever_approved: bool) -> State:
    """Where `action` takes a commitment in `state`; DomainError if it may not."""
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise DomainError(f"commitment.cannot_{action}", state=Key(f"state.{state.value}"))
    if action == WITHDRAW and ever_approved:
        return State.AMENDING
    return target


@dataclass(frozen=True)
class Sheet:
    """A commitment with everything its screen shows."""

    commitment: CommitmentDTO
    campaign: CampaignDTO
    items: list[ItemDTO]
    owner_name: str
    unit: UnitDTO

    @property
    def pledged(self) -> bool:
        return any(i.kind is ItemKind.PLEDGE for i in self.items)

    @property
    def lines(self) -> list[ItemDTO]:
        return [i for i in self.items if i.kind is not ItemKind.PLEDGE]


def check_text(raw: str) -> str:
    return validation.content(raw, TEXT_MIN, TEXT_MAX, "item.text_length")


def check_target(raw: str) -> str:
    return validation.content(raw, 1, TARGET_MAX, "item.target_length")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def check_deadline(campaign: CampaignDTO, month: int) -> date:
    if not 1 <= month <= 12:
        raise DomainError("error.bad_choice")
    return month_end(campaign.year, month)


async def _campaign_for(session: AsyncSession, unit: UnitDTO) -> CampaignDTO:
    campaign = await campaigns.current(session, unit)
    if campaign is None:
        raise DomainError("commitment.no_campaign")
    return campaign


async def open_personal(session: AsyncSession, actor: Actor, now: datetime) -> Sheet:
    """The member's commitment for the open campaign, created empty on first use."""
    member, unit, campaign = await _personal(session, actor)
    found = await repo.find(session, campaign.id, member.id, None)
    if found is None:
        found = await repo.add(session, campaign.id, member.id, None, now)
    return Sheet(found, campaign, await repo.items(session, found.id), member.full_name, unit)


async def peek_personal(session: AsyncSession, actor: Actor) -> Sheet:
    """The member's commitment as `open_personal` gives it, without writing: one not made yet
    is shown empty (id 0), and made by the first change (a page read in a read-only
    transaction)."""
    member, unit, campaign = await _personal(session, actor)
    found = await repo.find(session, campaign.id, member.id, None)
    if found is None:
        blank = CommitmentDTO(0, campaign.id, member.id, None, State.DRAFT, 0, 0, None, None)
        return Sheet(blank, campaign, [], member.full_name, unit)
    return Sheet(found, campaign, await repo.items(session, found.id), member.full_name, unit)


async def _personal(session: AsyncSession, actor: Actor) -> tuple[MemberDTO, UnitDTO, CampaignDTO]:
    if actor.member is None:
        raise DomainError("profile.not_member")
    unit = await unit_repo.get(session, actor.member.unit_id)
    assert unit is not None
    return actor.member, unit, await _campaign_for(session, unit)


async def open_collective(
    session: AsyncSession, actor: Actor, unit_id: int, now: datetime
) -> Sheet:
    """The cell's collective models (mô hình), kept by its secretary or deputy."""
    unit = await unit_repo.get(session, unit_id)
    if unit is None or unit.closed or not actor.leads(unit):
        raise NotFound()
    campaign = await _campaign_for(session, unit)
    found = await repo.find(session, campaign.id, None, unit.id)
    if found is None:
        found = await repo.add(session, campaign.id, None, unit.id, now)
    return await sheet(session, actor, found.id)


async def peek_collective(session: AsyncSession, actor: Actor, unit_id: int) -> Sheet:
    """`open_collective` without writing: a cell's models not registered yet are shown
    empty (id 0), and made by the first change."""
    unit = await unit_repo.get(session, unit_id)
    if unit is None or unit.closed or not actor.leads(unit):
        raise NotFound()
    campaign = await _campaign_for(session, unit)
    found = await repo.find(session, campaign.id, None, unit.id)
    if found is None:
        blank = CommitmentDTO(0, campaign.id, None, unit.id, State.DRAFT, 0, 0, None, None)
        return Sheet(blank, campaign, [], unit.name, unit)
    return Sheet(found, campaign, await repo.items(session, found.id), unit.name, unit)


async def _owned(session: AsyncSession, actor: Actor, commitment_id: int) -> CommitmentDTO:
    """The commitment if the actor keeps it: its member, or a leader of its cell for models."""
    found = await repo.get(session, commitment_id)
    if found is None:
        raise NotFound()
    if found.member_id is not None:
        if actor.member is None or actor.member.id != found.member_id:
            raise NotFound()
        return found
    unit = await unit_repo.get(session, found.unit_id or 0)
    if unit is None or not actor.leads(unit):
        raise NotFound()
    return found


async def sheet(session: AsyncSession, actor: Actor, commitment_id: int) -> Sheet:
    commitment = await _owned(session, actor, commitment_id)
    return await _sheet(session, commitment)


async def _sheet(session: AsyncSession, commitment: CommitmentDTO) -> Sheet:
    campaign = await _campaign(session, commitment.campaign_id)
    if commitment.member_id is not None:
        member = await member_repo.get(session, commitment.member_id)
        assert member is not None
        unit = await unit_repo.get(session, member.unit_id)
        name = member.full_name
    else:
        unit = await unit_repo.get(session, commitment.unit_id or 0)
        name = unit.name if unit else ""
    assert unit is not None
    return Sheet(commitment, campaign, await repo.items(session, commitment.id), name, unit)


async def _campaign(session: AsyncSession, campaign_id: int) -> CampaignDTO:
    found = await campaign_repo.get(session, campaign_id)
    assert found is not None
    return found


async def _wake(session: AsyncSession, commitment: CommitmentDTO, now: datetime) -> None:
    """What the planner reminds about changed: let it look at this member again."""
    if commitment.member_id is not None:
        await schedule_repo.wake(session, [commitment.member_id], now)


async def _start_edit(session: AsyncSession, commitment: CommitmentDTO, now: datetime) -> None:
    """Any change: draft and returned stay as they are; approved becomes an amendment."""
    await _wake(session, commitment, now)
    state = next_state(commitment.state, EDIT, commitment.approved_version > 0)
    if state is not commitment.state:
        await repo.set_state(session, commitment.id, state, now)


async def add_item(
    session: AsyncSession,
    actor: Actor,
    commitment_id: int,
    kind: ItemKind,
    raw_text: str,
    now: datetime,
) -> ItemDTO:
    commitment = await _owned(session, actor, commitment_id)
    allowed = (ItemKind.MODEL,) if commitment.collective else (ItemKind.EXAMPLE, ItemKind.REMEDIAL)
    if kind not in allowed:
        raise DomainError("error.bad_choice")
    await check_room(session, commitment.id)
    text = check_text(raw_text)
    await _start_edit(session, commitment, now)
    return await repo.add_item(session, commitment.id, kind, text, None, None, now)


async def check_room(session: AsyncSession, commitment_id: int) -> None:
    lines = [i for i in await repo.items(session, commitment_id) if i.kind is not ItemKind.PLEDGE]
    if len(lines) >= MAX_ITEMS:
        raise DomainError("item.too_many", max=MAX_ITEMS)


async def owned_item(
    session: AsyncSession, actor: Actor, item_id: int
) -> tuple[CommitmentDTO, ItemDTO]:
    item = await repo.item(session, item_id)
    if item is None or item.deleted:
        raise DomainError("item.gone")
    return await _owned(session, actor, item.commitment_id), item


async def edit_item(
    session: AsyncSession, actor: Actor, item_id: int, field: str, value: object, now: datetime
) -> ItemDTO:
    """Change the text, the measurable target or the deadline month of an item."""
    commitment, item = await owned_item(session, actor, item_id)
    if item.kind is ItemKind.PLEDGE:
        raise DomainError("error.bad_choice")
    changes: dict[str, object]
    if field == "text":
        changes = {"text": check_text(str(value))}
    elif field == "target":
        changes = {"target": check_target(str(value)) if value else None}
    elif field == "deadline":
        campaign = await _campaign(session, commitment.campaign_id)
        changes = {"deadline": check_deadline(campaign, int(str(value))) if value else None}
    else:
        raise DomainError("error.bad_choice")
    if commitment.state is State.SUBMITTED:
        raise DomainError("commitment.cannot_edit", state=Key("state.submitted"))
    await _start_edit(session, commitment, now)
    await repo.change_item(session, item.id, **changes)
    updated = await repo.item(session, item.id)
    assert updated is not None
    return updated


async def delete_item(session: AsyncSession, actor: Actor, item_id: int, now: datetime) -> ItemDTO:
    commitment, item = await owned_item(session, actor, item_id)
    if commitment.state is State.SUBMITTED:
        raise DomainError("commitment.cannot_edit", state=Key("state.submitted"))
    await _start_edit(session, commitment, now)
    await repo.change_item(session, item.id, deleted_at=now)
    return item


async def pledge(
    session: AsyncSession, actor: Actor, commitment_id: int, text: str, now: datetime
) -> None:
    """Record the pledge not to commit the 27 manifestations (once)."""
    commitment = await _owned(session, actor, commitment_id)
    if commitment.collective:
        raise DomainError("error.bad_choice")
    if any(i.kind is ItemKind.PLEDGE for i in await repo.items(session, commitment.id)):
        raise DomainError("pledge.already")
    if commitment.state is State.SUBMITTED:
        raise DomainError("commitment.cannot_edit", state=Key("state.submitted"))
    await _start_edit(session, commitment, now)
    await repo.add_item(session, commitment.id, ItemKind.PLEDGE, text, None, None, now)


def snapshot(items: list[ItemDTO]) -> list[dict[str, object]]:
    return [
        {
            "id": i.id,
            "kind": i.kind.value,
            "text": i.text,
            "target": i.target,
            "deadline": i.deadline.isoformat() if i.deadline else None,
        }
        for i in items
    ]


async def submit(session: AsyncSession, actor: Actor, commitment_id: int, now: datetime) -> Sheet:
    """Send to the cell for approval; what was sent is kept as a new version."""
    commitment = await _owned(session, actor, commitment_id)
    state = next_state(commitment.state, SUBMIT, commitment.approved_version > 0)
    items = await repo.items(session, commitment.id)
    check_complete(commitment, items)
    version = commitment.version + 1
    await repo.add_version(session, commitment.id, version, snapshot(items), actor.user_id, now)
    await repo.set_state(
        session, commitment.id, state, now, version=version, submitted_at=now, return_comment=None
    )
    await _wake(session, commitment, now)
    return await sheet(session, actor, commitment.id)


def check_complete(commitment: CommitmentDTO, items: list[ItemDTO]) -> None:
    """What a submission needs: at least one line, and a member's pledge. Asked before the
    "send?" question too, so nobody confirms a submission that cannot go."""
    if not [i for i in items if i.kind is not ItemKind.PLEDGE]:
        raise DomainError("commitment.empty")
    if not commitment.collective and not any(i.kind is ItemKind.PLEDGE for i in items):
        raise DomainError("commitment.no_pledge")


async def reviewers(session: AsyncSession, found: Sheet) -> list[int]:
    """Who decides on it: a member's, the cell's leaders; a cell's models, the leaders above
    the cell. Never its own author: a secretary's registration goes to the deputy, or where
    there is none, to the leaders of the nearest unit above that has any and the admins over
    the cell (so a small cell's secretary is never left waiting for herself)."""
    unit = found.unit
    if found.commitment.collective and unit.parent_id is not None:
        unit = await unit_repo.get(session, unit.parent_id) or unit
    owner = await _author(session, found)
    own = [u for u in await user_repo.leaders_of(session, [unit.id]) if u != owner]
    if own:
        return own
    above = [u for u in await leaders_along(session, unit.parent_path) if u != owner]
    admins = [u for u in await user_repo.admins_over(session, unit.path) if u != owner]
    return list(dict.fromkeys(above + admins))


async def _author(session: AsyncSession, found: Sheet) -> int | None:
    if found.commitment.member_id is None:
        return None
    member = await member_repo.get(session, found.commitment.member_id)
    return member.user_id if member is not None else None


async def decided_above(session: AsyncSession, found: Sheet) -> bool:
    """Whether its deciders sit above the cell (told to the author on submitting)."""
    unit = found.unit
    owner = await _author(session, found)
    if found.commitment.collective:
        return True
    return not [u for u in await user_repo.leaders_of(session, [unit.id]) if u != owner]


async def owners(session: AsyncSession, found: Sheet) -> list[int]:
    """Who keeps it: the member, or the cell's leaders for models."""
    if found.commitment.member_id is not None:
        member = await member_repo.get(session, found.commitment.member_id)
        return [member.user_id] if member and member.user_id else []
    return await leaders_to_notify(session, found.unit)


async def withdraw(session: AsyncSession, actor: Actor, commitment_id: int, now: datetime) -> None:
    commitment = await _owned(session, actor, commitment_id)
    state = next_state(commitment.state, WITHDRAW, commitment.approved_version > 0)
    await repo.decide_version(
        session, commitment.id, commitment.version, "withdrawn", None, actor.user_id, now
    )
    await repo.set_state(session, commitment.id, state, now)


async def reviewable(session: AsyncSession, actor: Actor, commitment_id: int) -> Sheet:
    """A commitment the actor may approve: a member's, by the cell's leaders or an admin;
    a cell's models, by the leaders above the cell or an admin."""
    commitment = await repo.get(session, commitment_id)
    if commitment is None:
        raise NotFound()
    found = await _sheet(session, commitment)
    unit = found.unit
    if commitment.collective:
        parent = await unit_repo.get(session, unit.parent_id or 0)
        allowed = actor.is_admin_of(unit) or (parent is not None and actor.leads(parent))
    else:
        allowed = actor.is_admin_of(unit) or actor.leads(unit)
    if not allowed:
        raise NotFound()
    return found


async def decide(
    session: AsyncSession,
    actor: Actor,
    commitment_id: int,
    version: int,
    approve: bool,
    comment: str | None,
    now: datetime,
) -> Sheet:
    """Approve, or return with a comment, the version that was submitted."""
    found = await reviewable(session, actor, commitment_id)
    commitment = found.commitment
    if commitment.version != version or commitment.state is not State.SUBMITTED:
        raise DomainError("approval.stale")
    own = actor.member is not None and actor.member.id == commitment.member_id
    require(not own, "approval.own")
    action = APPROVE if approve else RETURN
    state = next_state(commitment.state, action, commitment.approved_version > 0)
    note = None
    if not approve:
        note = validation.content(
            comment or "", COMMENT_MIN, COMMENT_MAX, "approval.comment_length"
        )
    await repo.decide_version(session, commitment.id, version, action, note, actor.user_id, now)
    values: dict[str, object] = {"decided_at": now, "decided_by": actor.user_id}
    if approve:
        values["approved_version"] = version
    else:
        values["return_comment"] = note
    await repo.set_state(session, commitment.id, state, now, **values)
    await _wake(session, commitment, now)
    await audit.record(
        session,
        actor,
        "commitment_approve" if approve else "commitment_return",
        now,
        subject=f"commitment:{commitment.id}",
        unit_id=await _unit_of(session, commitment),
        version=version,
    )
    return await _sheet(session, await _reload(session, commitment.id))


async def _unit_of(session: AsyncSession, commitment: CommitmentDTO) -> int | None:
    """The unit a commitment belongs to: the member's cell, or the cell itself."""
    if commitment.unit_id is not None:
        return commitment.unit_id
    member = await member_repo.get(session, commitment.member_id or 0)
    return member.unit_id if member is not None else None


async def _reload(session: AsyncSession, commitment_id: int) -> CommitmentDTO:
    found = await repo.get(session, commitment_id)
    assert found is not None
    return found


async def history(session: AsyncSession, actor: Actor, commitment_id: int) -> list[VersionDTO]:
    await _owned(session, actor, commitment_id)
    return await repo.versions(session, commitment_id)


async def last_year_remedial(session: AsyncSession, found: Sheet) -> list[ItemDTO]:
    """What the member undertook to remedy last year, beside this year's registration for
    whoever decides it (a sheet given by `reviewable`); none for a cell's models."""
    if found.commitment.member_id is None:
        return []
    return await repo.remedial_of_year(session, found.commitment.member_id, found.campaign.year - 1)


async def versions_of(session: AsyncSession, found: Sheet) -> list[VersionDTO]:
    """`history` of a sheet already given to its keeper (by `peek_personal` and the like)."""
    return await repo.versions(session, found.commitment.id) if found.commitment.id else []


WAITING_MAX = 200


async def waiting(session: AsyncSession, actor: Actor) -> list[repo.Waiting]:
    """Every registration waiting for a decision the actor may take, oldest first: members'
    of the units they lead or administer (never their own), and cells' models below the
    units they lead. The home of every decision besides its notice."""
    grants = [g.unit_path for g in actor.grants if g.unit_path]
    paths = None if actor.is_tree_admin() else tops(grants)
    if paths == []:
        return []
    open_ids = [c.id for c in await campaign_repo.open_all(session)]
    if not open_ids:
        return []
    found = await repo.submitted_under(session, paths, open_ids, WAITING_MAX)
    mine = actor.member.id if actor.member is not None else None
    # a cell's models (member None) are never "one's own", whoever has no membership
    own = [w for w in found if mine is not None and w.member_id == mine]
    return [w for w in found if w not in own and _may_decide(actor, w)]


def _may_decide(actor: Actor, entry: repo.Waiting) -> bool:
    """The same rule as `reviewable`, on the row already read."""
    unit = UnitDTO(entry.unit_id, None, UnitKind.CHI_BO_CO_SO, entry.unit_name, entry.unit_path)
    if actor.is_admin_of(unit):
        return True
    if entry.member_id is not None:
        return actor.leads(unit)
    parent = UnitDTO(0, None, UnitKind.DANG_BO_CO_SO, "", unit.parent_path)
    return unit.parent_path != "/" and actor.leads(parent)
