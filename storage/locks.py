"""Locks held for a process's life on PostgreSQL: one sender, one poller per network.

An advisory lock lives on a dedicated connection; `check()` pings that connection, and a
broken one (server restart, failover, pg_terminate_backend, an idle connection dropped) means
the lock is lost — the holder must stop at once. On SQLite only one process runs at all (a file
lock, bot/background.py), so every lock is held."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = logging.getLogger(__name__)
SENDER = 7_150_150_001  # "the neuguong sender"
POLLERS = {"telegram": 7_150_150_002, "zalo": 7_150_150_003}


class ProcessLock:
    def __init__(self, engine: AsyncEngine, key: int) -> None:
        self.engine = engine
        self.key = key
        self._conn: AsyncConnection | None = None
        self.held = False

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def acquire(self) -> bool:
        if not self.postgres:
            self.held = True
            return True
        try:
            if self._conn is None:
                self._conn = await self.engine.connect()
            got = await self._conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
        except Exception:
            log.warning("taking lock %s failed", self.key, exc_info=True)
            await self.close()
            return False
        self.held = bool(got)
        return self.held

    async def check(self) -> bool:
        """Whether the lock is still ours (the session that holds it is alive)."""
        if not self.postgres:
            return self.held
        if self._conn is None or not self.held:
            return False
        try:
            await asyncio.wait_for(self._conn.scalar(text("SELECT 1")), 5.0)
        except Exception:
            log.warning("the session holding lock %s is gone: the lock is lost", self.key)
            await self.close()
            return False
        return True

    async def close(self) -> None:
        self.held = False
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                await conn.close()


async def holder(session: AsyncSession, key: int) -> int | None:
    """The PostgreSQL backend pid holding this advisory lock, if any (None on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    found = await session.scalar(
        text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = :k"
        ),
        {"k": key},
    )
    return int(found) if found is not None else None
