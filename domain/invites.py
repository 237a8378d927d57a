"""Invite links: random, hashed, expiring, use-limited and revocable."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor, require
from domain.errors import DomainError, NotFound
from domain.units import visible
from storage.dto import InviteDTO, Role, UnitDTO
from storage.repos import invites as repo
from storage.repos import units as unit_repo

TOKEN_BYTES = 24  # 192 bits; 32 base64url characters
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_USES = 10_000
MAX_DAYS = 365
ROLE_INVITE_USES = 1


@dataclass(frozen=True)
class NewInvite:
    invite: InviteDTO
    token: str
    unit: UnitDTO


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def problem(invite: InviteDTO, now: datetime) -> str | None:
    """The catalog key saying why this invite cannot be used now, or None."""
    if invite.revoked_at is not None:
        return "invite.revoked"
    if now >= invite.expires_at:
        return "invite.expired"
    if invite.uses >= invite.max_uses:
        return "invite.used_up"
    return None


def _check_limits(uses: int, days: int) -> None:
    if not 1 <= uses <= MAX_USES:
        raise DomainError("invite.bad_uses", max=MAX_USES)
    if not 1 <= days <= MAX_DAYS:
        raise DomainError("invite.bad_days", max=MAX_DAYS)


def may_invite(actor: Actor, unit: UnitDTO, role: Role) -> bool:
    if role is Role.MEMBER:
        return unit.kind.is_cell and (actor.is_admin_of(unit) or actor.leads(unit))
    return actor.is_admin_of(unit) or actor.is_secretary_of(unit)


async def _store(
    session: AsyncSession,
    unit: UnitDTO,
    role: Role,
    created_by: int | None,
    uses: int,
    days: int,
    now: datetime,
) -> NewInvite:
    _check_limits(uses, days)
    if role is Role.MEMBER and not unit.kind.is_cell:
        raise DomainError("invite.cells_only")
    token = new_token()
    invite = await repo.add(
        session, hash_token(token), unit.id, role, created_by, now, now + timedelta(days=days), uses
    )
    return NewInvite(invite, token, unit)


async def create_invite(
    session: AsyncSession,
    actor: Actor,
    unit_id: int,
    role: Role,
    uses: int,
    days: int,
    now: datetime,
) -> NewInvite:
    """An invite made in chat, by a secretary or an admin of the unit."""
    unit = await visible(session, actor, unit_id)
    require(may_invite(actor, unit, role))
    made = await _store(session, unit, role, actor.user_id, uses, days, now)
    await audit.record(
        session,
        actor,
        "invite_create",
        now,
        unit_path=unit.path,
        subject=f"invite:{made.invite.id}",
        role=role.value,
        uses=uses,
        days=days,
    )
    return made


async def create_system_invite(
    session: AsyncSession, unit: UnitDTO, role: Role, uses: int, days: int, now: datetime
) -> NewInvite:
    """An invite made by the operator's CLI."""
    return await _store(session, unit, role, None, uses, days, now)


async def check_token(session: AsyncSession, token: str, now: datetime) -> InviteDTO:
    """The usable invite behind a token, or DomainError saying why not."""
    if not TOKEN_RE.match(token):
        raise DomainError("invite.unknown")
    invite = await repo.by_hash(session, hash_token(token))
    if invite is None:
        raise DomainError("invite.unknown")
    why = problem(invite, now)
    if why:
        raise DomainError(why)
    return invite


async def list_invites(
    session: AsyncSession, actor: Actor, unit_id: int, now: datetime
) -> tuple[UnitDTO, list[InviteDTO]]:
    unit = await visible(session, actor, unit_id)
    require(actor.is_admin_of(unit) or actor.leads(unit))
    return unit, await repo.active_of_unit(session, unit.id, now)


async def revoke_invite(
    session: AsyncSession, actor: Actor, invite_id: int, now: datetime
) -> InviteDTO:
    invite = await repo.get(session, invite_id)
    if invite is None:
        raise NotFound()
    unit = await visible(session, actor, invite.unit_id)
    require(may_invite(actor, unit, invite.role))
    if invite.revoked_at is not None:
        raise DomainError("invite.revoked")
    await repo.revoke(session, invite.id, now)
    await audit.record(
        session, actor, "invite_revoke", now, unit_path=unit.path, subject=f"invite:{invite.id}"
    )
    return invite


async def get_invite(session: AsyncSession, invite_id: object) -> InviteDTO:
    """The invite a registration dialogue refers to, or DomainError if it is gone."""
    invite = await repo.get(session, invite_id) if isinstance(invite_id, int) else None
    if invite is None:
        raise DomainError("invite.unknown")
    return invite


async def invite_unit(session: AsyncSession, invite: InviteDTO) -> UnitDTO:
    unit = await unit_repo.get(session, invite.unit_id)
    if unit is None or unit.closed:
        raise DomainError("invite.unknown")
    return unit
