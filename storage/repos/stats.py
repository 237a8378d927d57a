"""Roll-up counts per unit, each unit counting its whole subtree, in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Account, Campaign, CheckIn, Commitment, Member, Unit
from storage.sql import among


@dataclass(frozen=True)
class Counts:
    unit_id: int
    members: int  # active, not exempt
    joined: int  # with a chat account (imported members may not have one yet)
    registered: int  # a commitment submitted (or approved) in an open campaign
    approved: int
    active: int  # at least one progress report since `since`
    unreachable: int  # blocked the bot


async def per_unit(
    session: AsyncSession, unit_ids: Sequence[int], since: datetime
) -> dict[int, Counts]:
    """For each unit, counts over its whole subtree."""
    if not unit_ids:
        return {}
    dialect = session.get_bind().dialect
    group = aliased(Unit)
    under = aliased(Unit)
    in_open = and_(
        Commitment.member_id == Member.id,
        Commitment.campaign_id == Campaign.id,
        Campaign.status == "open",
    )
    registered = exists().where(
        in_open,
        or_(Commitment.state.in_(("submitted", "approved")), Commitment.approved_version > 0),
    )
    approved = exists().where(in_open, Commitment.approved_version > 0)
    active = exists().where(
        CheckIn.commitment_id == Commitment.id,
        Commitment.member_id == Member.id,
        CheckIn.created_at >= since,
    )
    blocked = exists().where(Account.user_id == Member.user_id, Account.unreachable_at.isnot(None))

    def tally(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            group.id,
            func.count(Member.id),
            tally(Member.user_id.isnot(None)),
            tally(registered),
            tally(approved),
            tally(active),
            tally(blocked),
        )
        .select_from(group)
        .join(under, under.path.startswith(group.path))
        .join(Member, and_(Member.unit_id == under.id, Member.status == "active"))
        .where(among(dialect, group.id, unit_ids), Member.exempt.is_(False))
        .group_by(group.id)
    )
    found = {uid: Counts(uid, 0, 0, 0, 0, 0, 0) for uid in unit_ids}
    for row in await session.execute(query):
        uid, *numbers = row
        found[uid] = Counts(uid, *(int(n or 0) for n in numbers))
    return found
