"""Reminder engine benchmarks (issue 4). Prints a table; figures go to BENCHMARKS.md.

    python -m bench.reminders [--members 150000] [--cells 10000] [--runs 3]

Set NEUGUONG_BENCH_POSTGRES_URL (postgresql+asyncpg://postgres@127.0.0.1:5432/test) to
include PostgreSQL; a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.common import cpu_reference, drop_pg, median_of, print_table, report, scratch_pg
from bench.dataset import build
from bot.telegram.outbound import TelegramChannel
from jobs import planner
from jobs.limits import Limits
from jobs.sender import Sender, SenderConfig
from jobs.tuning import tune_gc
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.repos import outbox

TOKEN = "123456789:TEST-token-for-local-server-abcdef"
MONDAY = datetime(2027, 1, 11, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


class Server:
    """The local Bot API server in a separate process (so it does not share our loop)."""

    def __init__(self, rate_limit: float = 0.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_server", str(rate_limit)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()

    def ask(self, line: str) -> str:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()


async def _bursts(engine, sessions, members: int, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM outbox"))
            await conn.execute(
                text("UPDATE schedules SET next_due_at = :d, missed = 0, period = '2027-W01'"),
                {"d": MONDAY.replace(tzinfo=None)},
            )
        started = time.perf_counter()
        done = await planner.tick(sessions, MONDAY)
        times.append(time.perf_counter() - started)
        assert done.queued == members, done
    return times


async def planner_burst(url: str, backend: str, members: int, cells: int, runs: int) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    started = time.perf_counter()
    await build(engine, members, cells, MONDAY)
    report(
        f"build the data set ({members:,} members, {cells:,} cells)",
        backend,
        f"{time.perf_counter() - started:.1f} s",
    )
    sessions = make_sessionmaker(engine)
    default = await _bursts(engine, sessions, members, runs)
    report(
        f"plan the Monday burst ({members:,} due reminders), default GC, median of {runs}",
        backend,
        f"{median_of(default):.1f} s (runs: {', '.join(f'{t:.1f}' for t in default)})",
    )
    tune_gc()  # as `neuguong run` does (jobs/tuning.py); the rest of this process keeps it
    tuned = await _bursts(engine, sessions, members, runs)
    report(
        f"plan the Monday burst ({members:,} due reminders), as the bot runs, median of {runs}",
        backend,
        f"{median_of(tuned):.1f} s (runs: {', '.join(f'{t:.1f}' for t in tuned)})",
    )
    idle = []
    for n in range(30):
        started = time.perf_counter()
        done = await planner.tick(sessions, MONDAY + timedelta(seconds=30 * (n + 1)))
        idle.append(time.perf_counter() - started)
        assert done.members == 0
    report("idle tick (nothing due), median of 30", backend, f"{median_of(idle) * 1000:.1f} ms")
    await _settle(engine)
    await engine.dispose()


async def _settle(engine) -> None:  # type: ignore[no-untyped-def]
    """Clear the bursts' rows and let PostgreSQL vacuum them now, as autovacuum does in a
    running province over minutes, so the next measurements do not share the machine with
    the vacuum of 450,000 dead rows."""
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM outbox"))
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text("VACUUM ANALYZE outbox"))
            await auto.execute(text("VACUUM ANALYZE schedules"))


async def _queue(sessions, count: int, tag: str, composed: bool = False) -> None:  # type: ignore[no-untyped-def]
    """`count` reminders due now: with their text, or (composed) written as the planner writes
    them, about members 1..count of the data set, for the sender to compose."""
    now = datetime.now(UTC)
    rows = [
        {
            "dedupe_key": f"{tag}:{n}",
            "kind": "checkin",
            "channel": "telegram",
            "chat_id": str(5_000_000 + n),
            "user_id": None,
            "subject_id": n + 1 if composed else None,
            "text": None if composed else f"Kính gửi đồng chí, đã đến kỳ báo cáo ({tag} {n})",
            "markup": None if composed else [[{"text": "📈 1. Nội dung", "data": "k:i:1"}]],
            "state": "pending",
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }
        for n in range(count)
    ]
    async with sessions() as s:
        await outbox.add_many(s, rows)
        await s.commit()


async def _drain(sender: Sender, sessions, count: int) -> None:  # type: ignore[no-untyped-def]
    while await sender.run_once():
        pass


async def sender_throughput(
    url: str, backend: str, count: int, runs: int, composed: bool = False
) -> None:
    server = Server()
    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    ours, bare = [], []
    for run in range(max(runs, 7)):  # short runs on a noisy machine: at least seven
        await _queue(sessions, count, f"{'c' if composed else 't'}{run}", composed)
        channel = TelegramChannel(TOKEN, server.base_url)
        config = SenderConfig(batch=200, concurrency=8, limits=Limits(0, 0, 0))
        sender = Sender(sessions, {"telegram": channel}, lambda: datetime.now(UTC), config)
        started = time.perf_counter()
        await _drain(sender, sessions, count)
        ours.append(count / (time.perf_counter() - started))
        await channel.close()
        bare.append(await _bare_ptb(server.base_url, count))
    server.close()
    # Each run's ratio pairs two back-to-back measurements on the machine as it is at that
    # moment; the median of those is robust to the machine's speed drifting between runs.
    ratio = median_of([o / b for o, b in zip(ours, bare, strict=True)])
    what = "reminders composed at send time" if composed else "texts written in the outbox"
    report(
        f"sender, limits off, {what}: outbox -> local server ({count} messages)",
        backend,
        f"{median_of(ours):.0f} msg/s",
    )
    report(
        "  bare python-telegram-bot, same messages, same server",
        backend,
        f"{median_of(bare):.0f} msg/s",
    )
    pairs = ", ".join(f"{o / b:.2f}" for o, b in zip(ours, bare, strict=True))
    report("  ratio (sender / bare PTB), median of paired runs", backend, f"{ratio:.2f} ({pairs})")
    await engine.dispose()


async def _bare_ptb(base_url: str, count: int) -> float:
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.request import HTTPXRequest

    bot = Bot(TOKEN, base_url=base_url, request=HTTPXRequest(connection_pool_size=8))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("📈 1. Nội dung", callback_data="k:i:1")]])
    gate = asyncio.Semaphore(8)

    async def one(n: int) -> None:
        async with gate:
            await bot.send_message(
                6_000_000 + n, f"Kính gửi đồng chí ({n})", parse_mode="HTML", reply_markup=markup
            )

    async with bot:
        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        return count / (time.perf_counter() - started)


async def rate_limited(url: str, backend: str, count: int) -> None:
    server = Server(rate_limit=30)
    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    await _queue(sessions, count, "rl")
    channel = TelegramChannel(TOKEN, server.base_url)
    config = SenderConfig(batch=100, concurrency=8, limits=Limits(25.0, 1.0, 20))
    sender = Sender(sessions, {"telegram": channel}, lambda: datetime.now(UTC), config)
    started = time.perf_counter()
    await _drain(sender, sessions, count)
    elapsed = time.perf_counter() - started
    sent, too_many = (int(x) for x in server.ask("stats").split())
    await channel.close()
    server.close()
    report(
        f"sender at 25/s, server enforcing 30/s ({count} messages)",
        backend,
        f"{sent / elapsed:.1f} msg/s sustained, {too_many} × 429",
    )
    await engine.dispose()


async def _due_now(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM outbox"))
        await conn.execute(
            # quiet hours off: the real clock may be in the night
            text(
                "UPDATE schedules SET next_due_at = :d, missed = 0, period = '2000-W01', "
                "quiet_start = 0, quiet_end = 0"
            ),
            {"d": (datetime.now(UTC) - timedelta(minutes=1)).replace(tzinfo=None)},
        )
    await engine.dispose()


def peak_memory(url: str, backend: str) -> None:
    """The real `neuguong run` on the 150,000-member database: plan the burst, send for a
    while; VmHWM is the process's peak resident memory."""
    asyncio.run(_due_now(url))
    server = Server()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_URL": url,
        "NEUGUONG_RATE_PER_SECOND": "0",
        "NEUGUONG_RATE_PER_CHAT_SECONDS": "0",
    }
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(45)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak = next(line for line in status.splitlines() if line.startswith("VmHWM"))
        sent = server.ask("stats").split()[0]
        proc.terminate()
        proc.wait(30)
    server.close()
    report(
        "bot process peak memory: start-up tick on the full data set, then sending",
        backend,
        f"{int(peak.split()[1]) / 1024:.0f} MB (sent {sent} in 45 s)",
    )


NAIVE = """
import resource, time, datetime
from telegram.ext import ApplicationBuilder
start = time.perf_counter()
app = ApplicationBuilder().token("123456789:TEST-token-for-local-server-abcdef").build()
async def remind(context): pass
for n in range({members}):
    app.job_queue.run_daily(remind, datetime.time(8, 0), days=(0,), chat_id=n, name=str(n))
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def naive_jobqueue(members: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", NAIVE.format(members=members)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, rss = done.stdout.split()
    report(
        f"naive: PTB JobQueue, one run_daily per member ({members:,})",
        "memory",
        f"start-up {float(seconds):.1f} s, peak {int(rss) / 1024:.0f} MB, "
        "and every job lost on restart",
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=150_000)
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument(
        "--only", choices=["burst", "sender"], help="just the planner burst, or the sender on texts"
    )
    args = parser.parse_args()
    report("reference: pure-Python loop of 10^7 additions", "cpu", f"{cpu_reference():.2f} s")
    backends: list[tuple[str, str]] = []
    folder = tempfile.mkdtemp()
    backends.append(("sqlite", f"sqlite+aiosqlite:///{folder}/bench.db"))
    pg = os.environ.get("NEUGUONG_BENCH_POSTGRES_URL")
    if pg:
        backends.append(("postgres", await scratch_pg(pg)))
    try:
        for backend, url in backends:
            if args.only == "sender":
                await sender_throughput(url, backend, args.messages, args.runs)
                continue
            await planner_burst(url, backend, args.members, args.cells, args.runs)
            if args.only == "burst":
                continue
            await sender_throughput(url, backend, args.messages, args.runs)
            await sender_throughput(url, backend, args.messages, args.runs, composed=True)
            await rate_limited(url, backend, 500)
            await asyncio.to_thread(peak_memory, url, backend)
        if args.only is None:
            naive_jobqueue(args.members)
    finally:
        if pg:
            await drop_pg(pg, backends[-1][1])
    print_table()


if __name__ == "__main__":
    asyncio.run(main())
