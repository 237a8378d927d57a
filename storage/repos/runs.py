"""Periodic jobs done per period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import JobRun


async def done(session: AsyncSession, name: str, period: str) -> bool:
    found = await session.scalar(
        select(JobRun.name).where(JobRun.name == name, JobRun.period == period)
    )
    return found is not None


async def mark(session: AsyncSession, name: str, period: str, now: datetime, items: int) -> None:
    """Record the run (a second planner recording the same run changes nothing)."""
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(
        insert(JobRun)
        .values(name=name, period=period, done_at=now, items=items)
        .on_conflict_do_nothing()
    )
