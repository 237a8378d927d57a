"""What follows a unit when it is merged into another: invites, honours, campaigns and the
cell's collective models (where the other unit has none of its own for the same year)."""

from __future__ import annotations

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Campaign, Commitment, Honour, Invite


async def repoint(session: AsyncSession, old: int, new: int) -> None:
    """Move `old`'s belongings to `new` in a few statements."""
    await session.execute(update(Invite).where(Invite.unit_id == old).values(unit_id=new))
    await session.execute(update(Honour).where(Honour.unit_id == old).values(unit_id=new))
    theirs = aliased(Campaign)
    same_year = exists().where(theirs.unit_id == new, theirs.year == Campaign.year)
    await session.execute(
        update(Campaign)
        .where(Campaign.unit_id == old, ~same_year)
        .values(unit_id=new)
        .execution_options(synchronize_session=False)
    )
    other = aliased(Commitment)
    clash = exists().where(and_(other.unit_id == new, other.campaign_id == Commitment.campaign_id))
    await session.execute(
        update(Commitment)
        .where(Commitment.unit_id == old, ~clash)
        .values(unit_id=new)
        .execution_options(synchronize_session=False)
    )


async def open_campaigns_on(session: AsyncSession, unit_id: int) -> int:
    rows = await session.scalars(
        select(Campaign.id).where(Campaign.unit_id == unit_id, Campaign.status == "open")
    )
    return len(list(rows))
