"""The delivery engine's last exceptions (issue 13), each reproduced against the local Bot API:
a lost lock, a database locked for 40 s, hanging sends, an outage of minutes, and a campaign
opened after its members joined."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.outbound import TelegramChannel
from domain import campaigns
from jobs import planner, sender
from jobs.limits import Limits
from jobs.sender import Sender, SenderConfig
from storage import locks
from storage.db import make_engine, make_sessionmaker
from storage.locks import ProcessLock
from storage.models import OutboxMessage
from storage.repos import outbox
from tests.conftest import FakeClock
from tests.fakes.botapi import FakeBotAPI

Sessions = async_sessionmaker[AsyncSession]


def now() -> datetime:
    return datetime.now(UTC)


async def queue(sessions: Sessions, count: int, tag: str, first_chat: int = 100_000) -> None:
    rows = [
        outbox.pending(
            f"{tag}:{n}",
            "broadcast_test",
            ("telegram", str(first_chat + n), None),
            now(),
            text=f"{tag}-{n:05d}",
        )  # fmt: skip
        for n in range(count)
    ]
    async with sessions() as s:
        await outbox.add_many(s, rows)
        await s.commit()


def received(api: FakeBotAPI, tag: str) -> list[str]:
    return [e.text for chat in list(api.events.values()) for e in chat if e.text.startswith(tag)]


async def states(sessions: Sessions) -> dict[str, int]:
    async with sessions() as s:
        rows = await s.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        )
        return {state: int(n) for state, n in rows}


def config(**values: object) -> SenderConfig:
    base: dict[str, object] = {
        "batch": 100,
        "lease_seconds": 20.0,
        "limits": Limits(0, 0, 0),
        "idle_seconds": 0.05,
        "lock_retry": 0.5,
        "lock_check": 0.2,
        "fence_grace": 0.5,
    }
    base.update(values)
    return SenderConfig(**base)  # type: ignore[arg-type]


async def test_a_lost_lock_stops_the_sender_at_once(
    botapi: FakeBotAPI, db_url: str, sessions: Sessions
) -> None:
    """Two senders on one PostgreSQL; the active one's lock session is killed while it sends:
    it stops, the other takes over, and nobody gets a message twice."""
    if not db_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's; SQLite runs one process")
    engines = [make_engine(db_url), make_engine(db_url)]
    sessions = [make_sessionmaker(e) for e in engines]
    await queue(sessions[0], 3000, "fence")
    channels = [TelegramChannel(botapi.token, botapi.base_url) for _ in engines]
    senders = [
        Sender(s, {"telegram": c}, now, config(limits=Limits(300, 0, 0, 0, 0)))
        for s, c in zip(sessions, channels, strict=True)
    ]
    lock_list = [ProcessLock(e, locks.SENDER) for e in engines]
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(sender.run(s, lock, stop))
        for s, lock in zip(senders, lock_list, strict=True)
    ]
    try:
        await botapi.wait_for(lambda: len(received(botapi, "fence")) >= 500, 60)
        active = next(lock for lock in lock_list if lock.held)
        async with engines[0].connect() as conn:
            pid = await conn.scalar(
                text("SELECT pid FROM pg_locks WHERE locktype='advisory' AND granted")
            )
            await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            await conn.commit()
        await botapi.wait_for(lambda: len(set(received(botapi, "fence"))) >= 3000, 120)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for channel in channels:
            await channel.close()
        for engine in engines:
            await engine.dispose()
    got = received(botapi, "fence")
    doubles = len(got) - len(set(got))
    print(f"\n3000 sent by two senders, the active one's lock killed: {doubles} doubles")
    assert active is not None
    assert doubles == 0


async def test_a_database_locked_for_40_s_loses_and_doubles_nothing(
    botapi: FakeBotAPI, db_url: str, sessions: Sessions
) -> None:
    """On SQLite, another writer holds the write lock for 40 s while the sender sends: its
    outcome writes wait and are retried, never dropped; nothing goes twice."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer")
    await queue(sessions, 1500, "locked")
    channel = TelegramChannel(botapi.token, botapi.base_url)
    worker = Sender(sessions, {"telegram": channel}, now, config(limits=Limits(60, 0, 0, 0, 0)))
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(worker, ProcessLock(sessions.kw["bind"], 1), stop))
    path = db_url.split("///", 1)[1]
    holding = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        holding.set()
        time.sleep(40)
        conn.execute("COMMIT")
        conn.close()

    try:
        await botapi.wait_for(lambda: len(received(botapi, "locked")) >= 200, 60)
        thread = threading.Thread(target=hold)
        thread.start()
        await asyncio.get_running_loop().run_in_executor(None, holding.wait)
        await asyncio.get_running_loop().run_in_executor(None, thread.join)
        await botapi.wait_for(lambda: len(set(received(botapi, "locked"))) >= 1500, 120)
        for _ in range(200):
            if (await states(sessions)).get("sent") == 1500:
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task
        await channel.close()
    got = received(botapi, "locked")
    assert len(got) == len(set(got)) == 1500
    assert await states(sessions) == {"sent": 1500}


async def test_hanging_sends_hold_a_slot_not_the_queue(
    botapi: FakeBotAPI, sessions: Sessions
) -> None:
    """5 % of sends hang until the client gives up: the rest keep the 25/s pace (≥ 20/s)."""
    await queue(sessions, 600, "hang")
    botapi.chaos["sendMessage"] = (0.0, 0.05, 30.0)  # 5 % answer after 30 s: never, here
    channel = TelegramChannel(botapi.token, botapi.base_url, timeout=5.0)
    worker = Sender(sessions, {"telegram": channel}, now, config(limits=Limits(25, 0, 0, 30, 5)))
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(sender.run(worker, ProcessLock(sessions.kw["bind"], 1), stop))
    try:
        await botapi.wait_for(lambda: len(received(botapi, "hang")) >= 570, 90)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        await task
        await channel.close()
    rate = len(received(botapi, "hang")) / elapsed
    print(f"\n600 with 5 % hanging: {rate:.1f} msg/s at the 25/s setting")
    assert rate >= 20


async def test_an_outage_of_minutes_dead_letters_nothing(
    botapi: FakeBotAPI, sessions: Sessions
) -> None:
    """The Bot API answers nothing but 502 for five minutes (of the sender's clock): the
    messages wait, their attempts unspent; afterwards every one arrives, none dead."""
    clock = FakeClock(now())
    await queue(sessions, 300, "outage")
    botapi.fail("sendMessage", 502, times=10_000, description="Bad Gateway")
    channel = TelegramChannel(botapi.token, botapi.base_url)
    worker = Sender(
        sessions, {"telegram": channel}, clock,
        config(limits=Limits(100, 0, 0, 0, 0), retry_hours=0.05),
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(worker, ProcessLock(sessions.kw["bind"], 1), stop))
    try:
        for _ in range(10):  # five minutes of the sender's clock, in a few real seconds
            await asyncio.sleep(0.5)
            clock.advance(seconds=30)
        assert received(botapi, "outage") == []
        botapi.faults.clear()
        for _ in range(60):
            await asyncio.sleep(1.0)
            clock.advance(seconds=30)  # retries come due on the sender's clock
            if len(set(received(botapi, "outage"))) >= 300:
                break
    finally:
        stop.set()
        await task
        await channel.close()
    found = await states(sessions)
    print(f"\nafter the outage: {found}; the network was paused {worker.limiter.outages} times")
    assert "dead" not in found
    assert len(set(received(botapi, "outage"))) == 300


async def test_a_campaign_opened_after_members_joined_reminds_on_its_days(
    sessions: Sessions,
) -> None:
    """Members join in December; the campaign opens on 18 January with the deadline ten days
    later: each "days left" reminder comes on its day, for a monthly member too."""
    from domain import preferences
    from storage.dto import Role
    from tests.e2e.conftest import CELL
    from tests.e2e.helpers import enrol
    from tests.integration.people import actor

    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")

    def at(day: date, hour: int = 8, minute: int = 1) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=hanoi).astimezone(UTC)

    cell, _ = await enrol(
        sessions, CELL, [(61, Role.MEMBER, "Nguyễn Văn An"), (62, Role.MEMBER, "Lê Thị Cúc")]
    )
    joined = date(2026, 12, 14)
    await planner.tick(sessions, at(joined))  # the members' baseline, no campaign yet
    async with sessions() as s:
        monthly = await actor(s, 62, at(joined))
        await preferences.change(s, monthly, at(joined), cadence="monthly")
        await s.commit()
    await planner.tick(sessions, at(joined, 9))
    opened = date(2027, 1, 18)
    async with sessions() as s:
        await campaigns.create(s, None, cell, 2027, "Nêu gương, trách nhiệm", opened,
                               date(2027, 1, 28), at(opened, 7, 0))  # fmt: skip
        await s.commit()
    sent: Counter[str] = Counter()
    day = opened
    while day <= date(2027, 1, 28):
        for hour in (7, 8, 12, 20):
            await planner.tick(sessions, at(day, hour))
        day += timedelta(days=1)
    async with sessions() as s:
        keys = list(
            await s.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "registration")
            )
        )
    for key in keys:
        sent[key.rsplit(":", 1)[1]] += 1
    assert sent == {"2027-01-21": 2, "2027-01-26": 2, "2027-01-27": 2, "2027-01-28": 2}
