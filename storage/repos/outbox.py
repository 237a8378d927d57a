"""The outbox: messages to send, each exactly once, claimed by the sender with a lease."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import OutboxMessage
from storage.sql import among
from storage.types import sqlite_datetime

PENDING, SENDING, SENT, FAILED, DEAD, UNKNOWN, OBSOLETE, REROUTED = (
    "pending",
    "sending",
    "sent",
    "failed",
    "dead",
    "unknown",
    "obsolete",  # composed at send time with nothing left to say (see jobs/compose.py)
    "rerouted",  # refused by an account the person blocked: sent to their other account
)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    dedupe_key: str
    kind: str
    channel: str
    chat_id: str
    user_id: int | None
    text: str | None
    markup: list[list[dict[str, str]]] | None
    attempts: int
    subject_id: int | None = None
    payload: dict[str, object] | None = None
    created_at: datetime | None = None
    parts_sent: int = 0  # of a message sent in parts: how many went (resumed from the next)


Recipient = tuple[str | None, str | None, int | None]  # channel, chat id, user id


def pending(
    dedupe_key: str,
    kind: str,
    to: Recipient,
    now: datetime,
    *,
    subject: int | None = None,
    payload: dict[str, object] | None = None,
    text: str | None = None,
    not_before: datetime | None = None,
    markup: list[list[dict[str, str]]] | None = None,
) -> dict[str, object]:
    """A row for `add_many`: a message to send from `not_before` (now by default); without
    text, it is composed when sent from its kind, subject and payload (jobs/compose.py)."""
    return {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "channel": to[0],
        "chat_id": to[1],
        "user_id": to[2],
        "subject_id": subject,
        "payload": payload,
        "text": text,
        "markup": markup,
        "state": PENDING,
        "attempts": 0,
        "not_before": not_before or now,
        "created_at": now,
    }


async def add_many(session: AsyncSession, rows: Sequence[dict[str, object]]) -> int:
    """Insert rows; a row whose dedupe key exists already is skipped. Returns how many."""
    if not rows:
        return 0
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        return await _add_many_postgres(conn, rows)
    # SQLite: one raw executemany (values converted here as the column types would), and
    # the rows it inserted counted (a skipped duplicate changes nothing).
    params = [tuple(_sqlite_value(name, row.get(name)) for name in FIELDS) for row in rows]
    done = await conn.exec_driver_sql(_SQLITE_INSERT, params)
    return int(done.rowcount)


def _sqlite_value(name: str, value: object) -> object:
    if name in ("markup", "payload"):
        return None if value is None else json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return sqlite_datetime(value)
    return value


_PG_ARRAYS: dict[str, ARRAY[Any]] = {
    "dedupe_key": ARRAY(String),
    "kind": ARRAY(String),
    "channel": ARRAY(String),
    "chat_id": ARRAY(String),
    "user_id": ARRAY(Integer),
    "text": ARRAY(Text),
    "markup": ARRAY(Text),  # JSON text, cast below
    "subject_id": ARRAY(Integer),
    "payload": ARRAY(Text),
    "state": ARRAY(String),
    "attempts": ARRAY(Integer),
    "not_before": ARRAY(DateTime),
    "created_at": ARRAY(DateTime),
}
_PG_INSERT = text(
    "INSERT INTO outbox (" + ", ".join(_PG_ARRAYS) + ") "
    "SELECT dedupe_key, kind, channel, chat_id, user_id, text, markup::json, subject_id, "
    "payload::json, state, attempts, not_before, created_at FROM unnest("
    + ", ".join(f":{name}" for name in _PG_ARRAYS)
    + ") AS v("
    + ", ".join(_PG_ARRAYS)
    + ") ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
).bindparams(*(bindparam(name, type_=kind) for name, kind in _PG_ARRAYS.items()))


async def _add_many_postgres(conn: AsyncConnection, rows: Sequence[dict[str, object]]) -> int:
    """One INSERT ... SELECT FROM unnest(arrays) for the whole batch."""
    columns: dict[str, list[object]] = {name: [] for name in _PG_ARRAYS}
    for row in rows:
        for name in _PG_ARRAYS:
            value = row.get(name)
            if name in ("markup", "payload"):
                value = None if value is None else json.dumps(value, ensure_ascii=False)
            elif isinstance(value, datetime):
                value = value.astimezone(UTC).replace(tzinfo=None)
            columns[name].append(value)
    result = await conn.execute(_PG_INSERT, columns)
    return len(result.all())


FIELDS = (
    "dedupe_key",
    "kind",
    "channel",
    "chat_id",
    "user_id",
    "text",
    "markup",
    "subject_id",
    "payload",
    "state",
    "attempts",
    "not_before",
    "created_at",
)


_SQLITE_INSERT = (
    f"INSERT INTO outbox ({', '.join(FIELDS)}) VALUES ({', '.join('?' for _ in FIELDS)}) "
    "ON CONFLICT (dedupe_key) DO NOTHING"
)


# Kinds that go before the queue: a notice caused by someone's action (a submission to
# approve, an approval to hear of) and an admin's delivery report must not wait behind the
# 150,000 reminders or announcements ahead of them.
URGENT = ("notice", "broadcast_report")


async def claim(
    session: AsyncSession, owner: str, now: datetime, lease_until: datetime, limit: int
) -> list[OutboxRow]:
    """Take a batch of due rows (and rows whose lease ran out) for this sender, in order;
    urgent kinds first."""
    due = or_(
        and_(OutboxMessage.state == PENDING, OutboxMessage.not_before <= now),
        # a dead sender's rows, once their lease ran out; never this sender's own (their
        # outcome may be waiting to be written)
        and_(
            OutboxMessage.state == SENDING,
            OutboxMessage.lease_until < now,
            OutboxMessage.lease_owner != owner,
        ),
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    urgent = (
        select(OutboxMessage.id)
        .where(OutboxMessage.kind.in_(URGENT), due)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if postgres:
        urgent = urgent.with_for_update(skip_locked=True)
    ids = list(await session.scalars(urgent))
    pick = select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit - len(ids))
    if ids:
        pick = pick.where(OutboxMessage.id.not_in(ids))
    if postgres:
        pick = pick.with_for_update(skip_locked=True)
    ids += list(await session.scalars(pick))
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(state=SENDING, lease_owner=owner, lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    # Plain rows, not ORM objects: the sender's one thread also sends, so every
    # per-message cost here shows in its throughput.
    rows = await session.execute(select(*_ROW_COLUMNS).where(OutboxMessage.id.in_(ids)))
    order = {row_id: n for n, row_id in enumerate(ids)}
    return sorted((OutboxRow(*r) for r in rows), key=lambda r: order[r.id])


_ROW_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.dedupe_key,
    OutboxMessage.kind,
    OutboxMessage.channel,
    OutboxMessage.chat_id,
    OutboxMessage.user_id,
    OutboxMessage.text,
    OutboxMessage.markup,
    OutboxMessage.attempts,
    OutboxMessage.subject_id,
    OutboxMessage.payload,
    OutboxMessage.created_at,
    OutboxMessage.parts_sent,
)


def to_row(r: OutboxMessage) -> OutboxRow:
    """A loaded model as the sender's row (tests and tools that hold models)."""
    return OutboxRow(*(getattr(r, column.key) for column in _ROW_COLUMNS))


# What an outcome may set (jobs/sender.py); anything else is a programming error.
_OUTCOME_COLUMNS = frozenset(
    (
        "state",
        "lease_owner",
        "lease_until",
        "sent_at",
        "message_id",
        "attempts",
        "error",
        "not_before",
        "parts_sent",
    )
)


async def finish_many(session: AsyncSession, results: Sequence[dict[str, object]]) -> None:
    """Record outcomes: each dict has id, state and the columns to set.

    On SQLite one raw executemany per shape of outcome (sent, retry, failed, ...): the ORM's
    bulk update costs a few hundred microseconds a row in the thread that also sends."""
    if not results:
        return
    conn = await session.connection()
    if conn.dialect.name != "sqlite":
        await session.execute(update(OutboxMessage), list(results))
        return
    shapes: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
    for result in results:
        names = tuple(sorted(name for name in result if name != "id"))
        values = tuple(_sqlite_value(name, result[name]) for name in names)
        shapes.setdefault(names, []).append((*values, result["id"]))
    for names, params in shapes.items():
        unknown = set(names) - _OUTCOME_COLUMNS
        if unknown:
            raise ValueError(f"not an outcome column: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in names)
        await conn.exec_driver_sql(f"UPDATE outbox SET {assignments} WHERE id = ?", params)


async def release(session: AsyncSession, owner: str, ids: Sequence[int]) -> None:
    """Give back rows this sender holds and did not send (stopping, or its lock lost)."""
    await _held_by(session, owner, ids, state=PENDING, lease_owner=None, lease_until=None)


async def extend(session: AsyncSession, owner: str, ids: Sequence[int], until: datetime) -> None:
    """Keep the lease of rows still in this sender's hand."""
    await _held_by(session, owner, ids, lease_until=until)


async def _held_by(session: AsyncSession, owner: str, ids: Sequence[int], **values: object) -> None:
    """Set `values` on those of these rows that `owner` is still sending."""
    if not ids:
        return
    await session.execute(
        update(OutboxMessage)
        .where(
            among(session.get_bind().dialect, OutboxMessage.id, ids),
            OutboxMessage.state == SENDING,
            OutboxMessage.lease_owner == owner,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def cancelled_broadcasts(session: AsyncSession, ids: set[int | None]) -> set[int]:
    from storage.models import Broadcast

    wanted = [i for i in ids if i is not None]
    if not wanted:
        return set()
    rows = await session.scalars(
        select(Broadcast.id).where(Broadcast.id.in_(wanted), Broadcast.state == "cancelled")
    )
    return set(rows)


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
