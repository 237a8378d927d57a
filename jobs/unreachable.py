"""When an account refuses messages (the person blocked the bot there): that account is
unreachable. A person is unreachable only when every account of theirs is — then, and only
then, their secretaries are told, once. A message the blocked account refused goes to the
person's other account that works (the network they chose first), once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.members import leaders_along
from locales.catalog import t
from storage.models import Account, Member, OutboxMessage, Unit
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


async def reroute(session: AsyncSession, row_ids: Sequence[int], now: datetime) -> int:
    """Send the messages these rows could not deliver (their account is blocked) to each
    person's account that still works; the rows become 'rerouted'. Returns how many."""
    if not row_ids:
        return 0
    rows = list(
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.id.in_(sorted(set(row_ids))), OutboxMessage.user_id.is_not(None)
            )
        )
    )
    users = [row.user_id for row in rows if row.user_id is not None]
    works = {a.user_id: a for a in await user_repo.reach(session, users)}
    copies, moved = [], []
    for row in rows:
        account = works.get(row.user_id) if row.user_id is not None else None
        if account is None or account.chat_id is None or account.channel == row.channel:
            continue
        copies.append(
            outbox_repo.pending(
                f"{row.dedupe_key}>{account.channel}"[:160],
                row.kind,
                (account.channel, account.chat_id, row.user_id),
                now,
                subject=row.subject_id,
                payload=row.payload,
                text=row.text,
                markup=row.markup,
            )
        )
        moved.append(row.id)
    await outbox_repo.add_many(session, copies)
    if moved:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(moved))
            .values(state=outbox_repo.REROUTED)
            .execution_options(synchronize_session=False)
        )
    return len(moved)
