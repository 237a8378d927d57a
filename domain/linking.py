"""One person on two networks: a member asks for a one-time code on the network they use, and
sends it to the bot from the other one; that account then belongs to the same person (never a
second member). The person chooses which network gets reminders and reports.

Codes are 8 random digits (easy to type on a phone), valid 10 minutes, used once, kept only as
a SHA-256. The account that links must be a bare one (no membership, no role): linking never
merges two memberships."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import guesses
from domain.access import Actor
from domain.errors import DomainError
from domain.guesses import Refused
from storage.dto import AccountDTO
from storage.repos import linking as repo
from storage.repos import schedules as schedule_repo

CODE_DIGITS = 8
VALID = timedelta(minutes=10)
CODE = re.compile(r"^\s*(\d{4})[\s-]?(\d{4})\s*$")


def _hash(code: str) -> str:
    return hashlib.sha256(f"link:{code}".encode()).hexdigest()


async def new_code(session: AsyncSession, actor: Actor, now: datetime) -> str:
    """A fresh code for this person (an earlier one stops working)."""
    if actor.member is None and not actor.grants:
        raise DomainError("link.nothing_to_link")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    await repo.add_code(session, _hash(code), actor.user_id, now, now + VALID)
    return code


async def link(
    session: AsyncSession, actor: Actor, account: AccountDTO, raw: str, now: datetime
) -> int | Refused:
    """Give this account to the person whose code it is; returns their user id. A wrong code
    is counted against the account (domain/guesses.py) and refused, recorded, not raised."""
    if actor.member is not None or actor.grants:
        raise DomainError("link.already_member")
    refused = await guesses.locked(session, actor, account.id, "link", now)
    if refused is not None:
        return refused
    found = CODE.match(raw or "")
    owner = (
        await repo.take_code(session, _hash(found.group(1) + found.group(2)), now)
        if found is not None
        else None
    )
    if owner is None:
        return await guesses.wrong(session, actor, account.id, "link", "link.bad_code", now)
    if owner == actor.user_id:
        raise DomainError("link.same")
    await repo.move_account(session, account.id, owner)
    await repo.drop_if_empty(session, actor.user_id)
    return owner


async def networks(session: AsyncSession, actor: Actor) -> tuple[list[str], str | None]:
    """The person's networks, and the one chosen for reminders (None: the first)."""
    return await repo.channels(session, actor.user_id), await repo.reminder_channel(
        session, actor.user_id
    )


async def choose_reminder_network(
    session: AsyncSession, actor: Actor, channel: str, now: datetime
) -> None:
    if channel not in await repo.channels(session, actor.user_id):
        raise DomainError("error.bad_choice")
    await repo.set_reminder_channel(session, actor.user_id, channel)
    if actor.member is not None:
        await schedule_repo.wake(session, [actor.member.id], now)
