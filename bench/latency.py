"""Interactive latency under load (issue 14): what members feel while the bot works.

The real `neuguong run` on the 150,000-member data set, against the local Bot API server in
its own process; 20 members each send /tiendo every 2 s, through four phases:

  (a) idle;
  (b) the Monday burst (150,000 reminders) being planned, in service;
  (c) the sender sending at its limit;
  (d) five secretaries asking for their unit's report with chart every 4 s;

then bare python-telegram-bot (a one-line answer to /tiendo) takes the same traffic from the
same server in the same run. Latency is measured in the server's process: the update pushed
→ the bot's first message to that chat. Prints p50/p95/p99/max per phase.

    python -m bench.latency [--members 150000] [--cells 10000] [--seconds 20]

Set NEUGUONG_BENCH_POSTGRES_URL to run on PostgreSQL as well.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.common import main_on_both, report
from bench.dataset import build
from bench.reminders import TOKEN, Server
from storage.db import make_engine
from storage.migrate import upgrade

FIRST_CHAT = 1_000_000
PEOPLE = 20
SECRETARIES = 5
BARE = """
import sys
from telegram.ext import ApplicationBuilder, CommandHandler
async def answer(update, context):
    await update.message.reply_text("Tiến độ của đồng chí: 50%")
app = ApplicationBuilder().token(sys.argv[1]).base_url(sys.argv[2]).build()
app.add_handler(CommandHandler("tiendo", answer))
app.run_polling()
"""


async def _prepare(url: str, members: int, cells: int) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    far = datetime.now(UTC) + timedelta(days=30)  # nothing due until the burst is asked for
    await build(engine, members, cells, far, first_chat=FIRST_CHAT, quiet=False)
    async with engine.begin() as conn:  # five secretaries, of the cells of members 1..5
        for n in range(1, SECRETARIES + 1):
            await conn.execute(
                text(
                    "INSERT INTO role_grants (user_id, unit_id, role, created_at) "
                    "SELECT m.user_id, m.unit_id, 'secretary', :now FROM members m WHERE m.id = :id"
                ),
                {"id": n, "now": datetime.now(UTC).replace(tzinfo=None)},
            )
    await engine.dispose()


async def _burst(url: str) -> None:
    """Every schedule due now, the last period older: the Monday burst."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE schedules SET next_due_at = :d, period = '2000-W01'"),
            {"d": (datetime.now(UTC) - timedelta(minutes=1)).replace(tzinfo=None)},
        )
    await engine.dispose()


async def _outbox(url: str) -> int:
    engine = make_engine(url)
    async with engine.connect() as conn:
        found = await conn.scalar(text("SELECT count(*) FROM outbox"))
    await engine.dispose()
    return int(found or 0)


def _start_bot(server: Server, url: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_URL": url,
        "NEUGUONG_PLANNER_SECONDS": "5",
        "NEUGUONG_DIGEST_ENABLED": "false",
        "NEUGUONG_WEB_PORT": "0",
        "NEUGUONG_LOG_LEVEL": "WARNING",
    }
    log = (cwd / "bot.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=cwd, env=env,
                            stdout=log, stderr=log)  # fmt: skip


def _chats(first: int, count: int) -> str:
    return ",".join(str(FIRST_CHAT + n) for n in range(first, first + count))


def _phase(
    server: Server, name: str, backend: str, seconds: int, secretaries: bool = False
) -> None:
    members = f"{seconds} 2 /tiendo {_chats(SECRETARIES, PEOPLE)}"
    if secretaries:
        bosses = f"{seconds} 4 /baocao_chibo {_chats(0, SECRETARIES)}"
        found = server.ask(f"load2 {members} | {bosses}").split(" | ")
    else:
        found = [server.ask(f"load {members}")]
    count, lost, p50, p95, p99, worst = found[0].split()
    report(
        f"  {name}",
        backend,
        f"p50 {p50} / p95 {p95} / p99 {p99} / max {worst} ms ({count} answers, {lost} lost)",
    )
    if secretaries:
        count, lost, p50, p95, p99, worst = found[1].split()
        report("  (the secretaries' reports, text first)", backend,
               f"p50 {p50} / p99 {p99} / max {worst} ms ({count})")  # fmt: skip


def latency(url: str, backend: str, members: int, cells: int, seconds: int) -> None:
    """The phases, one after the other (a script: the servers are other processes)."""
    started = time.monotonic()
    asyncio.run(_prepare(url, members, cells))
    report(f"data set: {members} members, {cells} cells", backend,
           f"built in {time.monotonic() - started:.0f} s")  # fmt: skip
    server = Server()
    with tempfile.TemporaryDirectory() as folder:
        bot = _start_bot(server, url, Path(folder))
        time.sleep(8)  # start-up: migrations checked, the first tick, polling
        _phase(server, "(a) idle", backend, seconds)
        asyncio.run(_burst(url))
        _phase(server, "(b) the Monday burst being planned", backend, seconds)
        for _ in range(120):  # until the burst is planned
            if asyncio.run(_outbox(url)) >= members * 0.95:
                break
            time.sleep(1)
        _phase(server, "(c) the sender at its limit", backend, seconds)
        _phase(server, "(d) five secretaries' reports with chart", backend, seconds, True)
        bot.send_signal(signal.SIGTERM)
        bot.wait(30)
    bare = subprocess.Popen([sys.executable, "-c", BARE, TOKEN, server.base_url])
    time.sleep(4)
    _phase(server, "bare python-telegram-bot, the same traffic", backend, seconds)
    bare.send_signal(signal.SIGINT)
    bare.wait(30)
    server.close()


def main() -> None:
    main_on_both(latency, "latency")


if __name__ == "__main__":
    main()
