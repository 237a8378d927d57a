"""Invite links: random, hashed, expiring, use-limited and revocable."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, guesses
from domain.access import Actor, require
from domain.errors import DomainError, NotFound
from domain.guesses import Refused
from domain.units import visible
from storage.dto import InviteDTO, Role, UnitDTO
from storage.repos import invites as repo
from storage.repos import units as unit_repo

TOKEN_BYTES = 24  # 192 bits; 32 base64url characters
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_USES = 10_000
MAX_DAYS = 365
ROLE_INVITE_USES = 1


# Short codes for people who type slowly: eight characters with no look-alikes (no 0/O,
# 1/I/L, 2/Z, 5/S, 8/B); case, spaces and hyphens ignored. 25⁸ ≈ 1.5·10¹¹, and guessing is
# limited per account (domain/guesses.py).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


@dataclass(frozen=True)
class NewInvite:
    invite: InviteDTO
    token: str
    unit: UnitDTO
    code: str = ""

    @property
    def shown_code(self) -> str:
        """ABCD-EFGH: easier to read out and to type."""
        return f"{self.code[:4]}-{self.code[4:]}" if self.code else ""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


_IN_TEXT = re.compile(r"(?:start=|^|[\s/=])([A-Za-z0-9_-]{32})(?=$|[\s&#])")


def token_in(text: str) -> str | None:
    """The invite token in what a person sent: the token alone, or a whole pasted link
    (t.me/…?start=…, the web page's link, with spaces around)."""
    found = _IN_TEXT.search(text.strip())
    return found.group(1) if found else None


def code_key(raw: str) -> str | None:
    """A typed code as stored, or None if it cannot be one ('abcd efgh', 'ABCD-EFGH')."""
    code = "".join(ch for ch in raw.upper() if ch not in " -._")
    return code if CODE_RE.match(code) else None


def hash_code(code: str) -> str:
    return hashlib.sha256(f"invite-code:{code}".encode("ascii")).hexdigest()


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
    token, code = new_token(), new_code()
    invite = await repo.add(
        session, hash_token(token), unit.id, role, created_by, now, now + timedelta(days=days),
        uses, hash_code(code),
    )  # fmt: skip
    return NewInvite(invite, token, unit, code)


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


async def check_code(
    session: AsyncSession, actor: Actor, account_id: int, raw: str, now: datetime
) -> InviteDTO | Refused:
    """The usable invite behind a typed short code; a wrong one counts against the account,
    and after too many even the right one waits (refused and recorded, not raised)."""
    refused = await guesses.locked(session, actor, account_id, "invite", now)
    if refused is not None:
        return refused
    code = code_key(raw)
    invite = await repo.by_code(session, hash_code(code)) if code else None
    if invite is None:
        return await guesses.wrong(session, actor, account_id, "invite", "invite.bad_code", now)
    why = problem(invite, now)
    if why is not None:
        return Refused(why)
    return invite
