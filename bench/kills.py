"""Doubles after SIGKILL (issue 13): the real `neuguong run` is killed ten times in the middle
of a 5,000-message announcement and restarted; every message must arrive, and the messages
that arrive twice are those in flight at a kill (sent, outcome not yet written).

    python -m bench.kills [--messages 5000] [--kills 10]

Set NEUGUONG_BENCH_POSTGRES_URL to include PostgreSQL. Figures go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import drop_pg, print_table, report, scratch_pg
from bench.reminders import TOKEN, Server
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.repos import outbox

SLOTS = 64  # the sender's send slots (SenderConfig.concurrency): the most in flight at once


async def _queue(url: str, count: int) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC)
    rows = [
        outbox.pending(
            f"kill:{n}",
            "broadcast_bench",
            ("telegram", str(7_000_000 + n), None),
            now,
            text=f"kill-{n:05d}",
        )  # fmt: skip
        for n in range(count)
    ]
    async with make_sessionmaker(engine)() as s:
        await outbox.add_many(s, rows)
        await s.commit()
    await engine.dispose()


def _start(server: Server, url: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_URL": url,
        "NEUGUONG_RATE_PER_SECOND": "200",
        "NEUGUONG_RATE_TOTAL_PER_SECOND": "0",
        "NEUGUONG_RATE_PER_CHAT_SECONDS": "0",
        "NEUGUONG_SENDER_LEASE_SECONDS": "3",
        "NEUGUONG_DIGEST_ENABLED": "false",
        "NEUGUONG_WEB_PORT": "0",
    }
    log = (cwd / "bot.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=cwd, env=env, stdout=log, stderr=log
    )


def _texts(server: Server) -> tuple[int, int]:
    distinct, doubles = (int(x) for x in server.ask("texts").split())
    return distinct, doubles


def _wait(until: object, within: float) -> None:
    """Poll a condition (the server is another process: nothing to await)."""
    started = time.monotonic()
    while not until() and time.monotonic() - started < within:  # type: ignore[operator]
        time.sleep(0.05)


async def kills(url: str, backend: str, count: int, times: int) -> None:
    await _queue(url, count)
    server = Server()
    doubles_after: list[int] = []
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        for _ in range(times):
            before = _texts(server)
            proc = _start(server, url, cwd)
            target = min(count, before[0] + count // (times + 2))
            _wait(lambda t=target: _texts(server)[0] >= t, 120)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            doubles_after.append(_texts(server)[1] - before[1])
        proc = _start(server, url, cwd)
        _wait(lambda: _texts(server)[0] >= count, 300)
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    distinct, doubles = _texts(server)
    server.close()
    report(f"killed {times} times mid-announcement ({count} messages)", backend,
           f"{distinct}/{count} arrived, {doubles} twice")  # fmt: skip
    report("  twice, per kill", backend, ", ".join(str(d) for d in doubles_after))
    report("  bound: sends in flight at a kill (send slots)", backend, f"≤ {SLOTS}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await kills(f"sqlite+aiosqlite:///{folder}/k.db", "SQLite", args.messages, args.kills)
    pg = os.environ.get("NEUGUONG_BENCH_POSTGRES_URL")
    if pg:
        scratch = await scratch_pg(pg)
        try:
            await kills(scratch, "PostgreSQL", args.messages, args.kills)
        finally:
            await drop_pg(pg, scratch)
    print_table()


if __name__ == "__main__":
    asyncio.run(main())
