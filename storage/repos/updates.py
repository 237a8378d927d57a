"""Claims on incoming update ids, so a redelivered update is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


async def claim(session: AsyncSession, channel: str, update_id: int, now: datetime) -> bool:
    """Record the update as handled in this transaction; False if it already was."""
    seen = await session.scalar(
        select(ProcessedUpdate.update_id).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == update_id
        )
    )
    if seen is not None:
        return False
    session.add(ProcessedUpdate(channel=channel, update_id=update_id, processed_at=now))
    await session.flush()
    return True


async def prune(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before))
