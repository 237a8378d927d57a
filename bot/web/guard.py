"""Wrong links per address: after `LIMIT` wrong or stale links from one address in
`WINDOW` seconds, every link from it is refused until the window has passed (a clear page,
429). Kept in the process: each process guards the requests it serves."""

from __future__ import annotations

import time
from collections import deque

LIMIT = 20
WINDOW = 600.0
TRACKED = 10_000  # addresses remembered at most (the oldest forgotten first)


class Guard:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._misses: dict[str, deque[float]] = {}

    def _recent(self, address: str, now: float) -> deque[float]:
        misses = self._misses.get(address)
        if misses is None:
            return deque()
        while misses and misses[0] <= now - self.window:
            misses.popleft()
        return misses

    def blocked(self, address: str, now: float | None = None) -> bool:
        return len(self._recent(address, time.monotonic() if now is None else now)) >= self.limit

    def miss(self, address: str, now: float | None = None) -> None:
        at = time.monotonic() if now is None else now
        misses = self._recent(address, at)
        misses.append(at)
        self._misses[address] = misses
        if len(self._misses) > TRACKED:
            self._misses.pop(next(iter(self._misses)))
