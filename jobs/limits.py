"""One chat network's sending budget, shared by the replies and the outbox.

- The whole bot may send `total_per_second` messages in any second (Telegram: about 30); the
  outbox keeps its pace (`per_second`, 25 by default) and never fills the last `reserve` of
  that second, so a reply to someone who just wrote always finds room, at once.
- The outbox sends one message per chat every `per_chat_interval` (1.1 s: the network's 1 s
  with a margin); the few answers to what a person just did go at once.
- A 429 for one chat pauses that chat only; 429s for several chats at once (or a long
  retry_after) are a flood: everybody waits, and the outbox's pace drops to 70 % and climbs
  back by one message a second every ten seconds without another (AIMD).
- An outage (failures to connect or 5xx for several chats in a row) pauses the network with
  a growing backoff instead of spending each message's attempts; one success ends it.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left, bisect_right, insort
from collections import deque
from dataclasses import dataclass

FLOOD_CHATS = 3  # 429s for this many chats within FLOOD_WINDOW: a flood, not one chat
FLOOD_WINDOW = 2.0
LONG_WAIT = 5.0  # a retry_after this long is the whole bot's, whatever the chat
CLIMB_EVERY = 10.0
OUTAGE_CHATS = 3  # failures for this many chats in a row: the network is down
OUTAGE_MAX = 60.0
WINDOW = 1.0  # the network's second


@dataclass(frozen=True)
class Limits:
    per_second: float = 25.0  # the outbox's pace; 0 turns every limit off (benchmarks)
    per_chat_interval: float = 1.1
    group_per_minute: int = 20
    total_per_second: float = 30.0  # replies and outbox together; 0: no overall limit
    reserve: int = 5  # of each second's total, kept for replies


class Limiter:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.pace = limits.per_second
        self._changed = 0.0  # when the pace last changed
        self._next_outbox = 0.0
        # every send of the last second, sorted: when it left, then when it was answered
        self._sent: list[float] = []
        self._replies: deque[float] = deque()  # the replies among them
        self._last_by_chat: dict[str, float] = {}
        self._chat_paused: dict[str, float] = {}
        self._paused_until = 0.0
        self._groups: dict[str, deque[float]] = {}
        self._recent_429: deque[tuple[float, str]] = deque()
        self._failing: list[str] = []  # chats of consecutive failures
        self._outage = 0.0  # the current outage backoff, 0: none
        self._last_success = 0.0
        self.floods = 0
        self.outages = 0

    @property
    def off(self) -> bool:
        return self.limits.per_second <= 0

    # --- waiting ---------------------------------------------------------------------------
    async def wait(self, chat_id: str, reply: bool = False) -> float:
        """Until this chat may be sent one message (a reply goes before the outbox). Returns
        the send's place in the second, for `answered`."""
        if self.off:  # no pace to keep; an outage's pause still holds (else: a busy loop)
            left = self._paused_until - time.monotonic()
            if left > 0:  # a pause made longer meanwhile is met by the next send
                await asyncio.sleep(left)
            return 0.0
        while True:
            now = time.monotonic()
            delay = self._delay(chat_id, reply, now)
            if delay <= 0:
                self._take(chat_id, reply, now)
                return now
            await asyncio.sleep(min(delay, 0.02) if reply else delay)

    def _delay(self, chat_id: str, reply: bool, now: float) -> float:
        self._climb(now)
        ready = max(self._paused_until, self._chat_paused.get(chat_id, 0.0))
        ready = max(ready, self._group_ready(chat_id))
        if not reply:  # answers to what someone just did go at once, a few in a row
            spaced = self._last_by_chat.get(chat_id, -1e9) + self.limits.per_chat_interval
            ready = max(ready, spaced, self._next_outbox)
        window = self._window_ready(now, self._room(reply, now))
        return max(ready, window) - now

    def _room(self, reply: bool, now: float) -> float:
        """How many sends the last second may hold for this one to go: everything for a
        reply; for the outbox, all but the part of the reserve replies are not using."""
        total = self.limits.total_per_second
        if total <= 0:
            return float("inf")
        if reply:
            return total
        while self._replies and now - self._replies[0] > WINDOW:
            self._replies.popleft()
        unused = max(0, self.limits.reserve - len(self._replies))
        return max(1.0, total - unused)

    def _window_ready(self, now: float, room: float) -> float:
        """When the last second holds fewer than `room` sends."""
        del self._sent[: bisect_right(self._sent, now - WINDOW)]
        if len(self._sent) < room:
            return now
        return self._sent[len(self._sent) - int(room)] + WINDOW

    def _take(self, chat_id: str, reply: bool, now: float) -> None:
        insort(self._sent, now)
        if reply:
            self._replies.append(now)
        self._last_by_chat[chat_id] = now
        if len(self._last_by_chat) > 50_000:  # chats not written to for long are forgotten
            self._forget(now)
        if not reply and self.pace > 0:
            self._next_outbox = max(self._next_outbox, now) + 1.0 / self.pace
        if chat_id.startswith("-"):
            sent = self._groups.setdefault(chat_id, deque())
            sent.append(now)
            while len(sent) > self.limits.group_per_minute:
                sent.popleft()

    def _forget(self, now: float) -> None:
        spacing = self.limits.per_chat_interval
        self._last_by_chat = {c: t for c, t in self._last_by_chat.items() if now - t < spacing}

    def _group_ready(self, chat_id: str) -> float:
        sent = self._groups.get(chat_id)
        if not chat_id.startswith("-") or not sent or self.limits.group_per_minute <= 0:
            return 0.0
        return sent[0] + 60.0 if len(sent) >= self.limits.group_per_minute else 0.0

    def _climb(self, now: float) -> None:
        target = self.limits.per_second
        if self.pace < target and now - self._changed >= CLIMB_EVERY:
            self.pace = min(target, self.pace + 1.0)
            self._changed = now

    # --- what the network said -------------------------------------------------------------
    def answered(self, taken: float) -> None:
        """The network answered the send that left at `taken`: it arrived before now, so it
        counts in our second until a second after now. Counted from when they left, sends
        that arrived late or bunched (a busy loop, a slow connection) made the network's
        second fuller than ours and earned 429s; this way costs a round trip's share of
        each second (19.9 of the 20 a second left beside 10 answers, 0 429s)."""
        at = bisect_left(self._sent, taken)
        if taken and at < len(self._sent) and self._sent[at] == taken:
            del self._sent[at]
            insort(self._sent, time.monotonic())

    def pause(self, seconds: float) -> None:
        """The whole network waits (a flood wait the network asked for)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def rate_limited(self, chat_id: str, retry_after: float) -> bool:
        """A 429. Returns True for a flood (everyone waits, the pace drops), False when only
        this chat is paused."""
        now = time.monotonic()
        wait = max(retry_after, 1.0)
        self._recent_429.append((now, chat_id))
        while self._recent_429 and now - self._recent_429[0][0] > FLOOD_WINDOW:
            self._recent_429.popleft()
        chats = {c for _, c in self._recent_429}
        # 429s at the edge of the budget while other messages still go through are not a
        # flood (a send raced another at the second's boundary): only that chat waits
        floods = len(chats) >= FLOOD_CHATS and self._last_success < self._recent_429[0][0]
        if retry_after >= LONG_WAIT or floods:
            self.pause(wait)
            if now - self._changed > 1.0:  # one cut per flood, not one per message in flight
                self.pace = max(1.0, self.pace * 0.7)
                self._changed = now
                self.floods += 1
            return True
        self._chat_paused[chat_id] = max(self._chat_paused.get(chat_id, 0.0), now + wait + 0.1)
        return False

    def failed(self, chat_id: str) -> bool:
        """A send that failed on the way (no answer to connect, a 5xx). Returns True while the
        network looks down: the message goes back to the queue, its attempts unspent."""
        if chat_id not in self._failing:
            self._failing.append(chat_id)
        if len(self._failing) < OUTAGE_CHATS and not self._outage:
            return False
        if self._outage and time.monotonic() < self._paused_until:
            return True  # sent before the pause began: the same outage
        self._outage = min(OUTAGE_MAX, self._outage * 2 if self._outage else 2.0)
        self.pause(self._outage)
        self.outages += 1
        return True

    def succeeded(self) -> None:
        self._failing.clear()
        self._outage = 0.0
        self._last_success = time.monotonic()

    @property
    def down(self) -> bool:
        return self._outage > 0
