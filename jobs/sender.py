"""The outbox sender: claim due rows with a lease, deliver them through the channel, record.

- sent: state sent, with the channel's message id;
- 429: the whole sender waits retry_after and sends the same message again (order kept);
- 5xx or a network error before sending: retried with exponential backoff and jitter, then
  dead-lettered with the reason;
- 403: the person is marked unreachable, nothing more is tried, their secretaries are told once;
- 400: dead-lettered with the reason;
- a timeout after the request went out: state "unknown" (it may have arrived), never resent;
- a reminder composed at send time with nothing left to remind: state "obsolete", not sent.

While a batch is sent, the next one is claimed and composed; outcomes are written in the
background every `flush_every` rows and always before the next batch starts, so a killed
sender can have sent at most one batch without recording it.

Exactly one sender is active per database: on PostgreSQL it holds an advisory lock (a new
holder takes over within `lock_retry` seconds of the old one dying); on SQLite only one
process runs at all. A killed sender's in-flight rows are re-claimed when their lease ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from jobs.channel import Attachment, Channel, Outcome, Result
from jobs.compose import compose
from jobs.limits import Limiter, Limits
from jobs.unreachable import mark_unreachable
from storage.db import READ_ONLY
from storage.repos import outbox as repo
from storage.repos.outbox import OutboxRow

log = logging.getLogger(__name__)
ADVISORY_KEY = 7_150_150_001  # "the neuguong sender"
Clock = Callable[[], datetime]


@dataclass
class SenderConfig:
    batch: int = 100
    concurrency: int = 8
    lease_seconds: float = 60.0
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    idle_seconds: float = 0.5
    lock_retry: float = 10.0
    flush_every: int = 20
    timezone: str = "Asia/Ho_Chi_Minh"  # the organisation's: reports are by its weeks
    limits: Limits = field(default_factory=Limits)
    # a network's own limits (Zalo's are not Telegram's); others use `limits`
    channel_limits: dict[str, Limits] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    claimed: int
    rows: list[OutboxRow]  # ready to send (composed); obsolete ones are already recorded
    claimed_at: datetime


class Sender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: dict[str, Channel],
        clock: Clock,
        config: SenderConfig | None = None,
    ) -> None:
        self.sessions = sessions
        self.channels = channels
        self.clock = clock
        self.config = config or SenderConfig()
        self.limiter = Limiter(self.config.limits)
        self.limiters = {
            name: Limiter(limits) for name, limits in self.config.channel_limits.items()
        }
        self.owner = f"sender-{uuid.uuid4().hex[:12]}"
        self.stats: dict[str, int] = {}
        self._pending: list[dict[str, object]] = []
        self._blocked: list[int] = []
        self._flush_lock = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None
        self._prefetch: asyncio.Task[Batch] | None = None
        self._attachments: dict[int, Attachment] = {}  # files composed for the rows in hand
        self._edits: dict[int, str] = {}  # rows that replace a message sent before

    async def run_once(self) -> int:
        """Send one batch; returns how many rows were taken. The next batch is claimed and
        composed while this one goes out, so composing (a read of the batch's members)
        costs no sending time."""
        batch = await self._take_prefetched() or await self._prepare()
        if not batch.claimed:
            return 0
        self._prefetch = asyncio.create_task(self._prepare())
        gate = asyncio.Semaphore(self.config.concurrency)
        chats: dict[str, list[OutboxRow]] = {}
        for row in batch.rows:
            chats.setdefault(f"{row.channel}:{row.chat_id}", []).append(row)
        await asyncio.gather(*(self._send_chat(chat, gate) for chat in chats.values()))
        await self.flush()
        return batch.claimed

    async def _prepare(self) -> Batch:
        now = self.clock()
        lease = now + timedelta(seconds=self.config.lease_seconds)
        async with self.sessions() as session:
            claimed = await repo.claim(session, self.owner, now, lease, self.config.batch)
            await session.commit()
        rows = await self._compose(claimed, now) if claimed else []
        return Batch(len(claimed), rows, now)

    async def _take_prefetched(self) -> Batch | None:
        """The batch prepared during the last send, unless it waited so long (a long 429
        pause) that its lease is half gone: then its rows are left to be claimed again when
        the lease ends, rather than risk sending them after another claim."""
        task, self._prefetch = self._prefetch, None
        if task is None:
            return None
        batch = await task
        held = (self.clock() - batch.claimed_at).total_seconds()
        if held < self.config.lease_seconds / 2:
            return batch
        for row in batch.rows:
            self._attachments.pop(row.id, None)
            self._edits.pop(row.id, None)
        return None

    async def _compose(self, rows: list[OutboxRow], now: datetime) -> list[OutboxRow]:
        """Fill in the texts composed at send time; rows with nothing left to say are closed."""
        async with self.sessions() as session:
            await session.connection(execution_options=READ_ONLY)  # reads only: no write lock
            done = await compose(session, rows, now, ZoneInfo(self.config.timezone))
        self._attachments.update(done.attachments)
        self._edits.update(done.edits)
        for row in done.obsolete:
            self._count(repo.OBSOLETE)
            self._pending.append(
                {"id": row.id, "state": repo.OBSOLETE, "lease_owner": None, "lease_until": None}
            )
        return done.ready

    async def _send_chat(self, rows: list[OutboxRow], gate: asyncio.Semaphore) -> None:
        for row in rows:  # one chat's messages go in order
            async with gate:
                result = await self._deliver(row)
            await self._record(row, result)

    async def _deliver(self, row: OutboxRow) -> Result:
        channel = self.channels.get(row.channel)
        if channel is None:
            return Result(Outcome.REJECTED, reason=f"no channel {row.channel!r} configured")
        while True:
            limiter = self.limiters.get(row.channel, self.limiter)
            await limiter.wait(row.chat_id)
            attachment = self._attachments.get(row.id)
            edit = self._edits.get(row.id)
            result = await channel.deliver(
                row.chat_id, row.text or "", row.markup, attachment, edit
            )
            if result.outcome is not Outcome.RATE_LIMITED:
                return result
            self._count("rate_limited")
            limiter.pause(max(result.retry_after, 1.0))

    async def _record(self, row: OutboxRow, result: Result) -> None:
        now = self.clock()
        self._attachments.pop(row.id, None)
        self._edits.pop(row.id, None)
        self._count(result.outcome.value)
        done: dict[str, object] = {"id": row.id, "lease_owner": None, "lease_until": None}
        if result.outcome is Outcome.SENT:
            done.update(state=repo.SENT, sent_at=now, message_id=result.message_id)
        elif result.outcome is Outcome.RETRY:
            done.update(self._retry(row, result, now))
        elif result.outcome is Outcome.BLOCKED:
            done.update(state=repo.FAILED, error="blocked: " + result.reason[:280])
            if row.user_id is not None:
                self._blocked.append(row.user_id)
        elif result.outcome is Outcome.UNKNOWN:
            done.update(state=repo.UNKNOWN, error=result.reason[:300])
        else:
            done.update(state=repo.DEAD, error=result.reason[:300])
        self._pending.append(done)
        if len(self._pending) >= self.config.flush_every and self._flusher is None:
            # Written in the background: the chats being served keep sending meanwhile.
            self._flusher = asyncio.create_task(self._flush_in_background())

    def _retry(self, row: OutboxRow, result: Result, now: datetime) -> dict[str, object]:
        attempts = row.attempts + 1
        if attempts >= self.config.max_attempts:
            return {"state": repo.DEAD, "attempts": attempts, "error": result.reason[:300]}
        delay = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (attempts - 1))
        delay *= random.uniform(0.5, 1.0)  # jitter: retries of a failed burst spread out
        return {
            "state": repo.PENDING,
            "attempts": attempts,
            "error": result.reason[:300],
            "not_before": now + timedelta(seconds=delay),
        }

    async def _flush_in_background(self) -> None:
        try:
            await self.flush()
        except Exception:  # the rows stay leased and are retried when the lease ends
            log.exception("recording sent messages failed")
        finally:
            self._flusher = None

    async def flush(self) -> None:
        """Record the outcomes gathered so far (awaits a background write in progress)."""
        flusher = self._flusher
        if flusher is not None and flusher is not asyncio.current_task():
            await flusher
        async with self._flush_lock:
            pending, blocked = self._pending, self._blocked
            self._pending, self._blocked = [], []
            if not pending:
                return
            async with self.sessions() as session:
                await repo.finish_many(session, pending)
                if blocked:
                    await mark_unreachable(session, blocked, self.clock())
                await session.commit()

    def _count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    async def release(self) -> None:
        """Stop: drop the batch being prepared, record what was sent, give back the rest."""
        if self._prefetch is not None:
            self._prefetch.cancel()
            try:
                await self._prefetch
            except asyncio.CancelledError:
                pass
            except Exception:  # its rows are given back below all the same
                log.exception("preparing the next batch failed")
            self._prefetch = None
        await self.flush()
        async with self.sessions() as session:
            await repo.release(session, self.owner)
            await session.commit()


class SenderLock:
    """Who may send: the holder of a PostgreSQL advisory lock, or the one SQLite process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._conn: AsyncConnection | None = None

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def acquire(self) -> bool:
        if not self.postgres:
            return True
        if self._conn is None:
            self._conn = await self.engine.connect()
        got = await self._conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
        return bool(got)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


async def run(sender: Sender, lock: SenderLock, stop: asyncio.Event) -> None:
    """The sender loop: wait for the lock, then send until stopped."""
    try:
        while not stop.is_set():
            if not await lock.acquire():
                await _sleep(stop, sender.config.lock_retry)
                continue
            log.info("sender %s is active", sender.owner)
            await _send_until_stopped(sender, stop)
    finally:
        await sender.release()
        await lock.close()


async def _send_until_stopped(sender: Sender, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            taken = await sender.run_once()
        except Exception:  # a database hiccup must not end the sender; it is logged
            log.exception("sender batch failed")
            taken = 0
        if taken == 0:
            await _sleep(stop, sender.config.idle_seconds)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
