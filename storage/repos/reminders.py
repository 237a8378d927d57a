"""What the planner needs about a batch of members, in a handful of set queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import CampaignDTO
from storage.models import Account, Commitment, CommitmentItem, Member, Unit, User
from storage.repos import commitments as commitment_repo
from storage.repos.campaigns import Follow
from storage.sql import among


@dataclass(frozen=True)
class OpenItem:
    id: int
    text: str
    deadline: date | None
    progress: int
    last_checkin_at: datetime | None


@dataclass
class MemberYear:
    """One member, where to reach them, and their commitment in the open campaign."""

    member_id: int
    user_id: int | None
    full_name: str
    unit_id: int
    unit_path: str
    exempt: bool
    active: bool
    channel: str | None = None
    chat_id: str | None = None
    language: str = "vi"
    unreachable: bool = False
    campaign: CampaignDTO | None = None
    commitment_id: int | None = None
    submitted: bool = False
    approved: bool = False
    items: list[OpenItem] = field(default_factory=list)


async def load(
    session: AsyncSession, member_ids: Sequence[int], follow: Follow, texts: bool = True
) -> dict[int, MemberYear]:
    """The members and their open items in the campaign their cell follows (`follow`);
    `texts=False` leaves the item texts empty (the planner's rules do not read them; the
    message is composed when it is sent)."""
    found = await _members(session, member_ids)
    nearest = await follow(session, {year.unit_path for year in found.values()})
    for year in found.values():
        year.campaign = nearest[year.unit_path]
    await _commitments(session, found, texts)
    return found


async def _members(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, MemberYear]:
    conn = await session.connection()  # plain rows: no ORM identity map for a burst
    rows = await conn.execute(
        select(
            Member.id,
            Member.user_id,
            Member.full_name,
            Member.unit_id,
            Member.exempt,
            Member.status,
            Unit.path,
            Account.channel,
            Account.chat_id,
            Account.unreachable_at,
            User.language,
            User.reminder_channel,
        )
        .join(Unit, Unit.id == Member.unit_id)
        .outerjoin(User, User.id == Member.user_id)
        .outerjoin(Account, Account.user_id == Member.user_id)
        .where(among(conn.dialect, Member.id, member_ids))
        .order_by(Member.id, Account.id)
    )
    found: dict[int, MemberYear] = {}
    for (
        member_id,
        user_id,
        name,
        unit_id,
        exempt,
        status,
        path,
        channel,
        chat_id,
        unreachable_at,
        language,
        preferred,
    ) in rows:
        if member_id in found:
            # another account: better if it works and the one kept does not, or if it is on
            # the network the person chose for reminders and works
            kept = found[member_id]
            works = unreachable_at is None and chat_id is not None
            if works and (kept.unreachable or (channel == preferred != kept.channel)):
                found[member_id] = replace(
                    kept, channel=channel, chat_id=chat_id, unreachable=False
                )
            continue
        if member_id not in found:
            found[member_id] = MemberYear(
                member_id,
                user_id,
                name,
                unit_id,
                path,
                exempt,
                status == "active",
                channel,
                chat_id,
                language or "vi",
                unreachable_at is not None,
            )
    return found


async def _commitments(session: AsyncSession, found: dict[int, MemberYear], texts: bool) -> None:
    """Each member's commitment in their open campaign with its open items, in one query."""
    campaign_ids = {y.campaign.id for y in found.values() if y.campaign}
    if not campaign_ids:
        return
    item = CommitmentItem
    text = item.text if texts else literal("")
    columns = (item.id, text, item.deadline, item.progress, item.last_checkin_at)
    rows = await commitment_repo.with_items(
        session, found, campaign_ids, Commitment.version, columns
    )
    for commitment_id, member_id, campaign_id, version, approved, *rest in rows:
        year = found.get(member_id) if member_id is not None else None
        if year is None or year.campaign is None or year.campaign.id != campaign_id:
            continue
        if year.commitment_id != commitment_id:
            year.commitment_id, year.submitted = commitment_id, version > 0
            year.approved = approved > 0
        if rest[0] is not None:
            year.items.append(OpenItem(*rest))
