"""Run the local Bot API server in its own process for benchmarks (prints its base URL).

Commands on stdin, one answer line each:
- stats: messages sent and 429s answered;
- texts: distinct texts received and how many arrived twice;
- reset: forget what was sent;
- load SECONDS PERIOD TEXT CHAT[,CHAT…]: people write TEXT every PERIOD seconds for SECONDS;
  answers the latencies (update pushed → the bot's first message to that chat) as
  "count lost p50 p95 p99 max" in milliseconds, measured here, on one clock.
- load2 …: two loads at once, separated by " | " (members and secretaries).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from tests.fakes.botapi import FakeBotAPI


class Load:
    """People writing at a steady pace; each message's wait for the bot's answer."""

    def __init__(self, api: FakeBotAPI, chats: list[int], text: str, period: float) -> None:
        self.api, self.chats, self.text, self.period = api, chats, text, period
        self.waiting: dict[int, list[float]] = {c: [] for c in chats}
        self.latencies: list[float] = []
        self.sent = 0

    def answered(self, chat: int) -> None:
        pending = self.waiting.get(chat)
        if pending:
            self.latencies.append(time.monotonic() - pending.pop(0))

    async def run(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        offsets = {c: n * self.period / len(self.chats) for n, c in enumerate(self.chats)}
        start = time.monotonic()
        tasks = [asyncio.create_task(self._person(c, start + offsets[c], end)) for c in self.chats]
        await asyncio.gather(*tasks)
        await asyncio.sleep(min(5.0, self.period))  # the last answers

    async def _person(self, chat: int, first: float, end: float) -> None:
        at = first
        while at < end:
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            user = self.api.user(chat, f"U{chat}")
            self.waiting[chat].append(time.monotonic())
            self.sent += 1
            await user.send(self.text)
            at += self.period

    def summary(self) -> str:
        found = sorted(x * 1000 for x in self.latencies)
        if not found:
            return f"0 {self.sent} 0 0 0 0"

        def pct(p: float) -> float:
            return found[min(len(found) - 1, int(p * len(found)))]

        lost = self.sent - len(found)
        return (
            f"{len(found)} {lost} {statistics.median(found):.0f} {pct(0.95):.0f} "
            f"{pct(0.99):.0f} {found[-1]:.0f}"
        )


def _parse(spec: str) -> tuple[float, float, str, list[int]]:
    seconds, period, text, chats = spec.split()
    return float(seconds), float(period), text, [int(c) for c in chats.split(",")]


async def _loads(api: FakeBotAPI, specs: list[str]) -> str:
    loads = []
    for spec in specs:
        seconds, period, text, chats = _parse(spec)
        loads.append((Load(api, chats, text, period), seconds))

    def answered(chat: int) -> None:
        for load, _ in loads:
            load.answered(chat)

    api.on_bot_message = answered
    await asyncio.gather(*(load.run(seconds) for load, seconds in loads))
    api.on_bot_message = None
    return " | ".join(load.summary() for load, _ in loads)


async def main(rate_limit: float) -> None:
    api = FakeBotAPI()
    api.rate_limit = rate_limit
    api.record_calls = False
    print(await api.start(), flush=True)
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            return
        command, _, rest = line.strip().partition(" ")
        if command == "stats":
            sent = sum(len(v) for v in api.events.values())
            print(f"{sent} {getattr(api, 'too_many', 0)}", flush=True)
        elif command == "texts":  # how many distinct texts arrived, and how many twice
            seen = [e.text for chat in api.events.values() for e in chat]
            print(f"{len(set(seen))} {len(seen) - len(set(seen))}", flush=True)
        elif command == "reset":
            api.events.clear()
            api.journal.clear()
            api.too_many = 0
            print("ok", flush=True)
        elif command in ("load", "load2"):
            print(await _loads(api, [s.strip() for s in rest.split("|")]), flush=True)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0))
