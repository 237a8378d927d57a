"""Run the local Bot API server in its own process for benchmarks (prints its base URL)."""

from __future__ import annotations

import asyncio
import sys

from tests.fakes.botapi import FakeBotAPI


async def main(rate_limit: float) -> None:
    api = FakeBotAPI()
    api.rate_limit = rate_limit
    print(await api.start(), flush=True)
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            return
        if line.strip() == "stats":
            sent = sum(len(v) for v in api.events.values())
            print(f"{sent} {getattr(api, 'too_many', 0)}", flush=True)
        if line.strip() == "texts":  # how many distinct texts arrived, and how many twice
            seen = [e.text for chat in api.events.values() for e in chat]
            print(f"{len(set(seen))} {len(seen) - len(set(seen))}", flush=True)
        if line.strip() == "reset":
            api.events.clear()
            api.too_many = 0
            print("ok", flush=True)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0))
