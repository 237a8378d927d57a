"""The outbox sender: claim due rows with a lease, send them through send slots, record each
outcome as it comes.

A pipeline, not batch-and-wait: a claimer keeps a few batches in hand (claimed, composed),
`concurrency` slots send them — one chat's messages in order, different chats at once — and a
recorder writes each outcome within milliseconds of its answer. One slow chat holds one slot,
not a batch; a killed sender can have sent only the messages in flight without recording them.

Outcomes:
- sent: state sent, with the channel's message id;
- 429: that chat waits (or, for a flood, the network waits and the pace drops: jobs/limits.py)
  and the same message goes again, in order;
- 5xx or a network error before sending: retried with backoff and jitter for hours
  (`retry_hours`), then dead-lettered; while the network looks down the messages wait in hand
  with their attempts unspent;
- 403: that account is unreachable; nothing more is tried there, secretaries are told once;
- 400: dead-lettered with the reason;
- a timeout after the request went out: "unknown" (it may have arrived): never resent on its
  own; an admin may resend an announcement's unknowns knowingly;
- composed at send time with nothing left to say, or an announcement cancelled meanwhile:
  "obsolete", not sent.

Exactly one sender is active per database: on PostgreSQL the holder of an advisory lock, which
it checks every `lock_check` seconds and before every claim — when the lock's session ends the
sender stops sending at once and gives its rows back; a new holder waits `fence_grace` before
its first message. On SQLite only one process runs at all. Rows in hand have their lease
extended while they wait (a flood wait, an outage); a failed outcome write is retried, never
dropped, and rows whose outcome is not yet written are never claimed again by this sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.channel import Attachment, Channel, Outcome, Result
from jobs.compose import compose
from jobs.limits import Limiter, Limits
from jobs.unreachable import mark_unreachable, reroute
from storage.db import READ_ONLY, writing
from storage.locks import ProcessLock
from storage.repos import outbox as repo
from storage.repos import status as status_repo
from storage.repos.outbox import OutboxRow

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass
class SenderConfig:
    batch: int = 100
    concurrency: int = 64  # send slots: a hanging send holds one of them, not the queue
    lease_seconds: float = 60.0
    retry_hours: float = 6.0  # how long a message is retried before it is dead-lettered
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    idle_seconds: float = 0.5
    lock_retry: float = 10.0
    lock_check: float = 1.0
    fence_grace: float = 2.0  # > lock_check: the old holder has stopped before we start
    heartbeat_seconds: float = 10.0
    log_seconds: float = 60.0
    timezone: str = "Asia/Ho_Chi_Minh"  # the organisation's: reports are by its weeks
    language: str = "vi"  # the organisation's: for a message to nobody known
    site: str | None = None  # the web app's address: reminders carry a link to it
    limits: Limits = field(default_factory=Limits)
    # a network's own limits (Zalo's are not Telegram's); others use `limits`
    channel_limits: dict[str, Limits] = field(default_factory=dict)


class Sender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: dict[str, Channel],
        clock: Clock,
        config: SenderConfig | None = None,
        limiters: dict[str, Limiter] | None = None,
    ) -> None:
        self.sessions = sessions
        self.channels = channels
        self.clock = clock
        self.config = config or SenderConfig()
        self.limiter = Limiter(self.config.limits)
        self.limiters = dict(limiters or {})
        for name, limits in self.config.channel_limits.items():
            self.limiters.setdefault(name, Limiter(limits))
        self.owner = f"sender-{uuid.uuid4().hex[:12]}"
        self.stats: dict[str, int] = {}
        self._held: dict[int, OutboxRow] = {}  # claimed, outcome not yet written
        self._chats: dict[str, deque[OutboxRow]] = {}
        self._ready: asyncio.Queue[str] = asyncio.Queue()
        self._busy: set[str] = set()  # chats with a message in flight
        self._outcomes: list[dict[str, object]] = []
        self._blocked: list[tuple[str, str, int]] = []  # channel, chat, the refused row
        self._written = asyncio.Event()
        self._wake = asyncio.Event()  # something urgent was queued: claim now
        self._empty = asyncio.Event()  # no row in hand waits to be sent
        self._attachments: dict[int, Attachment] = {}
        self._edits: dict[int, str] = {}
        self._cancelled: set[int] = set()  # announcements cancelled while their rows are held
        self._cancel_checked = 0.0

    # --- the pipeline -----------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, fenced: Callable[[], bool] | None = None) -> None:
        """Send until `stop` is set or `fenced()` says the lock is lost; then let the sends in
        flight finish, give back what was not sent and write every outcome."""
        lost = asyncio.Event()
        claimer = asyncio.create_task(self._claimer(stop, lost))
        recorder = asyncio.create_task(self._recorder())
        keeper = asyncio.create_task(self._keeper(stop))
        fence = asyncio.create_task(self._fence(stop, lost, fenced))
        slots = [asyncio.create_task(self._slot(lost)) for _ in range(self.config.concurrency)]
        try:
            await _first(stop, lost)
        finally:
            lost.set()
            for _ in slots:
                self._ready.put_nowait("")  # each idle slot ends; a sending one ends after it
            await _finish([claimer, fence, *slots], within=30.0)
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            await self.release()
            recorder.cancel()
            await asyncio.gather(recorder, return_exceptions=True)

    async def run_once(self) -> int:
        """Claim one batch and send it all, outcomes written (tests and benchmarks)."""
        claimed = await self._claim()
        if not claimed:
            return 0
        lost = asyncio.Event()
        slots = [
            asyncio.create_task(self._slot(lost))
            for _ in range(min(self.config.concurrency, claimed))
        ]
        if self._chats:  # until every row of the batch is settled
            self._empty.clear()
            await self._empty.wait()
        lost.set()
        for _ in slots:
            self._ready.put_nowait("")
        await asyncio.gather(*slots)
        await self._write()
        return claimed

    async def _fence(
        self, stop: asyncio.Event, lost: asyncio.Event, fenced: Callable[[], bool] | None
    ) -> None:
        """The moment the lock is gone, nothing more is sent."""
        while fenced is not None and not stop.is_set() and not lost.is_set():
            if fenced():
                log.warning("sender %s lost its lock: it stops sending now", self.owner)
                lost.set()
                return
            await _sleep(stop, 0.05)

    async def _claimer(self, stop: asyncio.Event, lost: asyncio.Event) -> None:
        """Keeps two batches in hand while the sender may send."""
        while not stop.is_set() and not lost.is_set():
            if len(self._held) >= 2 * self.config.batch:
                await _sleep(stop, 0.05)
                continue
            try:
                taken = await self._claim()
            except Exception:  # a database hiccup must not end the sender; it is logged
                log.exception("claiming messages failed")
                taken = 0
            if not taken:
                self._wake.clear()
                await _sleep(self._wake, self.config.idle_seconds)

    def wake(self) -> None:
        """A notice was just queued in this process: claim it without waiting for the idle
        poll (another process's notices wait at most `idle_seconds`)."""
        self._wake.set()

    async def _claim(self) -> int:
        now = self.clock()
        lease = now + timedelta(seconds=self.config.lease_seconds)
        async with writing(self.sessions), self.sessions() as session:
            claimed = await repo.claim(session, self.owner, now, lease, self.config.batch)
            await session.commit()
        if not claimed:
            return 0
        for row in await self._compose(claimed, now):
            self._hold(row)
        return len(claimed)

    def _hold(self, row: OutboxRow) -> None:
        self._held[row.id] = row
        key = f"{row.channel}:{row.chat_id}"
        queue = self._chats.setdefault(key, deque())
        queue.append(row)
        if len(queue) == 1 and key not in self._busy:
            self._ready.put_nowait(key)

    async def _compose(self, rows: list[OutboxRow], now: datetime) -> list[OutboxRow]:
        """Fill in the texts composed at send time; rows with nothing left to say are closed."""
        async with self.sessions() as session:
            await session.connection(execution_options=READ_ONLY)  # reads only: no write lock
            zone = ZoneInfo(self.config.timezone)
            done = await compose(session, rows, now, zone, self.config.language, self.config.site)
        self._attachments.update(done.attachments)
        self._edits.update(done.edits)
        for row in done.obsolete:
            self._count(repo.OBSOLETE)
            self._outcome({"id": row.id, "state": repo.OBSOLETE})
        return done.ready

    async def _slot(self, lost: asyncio.Event) -> None:
        """One send at a time: the next chat with a message, its first message. An empty key
        ends the slot."""
        while True:
            key = await self._ready.get()
            if not key:
                return
            queue = self._chats.get(key)
            if not queue:
                continue
            if lost.is_set():  # nothing more goes out: the row is given back at release
                continue
            self._busy.add(key)
            row = queue[0]
            try:
                result = await self._deliver(row)
            except Exception as error:  # a bug in a channel must not lose the row
                log.exception("sending row %s failed", row.id)
                result = Result(Outcome.RETRY, reason=f"error: {type(error).__name__}")
            finally:
                self._busy.discard(key)
            if result.parts > row.parts_sent:  # a part or more went: resumed after them
                row = replace(row, parts_sent=result.parts)
                queue[0] = self._held[row.id] = row
                self._outcomes.append({"id": row.id, "parts_sent": row.parts_sent})
                self._written.set()
            if not self._settle(row, result):
                queue.popleft()
            if queue:
                self._ready.put_nowait(key)
            else:
                self._chats.pop(key, None)
                if not self._chats:
                    self._empty.set()

    async def _deliver(self, row: OutboxRow) -> Result:
        channel = self.channels.get(row.channel)
        if channel is None:
            return Result(Outcome.REJECTED, reason=f"no channel {row.channel!r} configured")
        if await self._is_cancelled(row):
            return Result(Outcome.REJECTED, reason="cancelled")
        attachment = self._attachments.get(row.id)
        if attachment is not None and attachment.make is not None:
            attachment = await attachment.ready()  # a chart or a workbook: made off the loop
        limiter = self.limiters.get(row.channel, self.limiter)
        taken = await limiter.wait(row.chat_id)
        edit = self._edits.get(row.id)
        text = row.text or ""
        try:
            return await channel.deliver(
                row.chat_id, text, row.markup, attachment, edit, start=row.parts_sent
            )
        finally:
            limiter.answered(taken)

    async def _is_cancelled(self, row: OutboxRow) -> bool:
        """An announcement cancelled after its rows were claimed is not sent (checked at most
        once a second for all the rows in hand)."""
        if row.kind != "broadcast" or row.subject_id is None:
            return False
        if time.monotonic() - self._cancel_checked > 1.0:
            self._cancel_checked = time.monotonic()
            ids = {r.subject_id for r in self._held.values() if r.kind == "broadcast"}
            async with self.sessions() as session:
                await session.connection(execution_options=READ_ONLY)
                self._cancelled = await repo.cancelled_broadcasts(session, ids)
        return row.subject_id in self._cancelled

    def _settle(self, row: OutboxRow, result: Result) -> bool:
        """Turn an answer into an outcome to write; True when the same row goes again."""
        limiter = self.limiters.get(row.channel, self.limiter)
        self._count(result.outcome.value)
        if result.outcome is Outcome.RATE_LIMITED:
            limiter.rate_limited(row.chat_id, result.retry_after)
            return True
        if result.outcome is Outcome.RETRY and limiter.failed(row.chat_id):
            self._count("held_in_outage")
            return True
        if result.outcome is Outcome.SENT:
            limiter.succeeded()
        self._attachments.pop(row.id, None)
        self._edits.pop(row.id, None)
        self._outcome(self._done(row, result))
        return False

    def _done(self, row: OutboxRow, result: Result) -> dict[str, object]:
        now = self.clock()
        done: dict[str, object] = {"id": row.id, "parts_sent": row.parts_sent}
        if result.reason == "cancelled":
            done.update(state=repo.OBSOLETE)
        elif result.outcome is Outcome.SENT:
            done.update(state=repo.SENT, sent_at=now, message_id=result.message_id)
        elif result.outcome is Outcome.RETRY:
            done.update(self._retry(row, result, now))
        elif result.outcome is Outcome.BLOCKED:
            done.update(state=repo.FAILED, error="blocked: " + result.reason[:280])
            self._blocked.append((row.channel, row.chat_id, row.id))
        elif result.outcome is Outcome.UNKNOWN:
            done.update(state=repo.UNKNOWN, error=result.reason[:300])
        else:
            done.update(state=repo.DEAD, error=result.reason[:300])
        return done

    def _retry(self, row: OutboxRow, result: Result, now: datetime) -> dict[str, object]:
        attempts = row.attempts + 1
        age = (now - row.created_at).total_seconds() if row.created_at else 0.0
        if age > self.config.retry_hours * 3600:
            return {"state": repo.DEAD, "attempts": attempts, "error": result.reason[:300]}
        delay = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (attempts - 1))
        delay *= random.uniform(0.5, 1.0)  # jitter: retries of a failed burst spread out
        return {
            "state": repo.PENDING,
            "attempts": attempts,
            "error": result.reason[:300],
            "not_before": now + timedelta(seconds=delay),
        }

    # --- writing outcomes -------------------------------------------------------------------
    def _outcome(self, done: dict[str, object]) -> None:
        done.setdefault("lease_owner", None)
        done.setdefault("lease_until", None)
        self._outcomes.append(done)
        self._written.set()

    async def _recorder(self) -> None:
        """Writes outcomes as they come; a failed write is tried again, never dropped."""
        delay = 0.5
        while True:
            await self._written.wait()
            self._written.clear()
            try:
                await self._write()
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("recording outcomes failed; trying again in %.1f s", delay)
                self._written.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _write(self) -> None:
        done, blocked = self._outcomes, self._blocked
        if not done and not blocked:
            return
        self._outcomes, self._blocked = [], []
        try:
            async with writing(self.sessions), self.sessions() as session:
                await repo.finish_many(session, done)
                if blocked:
                    now = self.clock()
                    await mark_unreachable(session, [(c, chat) for c, chat, _ in blocked], now)
                    await reroute(session, [row for _, _, row in blocked], now)
                await session.commit()
        except BaseException:
            self._outcomes[:0], self._blocked[:0] = done, blocked  # kept, in order
            raise
        for outcome in done:
            self._held.pop(int(str(outcome["id"])), None)

    async def _keeper(self, stop: asyncio.Event) -> None:
        """Extends the leases of the rows in hand (a flood wait or an outage may hold them
        for minutes) and writes the heartbeat."""
        every = min(self.config.lease_seconds / 3, self.config.heartbeat_seconds)
        last_log = time.monotonic()
        while not stop.is_set():
            await _sleep(stop, every)
            try:
                await self._extend()
                await self.heartbeat(active=True)
            except Exception:
                log.warning("extending leases failed; trying again", exc_info=True)
            if time.monotonic() - last_log >= self.config.log_seconds:
                last_log = time.monotonic()
                log.info("sender %s: %s; in hand %s", self.owner, self.counters(), len(self._held))

    async def _extend(self) -> None:
        if not self._held:
            return
        until = self.clock() + timedelta(seconds=self.config.lease_seconds)
        async with self.sessions() as session:
            await repo.extend(session, self.owner, list(self._held), until)
            await session.commit()

    async def heartbeat(self, active: bool) -> None:
        async with self.sessions() as session:
            await status_repo.beat(
                session, "sender", self.owner, self.clock(), {"active": active, **self.stats}
            )
            await session.commit()

    def counters(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.stats.items())) or "nothing yet"

    def _count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    async def release(self) -> None:
        """Stop: give back the rows in hand that were not sent, write what was."""
        for attempt in range(20):
            try:
                await self._write()
                break
            except Exception:
                log.exception("recording outcomes at stop failed (%s)", attempt + 1)
                await asyncio.sleep(0.5)
        keep = {int(str(o["id"])) for o in self._outcomes}
        unsent = [row_id for row_id in self._held if row_id not in keep]
        async with self.sessions() as session:
            await repo.release(session, self.owner, unsent)
            await session.commit()
        for row_id in unsent:
            self._held.pop(row_id, None)
        self._chats.clear()
        while not self._ready.empty():
            self._ready.get_nowait()


SenderLock = ProcessLock  # the sender's: one active per database


async def run(sender: Sender, lock: ProcessLock, stop: asyncio.Event) -> None:
    """The sender loop: wait for the lock, then send until stopped or the lock is lost."""
    try:
        while not stop.is_set():
            await _beat(sender, active=False)
            if not await lock.acquire():
                await _sleep(stop, sender.config.lock_retry)
                continue
            log.info("sender %s is active", sender.owner)
            await _beat(sender, active=True)  # shown active at once, not at the next beat
            if lock.postgres:
                await _sleep(stop, sender.config.fence_grace)  # the old holder has stopped
            watch = asyncio.create_task(_watch(lock, stop, sender.config.lock_check))
            try:
                await sender.run(stop, fenced=lambda: not lock.held)
            finally:
                watch.cancel()
                await asyncio.gather(watch, return_exceptions=True)
            if not lock.held and not stop.is_set():
                log.warning("sender %s stopped: its lock was lost; waiting to take it again",
                            sender.owner)  # fmt: skip
    finally:
        await lock.close()
        with contextlib.suppress(Exception):
            await sender.heartbeat(active=False)


async def _watch(lock: ProcessLock, stop: asyncio.Event, every: float) -> None:
    while not stop.is_set() and await lock.check():
        await _sleep(stop, every)


async def _beat(sender: Sender, active: bool) -> None:
    try:
        await sender.heartbeat(active)
    except Exception:
        log.warning("writing the heartbeat failed", exc_info=True)


async def _finish(tasks: list[asyncio.Task[None]], within: float) -> None:
    """Let these tasks end (a send in flight completes and is recorded); cancel stragglers."""
    _done, pending = await asyncio.wait(tasks, timeout=within)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
