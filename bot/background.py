"""The bot's own initiative, started by `serve()`: the planner tick and the outbox sender.

APScheduler runs a handful of fixed jobs (the planner every NEUGUONG_PLANNER_SECONDS and at
start-up, housekeeping daily); nothing per member. Their state lives in the database, so the
in-memory job store loses nothing on restart.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from domain import uploads
from jobs import planner, sender
from jobs.channel import Channel
from jobs.limits import Limiter
from storage import locks
from storage.locks import ProcessLock
from storage.repos import files, status, updates

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


class AlreadyRunning(Exception):
    """Another `neuguong run` holds this SQLite database."""


def sqlite_guard(database_url: str) -> IO[str] | None:
    """One process per SQLite database: an exclusive lock on <db>.lock, released by the OS
    when the process ends, however it ends. The lock is keyed by the file itself (links and
    relative paths resolved), and a refused start leaves the holder's lock file untouched."""
    if not database_url.startswith("sqlite"):
        return None
    path = database_url.split("///", 1)[-1] or "neuguong.db"
    if path in ("", ":memory:"):
        return None
    real = Path(path).resolve()
    handle = Path(f"{real}.lock").open("a+")  # noqa: SIM115 - held for the process's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning(path) from None
    handle.seek(0)
    handle.truncate()  # ours now: say who holds it
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


@dataclass
class Background:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    channels: dict[str, Channel]
    limiters: dict[str, Limiter] = field(default_factory=dict)  # shared with the replies
    site: str | None = None  # the web app's address, for the links in reminders
    scheduler: AsyncIOScheduler = field(init=False)
    sender: sender.Sender = field(init=False)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        s = self.settings
        config = sender.SenderConfig(
            batch=s.sender_batch,
            limits=s.limits("telegram"),
            lease_seconds=s.sender_lease_seconds,
            retry_hours=s.sender_retry_hours,
            timezone=s.timezone,
            language=s.default_language,
            site=self.site,
        )
        self.sender = sender.Sender(self.sessions, self.channels, self.clock, config, self.limiters)
        self.scheduler = AsyncIOScheduler()

    async def plan(self) -> None:
        """The planner tick; an error is logged and the next tick tries again."""
        try:
            done = await planner.tick(
                self.sessions,
                self.clock(),
                escalate_after=self.settings.escalate_after,
                reports=self.settings.report_time(),
                zone=self.settings.timezone,
            )
            if done.members:
                log.info("planned %s members, queued %s messages", done.members, done.queued)
        except Exception:
            log.exception("planner tick failed")

    def plan_soon(self) -> None:
        """Run the planner tick now (an announcement to send now was written), not at its
        next interval."""
        job = self.scheduler.get_job("planner")
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    async def housekeeping(self) -> None:
        async with self.sessions() as session:
            await updates.prune(session, self.clock() - timedelta(days=7))
            await files.prune(session, self.clock())  # links past their 24 hours
            await status.prune(session, self.clock() - timedelta(days=7))  # stopped processes
            await uploads.prune(session, self.clock())  # the web's files past their day
            await session.commit()

    def start(self) -> None:
        """Start the periodic jobs and the sender (serve() has run the first tick itself)."""
        self.scheduler.add_job(
            self.plan,
            "interval",
            seconds=self.settings.planner_seconds,
            id="planner",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self.housekeeping,
            "interval",
            hours=24,
            id="housekeeping",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.start()
        lock = ProcessLock(self.engine, locks.SENDER)
        self.task = asyncio.create_task(sender.run(self.sender, lock, self.stop))

    async def shutdown(self) -> None:
        self.scheduler.shutdown(wait=False)
        self.stop.set()
        if self.task is not None:
            await self.task
        for channel in self.channels.values():
            close = getattr(channel, "close", None)
            if close is not None:
                await close()
