"""What the running processes say about themselves: the sender's and the pollers' heartbeats,
read by `neuguong outbox status` and the health check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RuntimeStatus


@dataclass(frozen=True)
class Beat:
    name: str
    owner: str
    at: datetime
    detail: dict[str, object]


async def beat(
    session: AsyncSession, name: str, owner: str, at: datetime, detail: dict[str, object]
) -> None:
    """Record that `owner` (a sender, a poller) is alive now, with its counters."""
    done = await session.execute(
        update(RuntimeStatus)
        .where(RuntimeStatus.name == name, RuntimeStatus.owner == owner)
        .values(at=at, detail=detail)
        .execution_options(synchronize_session=False)
    )
    if not getattr(done, "rowcount", 0):
        session.add(RuntimeStatus(name=name, owner=owner, at=at, detail=detail))
        await session.flush()


async def latest(session: AsyncSession, name: str) -> list[Beat]:
    rows = await session.scalars(
        select(RuntimeStatus).where(RuntimeStatus.name == name).order_by(RuntimeStatus.at.desc())
    )
    return [Beat(r.name, r.owner, r.at, dict(r.detail)) for r in rows]


async def networks(session: AsyncSession) -> list[Beat]:
    """Each process's networks: receiving, or down and retried (bot/health.py)."""
    rows = await session.scalars(
        select(RuntimeStatus)
        .where(RuntimeStatus.name.startswith("net:"))
        .order_by(RuntimeStatus.name, RuntimeStatus.at.desc())
    )
    return [Beat(r.name.removeprefix("net:"), r.owner, r.at, dict(r.detail)) for r in rows]


async def prune(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(RuntimeStatus).where(RuntimeStatus.at < before))
