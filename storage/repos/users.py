"""Users, their chat accounts and their role grants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import core_rows
from storage.dto import AccountDTO, Grant, Role
from storage.models import Account, RoleGrant, Unit, User
from storage.sql import among


async def find_account(session: AsyncSession, channel: str, external_id: str) -> AccountDTO | None:
    row = await session.execute(
        select(Account, User.language)
        .join(User, User.id == Account.user_id)
        .where(Account.channel == channel, Account.external_id == external_id)
    )
    found = row.first()
    if found is None:
        return None
    account, language = found
    return _account(account, language)


def _account(account: Account, language: str) -> AccountDTO:
    return AccountDTO(
        account.id,
        account.user_id,
        account.channel,
        account.external_id,
        account.chat_id,
        language,
        account.unreachable_at is not None,
    )


async def create_account(
    session: AsyncSession,
    channel: str,
    external_id: str,
    chat_id: str | None,
    display_name: str,
    language: str,
    now: datetime,
) -> AccountDTO:
    user = User(language=language, display_name=display_name[:200], created_at=now)
    session.add(user)
    await session.flush()
    account = Account(
        user_id=user.id,
        channel=channel,
        external_id=external_id,
        chat_id=chat_id,
        created_at=now,
        last_seen_at=now,
    )
    session.add(account)
    await session.flush()
    return _account(account, language)


async def touch_account(
    session: AsyncSession, account_id: int, chat_id: str | None, now: datetime
) -> None:
    values: dict[str, object] = {"last_seen_at": now, "unreachable_at": None}
    if chat_id is not None:
        values["chat_id"] = chat_id
    await session.execute(update(Account).where(Account.id == account_id).values(**values))


async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(language=language))


_GRANTS = (
    select(RoleGrant.role, RoleGrant.unit_id, Unit.path)
    .outerjoin(Unit, Unit.id == RoleGrant.unit_id)
    .where(RoleGrant.user_id == bindparam("user_id"))
)


async def grants(session: AsyncSession, user_id: int) -> list[Grant]:
    rows = await core_rows(session, _GRANTS, user_id=user_id)
    return [Grant(Role(r.role), r.unit_id, r.path or "") for r in rows]


async def has_grant(session: AsyncSession, user_id: int, role: Role, unit_id: int | None) -> bool:
    unit = RoleGrant.unit_id.is_(None) if unit_id is None else RoleGrant.unit_id == unit_id
    found = await session.scalar(
        select(RoleGrant.id).where(RoleGrant.user_id == user_id, RoleGrant.role == role, unit)
    )
    return found is not None


async def add_grant(
    session: AsyncSession,
    user_id: int,
    role: Role,
    unit_id: int | None,
    granted_by: int | None,
    now: datetime,
) -> bool:
    """Grant a role; False if the user already had it."""
    if await has_grant(session, user_id, role, unit_id):
        return False
    session.add(
        RoleGrant(
            user_id=user_id, unit_id=unit_id, role=role, granted_by=granted_by, created_at=now
        )
    )
    await session.flush()
    return True


async def remove_grants(session: AsyncSession, user_id: int, roles: Sequence[Role]) -> None:
    await session.execute(
        delete(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role.in_(list(roles)))
    )


async def leaders_of(session: AsyncSession, unit_ids: Sequence[int]) -> list[int]:
    """User ids of the secretaries and deputies of these units."""
    rows = await session.scalars(
        select(RoleGrant.user_id)
        .where(
            RoleGrant.unit_id.in_(list(unit_ids)),
            RoleGrant.role.in_([Role.SECRETARY, Role.DEPUTY]),
        )
        .distinct()
    )
    return list(rows)


async def reach(session: AsyncSession, user_ids: Sequence[int]) -> list[AccountDTO]:
    """One chat account per user to send them a notice: one that can still be reached, on
    the network they chose when they have one there, else their first; people no account of
    whom can be reached are left out."""
    if not user_ids:
        return []
    rows = await session.execute(
        select(Account, User.language, User.reminder_channel)
        .join(User, User.id == Account.user_id)
        .where(
            Account.user_id.in_(set(user_ids)),
            Account.chat_id.is_not(None),
            Account.unreachable_at.is_(None),
        )
        .order_by(Account.user_id, Account.id)
    )
    chosen: dict[int, AccountDTO] = {}
    for account, language, preferred in rows:
        if account.user_id not in chosen or account.channel == preferred:
            chosen[account.user_id] = _account(account, language)
    return list(chosen.values())


async def languages(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    """Each user's language now (a message composed at send time follows a change)."""
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.language).where(User.id.in_(set(user_ids))))
    return {user_id: language or "vi" for user_id, language in rows}


async def leaders_everywhere(session: AsyncSession) -> list[tuple[int, AccountDTO]]:
    """(unit id, chat account) of every secretary and deputy the bot can reach."""
    rows = await session.execute(
        select(RoleGrant.unit_id, Account, User.language)
        .join(Account, Account.user_id == RoleGrant.user_id)
        .join(User, User.id == RoleGrant.user_id)
        .where(
            RoleGrant.role.in_([Role.SECRETARY, Role.DEPUTY]),
            RoleGrant.unit_id.is_not(None),
            Account.chat_id.is_not(None),
            Account.unreachable_at.is_(None),
        )
        .order_by(RoleGrant.unit_id, RoleGrant.user_id, Account.id)
    )
    seen: set[tuple[int, int]] = set()
    found = []
    for unit_id, account, language in rows:
        if unit_id is not None and (unit_id, account.user_id) not in seen:
            seen.add((unit_id, account.user_id))
            found.append((unit_id, _account(account, language)))
    return found


async def admins_over(session: AsyncSession, path: str) -> list[int]:
    """User ids of the admins of any unit on this path, or of the whole tree."""
    ids = [int(p) for p in path.strip("/").split("/") if p]
    rows = await session.scalars(
        select(RoleGrant.user_id)
        .where(
            RoleGrant.role == Role.ADMIN,
            or_(RoleGrant.unit_id.is_(None), RoleGrant.unit_id.in_(ids)),
        )
        .distinct()
    )
    return list(rows)


async def held(session: AsyncSession, user_ids: Sequence[int]) -> set[tuple[int, Role, int | None]]:
    """(user, role, unit) of every grant these users hold, in one query."""
    if not user_ids:
        return set()
    rows = await session.execute(
        select(RoleGrant.user_id, RoleGrant.role, RoleGrant.unit_id).where(
            among(session.get_bind().dialect, RoleGrant.user_id, user_ids)
        )
    )
    return {(user, Role(role), unit) for user, role, unit in rows}


async def drop_leader_grants_outside(session: AsyncSession, user_id: int, cell_path: str) -> int:
    """A member who moved keeps secretary or deputy rights only where their new cell lies."""
    rows = await session.execute(
        select(RoleGrant.id, Unit.path)
        .join(Unit, Unit.id == RoleGrant.unit_id)
        .where(RoleGrant.user_id == user_id, RoleGrant.role.in_([Role.SECRETARY, Role.DEPUTY]))
    )
    gone = [grant for grant, path in rows if not cell_path.startswith(path)]
    if gone:
        await session.execute(delete(RoleGrant).where(RoleGrant.id.in_(gone)))
    return len(gone)


async def drop_unit_grants(session: AsyncSession, unit_id: int) -> None:
    """A closed unit's secretaries, deputies and admins lose their rights on it."""
    await session.execute(delete(RoleGrant).where(RoleGrant.unit_id == unit_id))


async def accounts_of(session: AsyncSession, user_id: int) -> list[AccountDTO]:
    """Every chat account of a person, reachable or not."""
    rows = await session.execute(
        select(Account, User.language)
        .join(User, User.id == Account.user_id)
        .where(Account.user_id == user_id)
        .order_by(Account.id)
    )
    return [_account(a, lang) for a, lang in rows]
