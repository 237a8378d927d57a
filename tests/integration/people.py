"""Making people the way the services do, for integration tests of rules and scopes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import commitments
from domain.access import Actor
from domain.invites import create_system_invite
from domain.members import grant_admin, identify, register
from domain.reference import manifestations
from storage.dto import ItemKind, Role, UnitDTO

NOW = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)


async def actor(s: AsyncSession, ext: int, now: datetime = NOW) -> Actor:
    """The person behind Telegram account `ext`, as the runtime loads them."""
    return (await identify(s, "telegram", str(ext), str(ext), f"tg{ext}", "vi", False, now)).actor


async def person(
    s: AsyncSession, ext: int, cell: UnitDTO, name: str, role: Role = Role.MEMBER,
    now: datetime = NOW,
) -> Actor:  # fmt: skip
    """Join `cell` as a member (and as its secretary or deputy when `role` says so)."""
    who = await actor(s, ext, now)
    if who.member is None:
        link = await create_system_invite(s, cell, Role.MEMBER, 1, 14, now)
        await register(s, who, link.invite.id, {"name": name}, now)
        who = await actor(s, ext, now)
    if role is not Role.MEMBER:
        link = await create_system_invite(s, cell, role, 1, 14, now)
        await register(s, who, link.invite.id, {}, now)
        who = await actor(s, ext, now)
    return who


async def admin(s: AsyncSession, ext: int, unit: UnitDTO | None, now: datetime = NOW) -> Actor:
    """An admin of `unit`'s subtree (None: the whole tree), granted as the CLI grants."""
    await grant_admin(s, "telegram", str(ext), unit, "vi", now)
    return await actor(s, ext, now)


async def registration(
    s: AsyncSession, who: Actor, lines: int = 1, submit: bool = True, now: datetime = NOW
) -> int:
    """`who`'s commitment in the campaign their cell follows, with `lines` items and the
    pledge; submitted unless told otherwise. Returns its id."""
    sheet = await commitments.open_personal(s, who, now)
    for n in range(lines):
        text = f"Nội dung cam kết số {n + 1} của đồng chí"
        await commitments.add_item(s, who, sheet.commitment.id, ItemKind.EXAMPLE, text, now)
    await commitments.pledge(s, who, sheet.commitment.id, manifestations().pledge, now)
    if submit:
        await commitments.submit(s, who, sheet.commitment.id, now)
    return sheet.commitment.id
