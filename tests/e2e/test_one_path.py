"""One outbound path (issue 13): a notice caused by a chat action is written with the action
and sent by the outbox, so a 500 or a kill does not lose it; replies share the network's
budget ahead of the outbox, so a busy sender does not swallow them; one process polls."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.invites import create_system_invite
from storage.db import make_engine, make_sessionmaker
from storage.dto import Role
from storage.migrate import upgrade
from storage.repos import outbox
from tests.conftest import FakeClock, RunningBot, start_bot
from tests.e2e.conftest import CELL, MEMBER, SECRETARY, seed_commitment
from tests.e2e.helpers import enrol
from tests.e2e.process import BotProcess
from tests.fakes.botapi import FakeBotAPI

Sessions = async_sessionmaker[AsyncSession]
RATE = 24


async def _submit(api: FakeBotAPI) -> None:
    member = api.user(MEMBER, "An")
    await member.send("/dangky")
    await member.reply()
    await member.press("📤 Gửi chi bộ duyệt")
    await member.reply()
    await member.press("📤 Gửi")
    await member.expect(2)


async def test_a_500_on_a_notice_and_a_429_on_a_reply_lose_nothing(
    year_bot: RunningBot, sessions: Sessions, clock: FakeClock
) -> None:
    api = year_bot.api
    await seed_commitment(sessions, MEMBER, 1)
    api.fail("sendMessage", 500, times=1, chat=SECRETARY)  # the notice's first try
    await _submit(api)
    await api.wait_for(lambda: not api.faults[-1].times, 10)
    clock.advance(seconds=10)  # its retry comes due on the bot's clock
    secretary = api.user(SECRETARY, "Bình")
    notice = await secretary.reply(within=15)
    assert "gửi bản đăng ký nêu gương" in notice.text
    api.fail("sendMessage", 429, times=1, retry_after=1, chat=777)  # the answer to /start
    stranger = api.user(777, "Khách")
    await stranger.send("/start")
    answer = await stranger.reply(within=15)
    assert "đường link mời" in answer.text
    await asyncio.sleep(1.5)
    assert len(api.transcript(SECRETARY)) == 1  # once each
    assert len(api.transcript(777)) == 1


async def test_answers_keep_coming_while_the_sender_is_at_its_limit(
    botapi: FakeBotAPI, db_url: str
) -> None:
    """The stand-in enforces Telegram's 30 messages a second and one a second per chat; 20
    people write every 2 s while 1,000 announcements go out: every answer arrives, and the
    sender keeps at least 80 % of its rate. (Twenty people writing in the same instant
    get their answers first; the sender then keeps about 70 %: the answers come first.)"""
    engine = make_engine(db_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    rows = [
        outbox.pending(
            f"load:{n}",
            "broadcast_test",
            ("telegram", str(200_000 + n), None),
            _now(),
            text=f"load-{n:05d}",
        )  # fmt: skip
        for n in range(1500)
    ]
    async with sessions() as s:
        await outbox.add_many(s, rows)
        await s.commit()
    botapi.rate_limit = 30
    botapi.chat_rate = 1.0
    # at 24 a second: the 30 less the 10 answers leave 20, the bar at 25 (0.8 × 25) exactly
    running = await start_bot(
        botapi, db_url, NEUGUONG_PLANNER_SECONDS=3600, NEUGUONG_RATE_PER_SECOND=RATE
    )
    people = [botapi.user(3000 + n, f"Người {n}") for n in range(20)]
    await botapi.wait_for(lambda: _load(botapi) >= 50, 30)  # the sender is at its pace
    started, before = time.monotonic(), _load(botapi)
    try:
        for _round in range(15):  # each every 2 s, one after another (0.1 s apart)
            for person in people:
                await person.send("/tiendo")
                await asyncio.sleep(2.0 / len(people))
        sent = _load(botapi) - before  # while people were writing
        elapsed = time.monotonic() - started
        await botapi.wait_for(lambda: all(len(botapi.transcript(p.id)) >= 15 for p in people), 30)
    finally:
        await running.shutdown()
        await engine.dispose()
    answers = [len(botapi.transcript(p.id)) for p in people]
    rate = sent / elapsed
    print(
        f"\nanswers {sum(answers)}/300, outbox {rate:.1f} msg/s, "
        f"429s {getattr(botapi, 'too_many', 0)}"
    )
    assert answers == [15] * 20
    assert rate >= 0.8 * RATE


def _load(api: FakeBotAPI) -> int:
    return len([e for c in list(api.events.values()) for e in c if e.text.startswith("load-")])


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def test_killed_right_after_an_approval_the_member_is_told_after_restart(
    botapi: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    from datetime import date

    from domain import campaigns

    people = [(SECRETARY, Role.SECRETARY, "Trần Thị Bình"), (MEMBER, Role.MEMBER, "Nguyễn Văn An")]
    cell, _ = await enrol(sessions, CELL, people)
    year = _now().year
    async with sessions() as s:
        await campaigns.create(s, None, cell, year, "Nêu gương", date(year, 1, 1),
                               date(year, 12, 31), _now())  # fmt: skip
        await s.commit()
    await seed_commitment(sessions, MEMBER, 1, now=_now())
    await engine.dispose()
    env = {
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "DATABASE_URL": db_url,
        "NEUGUONG_SENDER_LEASE_SECONDS": "3",
    }
    first = BotProcess(botapi, tmp_path, **env)
    await first.start()
    await _submit(botapi)
    secretary = botapi.user(SECRETARY, "Bình")
    notice = await secretary.reply(within=20)
    # the approval's notice to the member fails once, and the process dies before its retry
    botapi.fail("sendMessage", 502, times=1, chat=MEMBER, description="Bad Gateway")
    await secretary.press("✅ Duyệt", event=notice)
    await secretary.reply(within=20)
    await botapi.wait_for(lambda: _tried(botapi, MEMBER, "🎉"), 20)
    await first.kill()
    before = _told(botapi)
    second = BotProcess(botapi, tmp_path, **env)
    await second.start()
    try:
        await botapi.wait_for(lambda: _told(botapi) == 1, 30)
    finally:
        await second.stop()
    assert before == 0
    assert _told(botapi) == 1


def _told(api: FakeBotAPI) -> int:
    return len([e for e in api.transcript(MEMBER) if "🎉" in e.text])


def _tried(api: FakeBotAPI, chat: int, start: str) -> bool:
    return any(
        m == "sendMessage" and str(p.get("chat_id")) == str(chat) and start in str(p.get("text"))
        for m, p in api.calls
    )


async def test_one_poller_at_a_time_and_a_takeover(
    botapi: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    """Two processes on one PostgreSQL in polling mode: only one polls (no 409s), every
    update is answered once; kill the poller and the other polls within seconds."""
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL")
    engine = make_engine(db_url)
    await upgrade(engine)
    from datetime import UTC, datetime

    from domain.units import add_path

    async with make_sessionmaker(engine)() as s:
        cell, _ = await add_path(s, CELL, datetime.now(UTC))
        await create_system_invite(s, cell, Role.MEMBER, 10, 14, datetime.now(UTC))
        await s.commit()
    await engine.dispose()
    env = {
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "DATABASE_URL": db_url,
        "NEUGUONG_LOG_LEVEL": "INFO",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pair = [BotProcess(botapi, tmp_path / "a", **env), BotProcess(botapi, tmp_path / "b", **env)]
    await pair[0].start()
    await pair[1].start(wait_polling=False)
    try:
        people = [botapi.user(5000 + n, f"Khách {n}") for n in range(10)]
        for person in people:
            await person.send("/start")
        for person in people:
            await person.reply(within=20)
        await asyncio.sleep(3)  # the standby's attempts to take the lock, all refused
        assert botapi.conflicts == 0
        assert all(len(botapi.transcript(p.id)) == 1 for p in people)
        poller = next(p for p in pair if "polls for updates" in p.log.read_text())
        other = pair[1] if poller is pair[0] else pair[0]
        await poller.kill()
        killed = time.monotonic()
        late = botapi.user(5100, "Đến muộn")
        await late.send("/start")
        await late.reply(within=40)
        print(f"\nthe other process answered {time.monotonic() - killed:.1f} s after the kill")
        assert "polls for updates" in other.log.read_text()
    finally:
        for process in pair:
            if process.proc is not None and process.proc.returncode is None:
                await process.stop()
    assert botapi.conflicts == 0
