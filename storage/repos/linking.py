"""One person, several networks: one-time link codes, moving an account, the reminder network."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Account, LinkCode, Member, RoleGrant, User


async def add_code(
    session: AsyncSession, code_hash: str, user_id: int, now: datetime, expires_at: datetime
) -> None:
    await session.execute(delete(LinkCode).where(LinkCode.user_id == user_id))  # one at a time
    session.add(
        LinkCode(code_hash=code_hash, user_id=user_id, created_at=now, expires_at=expires_at)
    )
    await session.flush()


async def take_code(session: AsyncSession, code_hash: str, now: datetime) -> int | None:
    """The person behind a live code, which is used up by this; None if unknown or stale."""
    found = await session.scalar(
        select(LinkCode.user_id).where(
            LinkCode.code_hash == code_hash, LinkCode.used_at.is_(None), LinkCode.expires_at > now
        )
    )
    if found is None:
        return None
    done = await session.execute(
        update(LinkCode)
        .where(LinkCode.code_hash == code_hash, LinkCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(found) if getattr(done, "rowcount", 0) == 1 else None


async def move_account(session: AsyncSession, account_id: int, user_id: int) -> None:
    await session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(user_id=user_id)
        .execution_options(synchronize_session=False)
    )


async def drop_if_empty(session: AsyncSession, user_id: int) -> None:
    """Remove a person record left with no account, membership or role."""
    used = await session.scalar(
        select(
            exists().where(Account.user_id == user_id)
            | exists().where(Member.user_id == user_id)
            | exists().where(RoleGrant.user_id == user_id)
        )
    )
    if not used:
        await session.execute(delete(User).where(User.id == user_id))


async def channels(session: AsyncSession, user_id: int) -> list[str]:
    rows = await session.scalars(
        select(Account.channel).where(Account.user_id == user_id).order_by(Account.id)
    )
    return list(dict.fromkeys(rows))


async def reminder_channel(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(select(User.reminder_channel).where(User.id == user_id))


async def set_reminder_channel(session: AsyncSession, user_id: int, channel: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(reminder_channel=channel))
