"""What the planner needs about a batch of members, in a handful of set queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import CampaignDTO
from storage.models import Account, Commitment, CommitmentItem, Member, Unit, User
from storage.repos import campaigns as campaign_repo


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


async def load(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, MemberYear]:
    found = await _members(session, member_ids)
    campaigns = await campaign_repo.open_for_units(session, list(_all_ancestors(found)))
    by_unit = {c.unit_id: c for c in campaigns}
    for year in found.values():
        ancestors = [int(p) for p in year.unit_path.strip("/").split("/") if p]
        year.campaign = next((by_unit[u] for u in reversed(ancestors) if u in by_unit), None)
    await _commitments(session, found)
    return found


def _all_ancestors(found: dict[int, MemberYear]) -> set[int]:
    ids: set[int] = set()
    for year in found.values():
        ids.update(int(p) for p in year.unit_path.strip("/").split("/") if p)
    return ids


async def _members(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, MemberYear]:
    rows = await session.execute(
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
        )
        .join(Unit, Unit.id == Member.unit_id)
        .outerjoin(User, User.id == Member.user_id)
        .outerjoin(Account, Account.user_id == Member.user_id)
        .where(Member.id.in_(list(member_ids)))
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
    ) in rows:
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


async def _commitments(session: AsyncSession, found: dict[int, MemberYear]) -> None:
    pairs = {(y.campaign.id, y.member_id) for y in found.values() if y.campaign}
    if not pairs:
        return
    rows = await session.execute(
        select(
            Commitment.id,
            Commitment.member_id,
            Commitment.campaign_id,
            Commitment.version,
            Commitment.approved_version,
        ).where(Commitment.member_id.in_([m for _, m in pairs]))
    )
    by_commitment: dict[int, MemberYear] = {}
    for commitment_id, member_id, campaign_id, version, approved in rows:
        if member_id is None:
            continue
        year = found[member_id]
        if year.campaign is None or year.campaign.id != campaign_id:
            continue
        year.commitment_id, year.submitted, year.approved = commitment_id, version > 0, approved > 0
        by_commitment[commitment_id] = year
    if not by_commitment:
        return
    items = await session.execute(
        select(
            CommitmentItem.commitment_id,
            CommitmentItem.id,
            CommitmentItem.text,
            CommitmentItem.deadline,
            CommitmentItem.progress,
            CommitmentItem.last_checkin_at,
        )
        .where(
            CommitmentItem.commitment_id.in_(list(by_commitment)),
            CommitmentItem.deleted_at.is_(None),
            CommitmentItem.kind != "pledge",
        )
        .order_by(CommitmentItem.commitment_id, CommitmentItem.position)
    )
    for commitment_id, item_id, text, deadline, progress, last in items:
        by_commitment[commitment_id].items.append(OpenItem(item_id, text, deadline, progress, last))
