"""Files served by link for a short while (networks that take files only as links)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SharedFile


async def put(
    session: AsyncSession,
    token_hash: str,
    filename: str,
    mime: str,
    data: bytes,
    expires_at: datetime,
) -> None:
    session.add(
        SharedFile(
            token_hash=token_hash, filename=filename, mime=mime, data=data, expires_at=expires_at
        )
    )
    await session.flush()


async def get(
    session: AsyncSession, token_hash: str, now: datetime
) -> tuple[str, str, bytes] | None:
    row = await session.scalar(
        select(SharedFile).where(SharedFile.token_hash == token_hash, SharedFile.expires_at > now)
    )
    return (row.filename, row.mime, row.data) if row is not None else None


async def prune(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(SharedFile).where(SharedFile.expires_at <= now))
