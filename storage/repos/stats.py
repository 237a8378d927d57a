"""Roll-up counts per unit, each unit counting its whole subtree, in one query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Account, CheckIn, Commitment, Member, Unit
from storage.sql import among, pairs


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
    session: AsyncSession, unit_ids: Sequence[int], since: datetime, follows: Mapping[int, int]
) -> dict[int, Counts]:
    """For each unit, counts over its whole subtree; a member's registration counts in the
    campaign their cell follows (`follows`: unit id -> campaign id, from the domain's rule)."""
    if not unit_ids:
        return {}
    dialect = session.get_bind().dialect
    group = aliased(Unit)
    under = aliased(Unit)
    follow = pairs(dialect, follows, "unit_id", "campaign_id")
    in_open = and_(
        Commitment.member_id == Member.id,
        Commitment.campaign_id == follow.c.campaign_id,
    )
    registered = exists().where(
        in_open,
        or_(Commitment.state.in_(("submitted", "approved")), Commitment.approved_version > 0),
    )
    approved = exists().where(in_open, Commitment.approved_version > 0)
    # reports count for the cell from the day the member was counted in it (a transfer)
    in_cell = or_(Member.unit_since.is_(None), CheckIn.created_at >= Member.unit_since)
    active = exists().where(
        in_open, CheckIn.commitment_id == Commitment.id, CheckIn.created_at >= since, in_cell
    )
    # unreachable: every account the person has refuses messages (one that works is enough)
    blocked = and_(
        exists().where(Account.user_id == Member.user_id, Account.unreachable_at.isnot(None)),
        ~exists().where(Account.user_id == Member.user_id, Account.unreachable_at.is_(None)),
    )

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
        .outerjoin(follow, follow.c.unit_id == Member.unit_id)
        .where(among(dialect, group.id, unit_ids), Member.exempt.is_(False))
        .group_by(group.id)
    )
    found = {uid: Counts(uid, 0, 0, 0, 0, 0, 0) for uid in unit_ids}
    for row in await session.execute(query):
        uid, *numbers = row
        found[uid] = Counts(uid, *(int(n or 0) for n in numbers))
    return found
