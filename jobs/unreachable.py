"""When an account refuses messages (the person blocked the bot there): that account is
unreachable. A person is unreachable only when every account of theirs is — then, and only
then, their secretaries are told, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.members import leaders_along
from locales.catalog import t
from storage.models import Account, Member, Unit
from storage.repos import outbox as outbox_repo
from storage.repos import users as user_repo


async def mark_unreachable(
    session: AsyncSession, accounts: Sequence[tuple[str, str]], now: datetime
) -> None:
    """Mark these (channel, chat id) accounts; notify the leaders of members left with no
    account that works."""
    pairs = sorted(set(accounts))
    if not pairs:
        return
    key = tuple_(Account.channel, Account.chat_id)
    users = set(await session.scalars(select(Account.user_id).where(key.in_(pairs))))
    await session.execute(
        update(Account)
        .where(key.in_(pairs), Account.unreachable_at.is_(None))
        .values(unreachable_at=now)
        .execution_options(synchronize_session=False)
    )
    other = aliased(Account)
    works = exists().where(and_(other.user_id == Member.user_id, other.unreachable_at.is_(None)))
    rows = await session.execute(
        select(Member.id, Member.full_name, Unit.name, Unit.path)
        .join(Unit, Unit.id == Member.unit_id)
        .where(Member.user_id.in_(users), Member.status == "active", ~works)
    )
    notices: list[dict[str, object]] = []
    for member_id, name, unit, path in rows:
        for account in await user_repo.reach(session, await leaders_along(session, path)):
            notices.append(
                outbox_repo.pending(
                    f"unreachable:{member_id}:{account.user_id}",
                    "unreachable",
                    (account.channel, account.chat_id, account.user_id),
                    now,
                    text=t(account.language, "notice.unreachable", name=name, unit=unit),
                )
            )
    await outbox_repo.add_many(session, notices)
