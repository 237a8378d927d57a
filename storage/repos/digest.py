"""What a unit's report needs about its members, for many units at once.

A batch of units costs four queries whatever its size (members, open campaigns, commitments
with items, recent check-ins): the weekly run over a province's 10,000 units reads each member
once per report it appears in, never once per query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import CampaignDTO
from storage.models import (
    Account,
    CheckIn,
    Commitment,
    CommitmentItem,
    Member,
    Schedule,
    Unit,
    User,
)
from storage.repos import commitments as commitment_repo
from storage.repos.campaigns import Follow
from storage.sql import among


@dataclass(frozen=True)
class ItemFacts:
    id: int
    text: str
    progress: int
    status: str
    deadline: date | None
    kind: str = "example"
    last_checkin_at: datetime | None = None


@dataclass(frozen=True)
class CheckInFacts:
    item_id: int
    at: datetime
    progress: int
    by_proxy: bool
    evidence: bool = False  # a photo or file came with it


@dataclass
class MemberFacts:
    """One member as a report sees them."""

    member_id: int
    user_id: int | None
    full_name: str
    unit_id: int
    unit_name: str
    unit_path: str
    exempt: bool
    channel: str | None
    chat_id: str | None
    blocked: bool
    missed: int
    since: datetime | None = None  # counted in this cell from then on (joined, transferred)
    campaign: CampaignDTO | None = None
    commitment_id: int | None = None
    state: str | None = None  # None: not started
    approved: bool = False
    items: list[ItemFacts] = field(default_factory=list)
    checkins: list[CheckInFacts] = field(default_factory=list)


async def load(
    session: AsyncSession, unit_ids: Sequence[int], since: datetime, follow: Follow
) -> list[MemberFacts]:
    """Active members of these units with their commitment in the open campaign, its items,
    and their check-ins since `since`; ordered by unit path, then name."""
    if not unit_ids:
        return []
    members = await _members(session, unit_ids)
    nearest = await follow(session, {m.unit_path for m in members.values()})
    for member in members.values():
        member.campaign = nearest[member.unit_path]
    by_commitment = await _commitments(session, members)
    await _checkins(session, by_commitment, since)
    return list(members.values())


async def _members(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, MemberFacts]:
    conn = await session.connection()
    rows = await conn.execute(
        select(
            Member.id,
            Member.user_id,
            Member.full_name,
            Member.unit_id,
            Unit.name,
            Unit.path,
            Member.exempt,
            Account.channel,
            Account.chat_id,
            Account.unreachable_at,
            Schedule.missed,
            Member.unit_since,
            User.reminder_channel,
        )
        .join(Unit, Unit.id == Member.unit_id)
        .outerjoin(User, User.id == Member.user_id)
        .outerjoin(Account, Account.user_id == Member.user_id)
        .outerjoin(Schedule, Schedule.member_id == Member.id)
        .where(among(conn.dialect, Member.unit_id, unit_ids), Member.status == "active")
        .order_by(Unit.path, Member.full_name, Member.id, Account.id)
    )
    found: dict[int, MemberFacts] = {}
    for (
        mid,
        uid,
        name,
        unit_id,
        unit,
        path,
        exempt,
        channel,
        chat,
        blocked_at,
        missed,
        since,
        chosen,
    ) in rows:
        reachable = blocked_at is None and chat is not None
        if mid in found:
            # another account still reaches them, or reaches them on the network they chose
            if reachable and (found[mid].blocked or channel == chosen != found[mid].channel):
                found[mid] = replace(found[mid], channel=channel, chat_id=chat, blocked=False)
            continue
        found[mid] = MemberFacts(
            mid, uid, name, unit_id, unit, path, exempt, channel, chat,
            blocked_at is not None, missed or 0, since,
        )  # fmt: skip
    return found


async def _commitments(
    session: AsyncSession, members: dict[int, MemberFacts]
) -> dict[int, MemberFacts]:
    campaign_ids = {m.campaign.id for m in members.values() if m.campaign}
    if not campaign_ids:
        return {}
    item = CommitmentItem
    columns = (item.id, item.text, item.progress, item.status, item.deadline, item.kind,
               item.last_checkin_at)  # fmt: skip
    rows = await commitment_repo.with_items(
        session, members, campaign_ids, Commitment.state, columns
    )
    by_commitment: dict[int, MemberFacts] = {}
    for cid, member_id, campaign_id, state, approved, *rest in rows:
        member = members.get(member_id) if member_id is not None else None
        if member is None or member.campaign is None or member.campaign.id != campaign_id:
            continue
        if member.commitment_id != cid:
            member.commitment_id, member.state, member.approved = cid, state, approved > 0
            by_commitment[cid] = member
        if rest[0] is not None:
            member.items.append(ItemFacts(*rest))
    return by_commitment


async def _checkins(
    session: AsyncSession, by_commitment: dict[int, MemberFacts], since: datetime
) -> None:
    if not by_commitment:
        return
    conn = await session.connection()
    rows = await conn.execute(
        select(
            CheckIn.commitment_id,
            CheckIn.item_id,
            CheckIn.created_at,
            CheckIn.progress,
            CheckIn.recorded_by,
            CheckIn.evidence_file_id.isnot(None),
        )
        .where(
            among(conn.dialect, CheckIn.commitment_id, by_commitment),
            CheckIn.created_at >= since,
        )
        .order_by(CheckIn.created_at)
    )
    for cid, item_id, at, progress, recorded_by, evidence in rows:
        member = by_commitment[cid]
        proxy = recorded_by is not None and recorded_by != member.user_id
        member.checkins.append(CheckInFacts(item_id, at, progress, proxy, bool(evidence)))
