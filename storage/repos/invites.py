"""Invite links, kept as token hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import InviteDTO, Role
from storage.models import Invite


def to_dto(row: Invite) -> InviteDTO:
    return InviteDTO(
        row.id,
        row.unit_id,
        Role(row.role),
        row.created_at,
        row.expires_at,
        row.max_uses,
        row.uses,
        row.revoked_at,
        row.created_by,
        row.member_id,
    )


async def add(
    session: AsyncSession,
    token_hash: str,
    unit_id: int,
    role: str,
    created_by: int | None,
    now: datetime,
    expires_at: datetime,
    max_uses: int,
    code_hash: str | None = None,
) -> InviteDTO:
    row = Invite(
        token_hash=token_hash,
        code_hash=code_hash,
        unit_id=unit_id,
        role=role,
        created_by=created_by,
        created_at=now,
        expires_at=expires_at,
        max_uses=max_uses,
        uses=0,
    )
    session.add(row)
    await session.flush()
    return to_dto(row)


async def by_hash(session: AsyncSession, token_hash: str) -> InviteDTO | None:
    row = await session.scalar(select(Invite).where(Invite.token_hash == token_hash))
    return to_dto(row) if row else None


async def by_code(session: AsyncSession, code_hash: str) -> InviteDTO | None:
    row = await session.scalar(select(Invite).where(Invite.code_hash == code_hash))
    return to_dto(row) if row else None


async def get(session: AsyncSession, invite_id: int) -> InviteDTO | None:
    row = await session.get(Invite, invite_id)
    return to_dto(row) if row else None


async def consume(session: AsyncSession, invite_id: int, now: datetime) -> bool:
    """Take one use, atomically; False if revoked, expired or used up meanwhile."""
    result = await session.execute(
        update(Invite)
        .where(
            Invite.id == invite_id,
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
            Invite.uses < Invite.max_uses,
        )
        .values(uses=Invite.uses + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def revoke(session: AsyncSession, invite_id: int, now: datetime) -> None:
    await session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def active_of_unit(session: AsyncSession, unit_id: int, now: datetime) -> list[InviteDTO]:
    rows = await session.scalars(
        select(Invite)
        .where(
            Invite.unit_id == unit_id,
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
            Invite.uses < Invite.max_uses,
        )
        .order_by(Invite.created_at.desc(), Invite.id.desc())
    )
    return [to_dto(r) for r in rows]
