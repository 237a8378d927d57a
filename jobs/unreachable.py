"""When a person blocked the bot: mark them unreachable and tell their secretaries once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.members import leaders_along
from locales.catalog import t
from storage.models import Account, Member, Unit
from storage.repos import outbox as outbox_repo
from storage.repos import users as user_repo


async def mark_unreachable(session: AsyncSession, user_ids: Sequence[int], now: datetime) -> None:
    ids = sorted(set(user_ids))
    await session.execute(
        update(Account)
        .where(Account.user_id.in_(ids), Account.unreachable_at.is_(None))
        .values(unreachable_at=now)
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(
        select(Member.id, Member.full_name, Unit.name, Unit.path)
        .join(Unit, Unit.id == Member.unit_id)
        .where(Member.user_id.in_(ids), Member.status == "active")
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
