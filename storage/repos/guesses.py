"""Wrong codes, per account and kind, to limit guessing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Guess


async def add(session: AsyncSession, account_id: int, kind: str, at: datetime) -> None:
    session.add(Guess(account_id=account_id, kind=kind, at=at))
    await session.flush()


async def since(
    session: AsyncSession, account_id: int, kind: str, start: datetime
) -> tuple[int, datetime | None]:
    """How many wrong codes since `start`, and the earliest of them."""
    row = await session.execute(
        select(func.count(), func.min(Guess.at)).where(
            Guess.account_id == account_id, Guess.kind == kind, Guess.at >= start
        )
    )
    count, first = row.one()
    return int(count or 0), first


async def prune(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(Guess).where(Guess.at < before))
