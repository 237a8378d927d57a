"""Sending rate limits: overall messages per second, one per second per chat, and per group."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    per_second: float = 25.0  # 0 turns the limit off
    per_chat_interval: float = 1.0
    group_per_minute: int = 20


class Limiter:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._last_by_chat: dict[str, float] = {}
        self._groups: dict[str, deque[float]] = {}
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends until `seconds` have passed."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def wait(self, chat_id: str) -> None:
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._paused_until, self._chat_ready(chat_id))
            if self.limits.per_second > 0:
                start = max(start, self._next_slot)
                self._next_slot = start + 1.0 / self.limits.per_second
            self._last_by_chat[chat_id] = start
            self._note_group(chat_id, start)
        if start > now:
            await asyncio.sleep(start - now)

    def _chat_ready(self, chat_id: str) -> float:
        ready = self._last_by_chat.get(chat_id, 0.0) + self.limits.per_chat_interval
        if chat_id.startswith("-") and self.limits.group_per_minute > 0:
            sent = self._groups.get(chat_id)
            if sent and len(sent) >= self.limits.group_per_minute:
                ready = max(ready, sent[0] + 60.0)
        return ready

    def _note_group(self, chat_id: str, at: float) -> None:
        if not chat_id.startswith("-"):
            return
        sent = self._groups.setdefault(chat_id, deque())
        sent.append(at)
        while len(sent) > self.limits.group_per_minute:
            sent.popleft()
