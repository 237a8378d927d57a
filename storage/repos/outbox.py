"""The outbox: messages to send, each exactly once, claimed by the sender with a lease."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage

PENDING, SENDING, SENT, FAILED, DEAD, UNKNOWN = (
    "pending",
    "sending",
    "sent",
    "failed",
    "dead",
    "unknown",
)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    dedupe_key: str
    kind: str
    channel: str
    chat_id: str
    user_id: int | None
    text: str
    markup: list[list[dict[str, str]]] | None
    attempts: int


async def add_many(session: AsyncSession, rows: Sequence[dict[str, object]]) -> int:
    """Insert rows; a row whose dedupe key exists already is skipped. Returns how many."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = cast(Table, OutboxMessage.__table__)
    statement = (
        insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    )
    conn = await session.connection()
    result = await conn.execute(statement, [_complete(r) for r in rows])
    return len(result.all())


FIELDS = (
    "dedupe_key",
    "kind",
    "channel",
    "chat_id",
    "user_id",
    "text",
    "markup",
    "state",
    "attempts",
    "not_before",
    "created_at",
)


def _complete(row: dict[str, object]) -> dict[str, object]:
    """Every row with the same keys, so one statement serves the whole batch."""
    return {name: row.get(name) for name in FIELDS}


async def claim(
    session: AsyncSession, owner: str, now: datetime, lease_until: datetime, limit: int
) -> list[OutboxRow]:
    """Take a batch of due rows (and rows whose lease ran out) for this sender, in order."""
    due = or_(
        and_(OutboxMessage.state == PENDING, OutboxMessage.not_before <= now),
        and_(OutboxMessage.state == SENDING, OutboxMessage.lease_until < now),
    )
    pick = select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(await session.scalars(pick))
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(state=SENDING, lease_owner=owner, lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    )
    return [
        OutboxRow(
            r.id,
            r.dedupe_key,
            r.kind,
            r.channel,
            r.chat_id,
            r.user_id,
            r.text,
            r.markup,
            r.attempts,
        )
        for r in rows
    ]


async def finish_many(session: AsyncSession, results: Sequence[dict[str, object]]) -> None:
    """Record outcomes: each dict has id, state and the columns to set."""
    if results:
        await session.execute(update(OutboxMessage), list(results))


async def release(session: AsyncSession, owner: str) -> None:
    """Give back rows this sender still holds (orderly shutdown)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == SENDING, OutboxMessage.lease_owner == owner)
        .values(state=PENDING, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


async def counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    rows = await session.execute(
        select(OutboxMessage.state, OutboxMessage.kind, func.count())
        .group_by(OutboxMessage.state, OutboxMessage.kind)
        .order_by(OutboxMessage.state, OutboxMessage.kind)
    )
    return [(state, kind, int(n)) for state, kind, n in rows]


async def retry_dead(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == DEAD)
        .values(state=PENDING, attempts=0, not_before=now, error=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
