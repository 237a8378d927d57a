"""What each network of this process is doing (receiving, or unreachable and retried), kept
in memory, logged when it changes and written beside the sender's heartbeat, so that
`neuguong outbox status` (and the health check) show a network that is down while the others
serve."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repos import status as status_repo

log = logging.getLogger(__name__)
EVERY = 10.0  # seconds between heartbeats
UP, DOWN, CONNECTING = "up", "down", "connecting"


class Health:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        owner: str,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.owner = owner
        self.states: dict[str, dict[str, object]] = {}
        self._changed = asyncio.Event()

    def report(self, network: str, state: str, error: str = "") -> None:
        """A network's state now; written at once when it changed."""
        before = self.states.get(network, {}).get("state")
        if before == state and not error:
            return
        since = self.clock().isoformat() if before != state else self.states[network]["since"]
        self.states[network] = {"state": state, "since": since, "error": error[:200]}
        self._changed.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Write the states every few seconds and on each change, until `stop`."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), EVERY)
            self._changed.clear()
            try:
                await self._write()
            except Exception:  # the database is busy or away: the next beat tries again
                log.warning("writing the networks' state failed", exc_info=True)

    async def _write(self) -> None:
        if not self.states:
            return
        async with self.sessions() as session:
            for network, detail in sorted(self.states.items()):
                await status_repo.beat(session, f"net:{network}", self.owner, self.clock(), detail)
            await session.commit()
