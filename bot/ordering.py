"""One person's updates in the order they came, different people at once.

Every network hands its updates here (Telegram through python-telegram-bot's update processor,
Zalo from its webhook and its poller): an update waits only for the same person's earlier
ones, never for someone else's chart or slow network."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any


class InOrder:
    def __init__(self, limit: int = 64) -> None:
        self._tails: dict[Hashable, asyncio.Future[None]] = {}
        self._gate = asyncio.Semaphore(limit)

    async def run(self, key: Hashable, work: Awaitable[Any]) -> None:
        """Run `work` after the earlier work of the same `key`; at most `limit` at once."""
        previous = self._tails.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = done
        try:
            if previous is not None:
                await asyncio.shield(previous)
            async with self._gate:
                await work
        finally:
            done.set_result(None)
            if self._tails.get(key) is done:
                del self._tails[key]

    @property
    def busy(self) -> int:
        return len(self._tails)
