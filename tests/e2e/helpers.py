"""Small helpers for end-to-end tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.invites import NewInvite, create_system_invite
from domain.members import identify, register
from domain.units import add_path
from storage.dto import Role, UnitDTO
from tests.fakes.botapi import Event

# An invite's link: Telegram's deep link, or the web app's joining page (the same token).
LINK = re.compile(r"(?:https://t\.me/(\w+)\?start=|https?://[\w.:-]+/join/)([A-Za-z0-9_-]+)")


def token_in(event: Event) -> str:
    found = LINK.search(event.text)
    assert found, f"no invite link in: {event.text!r}"
    return found.group(2)


def labels(event: Event) -> list[str]:
    return [label for label, _ in event.buttons]


async def enrol(
    sessions: async_sessionmaker[AsyncSession],
    path: str,
    people: list[tuple[int, Role, str]],
    uses: int = 10,
    position: str | None = None,
) -> tuple[UnitDTO, NewInvite]:
    """Create the cell at `path` and register people in it, the way the services do.

    Returns the cell and a live member invite (with `uses` uses, minus those taken here)."""
    now = datetime.now(UTC)
    async with sessions() as s:
        cell, _ = await add_path(s, path, now)
        member_link = await create_system_invite(s, cell, Role.MEMBER, uses, 14, now)
        for person, role, name in people:
            link = member_link
            if role is not Role.MEMBER:
                link = await create_system_invite(s, cell, role, 1, 14, now)
            found = await identify(s, "telegram", str(person), str(person), "", "vi", False, now)
            profile = {"name": name, "position": position}
            await register(s, found.actor, link.invite.id, profile, now)
        await s.commit()
    return cell, member_link


async def drained(
    sessions: async_sessionmaker[AsyncSession], within: float = 30.0
) -> dict[str, int]:
    """Outbox counts by state once nothing is pending or being sent (the running bot's sender
    has recorded everything); fails, naming what is left, after `within` seconds."""
    import asyncio

    from sqlalchemy import func, select

    from storage.models import OutboxMessage

    for _ in range(int(within / 0.05)):
        async with sessions() as s:
            rows = await s.execute(
                select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            )
            found = {state: int(n) for state, n in rows}
        if "pending" not in found and "sending" not in found:
            return found
        await asyncio.sleep(0.05)
    async with sessions() as s:
        left = (
            await s.execute(
                select(OutboxMessage.dedupe_key, OutboxMessage.state, OutboxMessage.not_before)
                .where(OutboxMessage.state.in_(["pending", "sending"]))
                .limit(10)
            )
        ).all()
    raise AssertionError(f"the outbox did not drain: {left}")
