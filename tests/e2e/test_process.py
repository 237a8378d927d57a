"""The real `neuguong` process: start-up with only a token, bad settings, kill and restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.invites import create_system_invite
from domain.units import add_path
from storage.db import make_engine, make_sessionmaker
from storage.dto import Role
from storage.migrate import upgrade
from storage.models import Member
from tests.e2e.process import BotProcess, acli, cli
from tests.fakes.botapi import FakeBotAPI


async def test_run_with_only_a_token_creates_sqlite_and_polls(
    botapi: FakeBotAPI, tmp_path: Path
) -> None:
    process = BotProcess(
        botapi, tmp_path, TELEGRAM_BOT_TOKEN=botapi.token, TELEGRAM_API_BASE_URL=botapi.base_url
    )
    await process.start()
    try:
        assert (tmp_path / "neuguong.db").exists()
        with sqlite3.connect(tmp_path / "neuguong.db") as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"units", "members", "invites", "conversations", "alembic_version"} <= tables
        methods = [m for m, _ in botapi.calls]
        assert methods[0] == "getMe"
        assert methods.index("deleteWebhook") < methods.index("getUpdates")
        assert [c["command"] for c in botapi.commands[("default", "vi")]][:3] == [
            "start",
            "dangky",
            "baocao",
        ]
        assert [c["command"] for c in botapi.commands[("default", "en")]][:3] == [
            "start",
            "commitment",
            "report",
        ]
        assert botapi.commands[("default", "en")][1]["description"] == "My commitments"
        guest = botapi.user(900, "Khách")
        await guest.send("/start")
        assert "đường link mời" in (await guest.reply(within=20)).text
    finally:
        assert await process.stop() == 0


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"NEUGUONG_WEB_ENABLED": "false"}, "TELEGRAM_BOT_TOKEN: missing"),
        ({"NEUGUONG_WEB_URL": "ftp://example.vn"}, "NEUGUONG_WEB_URL:"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN: expected the shape"),
        ({"TELEGRAM_BOT_TOKEN": "1:" + "a" * 30, "DATABASE_URL": "mysql://x"}, "DATABASE_URL:"),
        (
            {"TELEGRAM_BOT_TOKEN": "1:" + "a" * 30, "ADMIN_TELEGRAM_IDS": "12,abc"},
            "ADMIN_TELEGRAM_IDS:",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "1:" + "a" * 30, "NEUGUONG_TIMEZONE": "Mars/Base"},
            "NEUGUONG_TIMEZONE:",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "1:" + "a" * 30, "NEUGUONG_DEFAULT_LANGUAGE": "fr"},
            "NEUGUONG_DEFAULT_LANGUAGE:",
        ),
    ],
)
def test_bad_settings_stop_with_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], says: str
) -> None:
    done = cli(tmp_path, "run", **env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert says in lines[0]
    assert lines[0].startswith("Cấu hình không hợp lệ")
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "neuguong.db").exists()


async def test_token_refused_by_telegram_is_one_line(botapi: FakeBotAPI, tmp_path: Path) -> None:
    process = BotProcess(
        botapi,
        tmp_path,
        TELEGRAM_BOT_TOKEN="999:" + "b" * 30,
        TELEGRAM_API_BASE_URL=botapi.base_url,
    )
    proc_log = tmp_path / "bot.log"
    with pytest.raises(AssertionError):
        await process.start()
    assert process.proc is not None
    assert process.proc.returncode == 2
    text = proc_log.read_text()
    assert "Telegram từ chối TELEGRAM_BOT_TOKEN" in text
    assert "Traceback" not in text


async def _seed_invite(db_url: str) -> str:
    from datetime import UTC, datetime

    engine = make_engine(db_url)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as s:
        cell, _ = await add_path(
            s, "Đảng bộ Khối các cơ quan tỉnh/Chi bộ Sở Tài chính", datetime.now(UTC)
        )
        made = await create_system_invite(s, cell, Role.MEMBER, 10, 14, datetime.now(UTC))
        await s.commit()
    await engine.dispose()
    return made.token


async def test_kill_in_the_middle_of_registration(
    botapi: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    token = await _seed_invite(db_url)
    env = {
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "DATABASE_URL": db_url,
    }
    process = BotProcess(botapi, tmp_path, **env)
    await process.start()
    member = botapi.user(4242, "Hà")
    await member.send(f"/start {token}")
    await member.expect(2)
    name_update = await member.send("Phạm Thu Hà")
    await member.reply(within=20)
    await member.send("Kế toán trưởng")
    head_question = await member.reply(within=20)
    assert "Bước 3/3" in head_question.text
    await process.kill()

    restarted = BotProcess(botapi, tmp_path, **env)
    await restarted.start()
    try:
        await botapi.redeliver(name_update)  # Telegram may resend what was not acknowledged
        await member.send("/start")
        again = await member.reply(within=20)
        assert "Bước 3/3" in again.text, again.text
        await member.press("Có", event=head_question)
        confirm = await member.reply(within=20)
        assert "Họ và tên: <b>Phạm Thu Hà</b>" in confirm.text
        assert "Chức vụ: Kế toán trưởng" in confirm.text
        assert "Người đứng đầu: Có" in confirm.text
        await member.press("✅ Xác nhận")
        await member.expect(2, within=20)
        assert member.unseen() == []
    finally:
        await restarted.stop()
    engine = make_engine(db_url)
    sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(engine)
    async with sessions() as s:
        rows = (await s.scalars(select(Member))).all()
        assert [(m.full_name, m.position, m.is_head) for m in rows] == [
            ("Phạm Thu Hà", "Kế toán trưởng", True)
        ]
    await engine.dispose()


async def _seed_member_and_campaign(db_url: str) -> None:
    from datetime import UTC, date, datetime

    from domain import campaigns
    from domain.members import identify, register

    now = datetime.now(UTC)
    engine = make_engine(db_url)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as s:
        cell, _ = await add_path(s, "Đảng bộ Khối các cơ quan tỉnh/Chi bộ Sở Tài chính", now)
        made = await create_system_invite(s, cell, Role.MEMBER, 10, 14, now)
        who = await identify(s, "telegram", "4343", "4343", "", "vi", False, now)
        await register(s, who.actor, made.invite.id, {"name": "Đào Văn Tuấn"}, now)
        year = now.year
        await campaigns.create(
            s, None, cell, year, "Nêu gương, trách nhiệm", date(year, 1, 1), date(year, 12, 31), now
        )
        await s.commit()
    await engine.dispose()


async def test_kill_while_adding_a_commitment_keeps_draft_and_step(
    botapi: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    await _seed_member_and_campaign(db_url)
    env = {
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "DATABASE_URL": db_url,
    }
    process = BotProcess(botapi, tmp_path, **env)
    await process.start()
    member = botapi.user(4343, "Tuấn")
    await member.send("📝 Đăng ký nêu gương")
    await member.reply(within=20)
    await member.press("➕ Thêm nội dung nêu gương")
    await member.reply(within=20)
    await member.send("Gương mẫu chấp hành kỷ luật phát ngôn của cơ quan")
    assert "Chỉ tiêu đo được" in (await member.reply(within=20)).text
    await process.kill()

    restarted = BotProcess(botapi, tmp_path, **env)
    await restarted.start()
    try:
        await member.send("Không vi phạm trong cả năm")
        picker = await member.reply(within=20)
        assert "vào tháng nào" in picker.text
        await member.press("12/" + picker.buttons[11][0].split("/")[1])
        _saved, sheet = await member.expect(2, within=20)
        assert "1. Gương mẫu chấp hành kỷ luật phát ngôn của cơ quan" in sheet.text
        assert "chỉ tiêu: Không vi phạm trong cả năm" in sheet.text
        assert "Tình trạng: <b>Đang soạn</b>" in sheet.text
    finally:
        await restarted.stop()


async def _queue(db_url: str, count: int, first_chat: int, tag: str) -> None:
    from datetime import UTC, datetime

    from storage.repos import outbox

    now = datetime.now(UTC)
    engine = make_engine(db_url)
    await upgrade(engine)
    rows = [
        {
            "dedupe_key": f"{tag}:{n}",
            "kind": "checkin",
            "channel": "telegram",
            "chat_id": str(first_chat + n),
            "user_id": None,
            "text": f"{tag}-{n:05d}",
            "markup": None,
            "state": "pending",
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }
        for n in range(count)
    ]
    async with make_sessionmaker(engine)() as s:
        await outbox.add_many(s, rows)
        await s.commit()
    await engine.dispose()


FAST = {
    "NEUGUONG_RATE_PER_SECOND": "0",
    "NEUGUONG_RATE_PER_CHAT_SECONDS": "0",
    "NEUGUONG_SENDER_LEASE_SECONDS": "3",
    "NEUGUONG_SENDER_BATCH": "100",
}


def _received(api: FakeBotAPI, tag: str) -> list[str]:
    return [e.text for chat in list(api.events.values()) for e in chat if e.text.startswith(tag)]


async def test_sigkill_while_sending_5000(botapi: FakeBotAPI, db_url: str, tmp_path: Path) -> None:
    """Killed mid-send and restarted: every message arrives; the only repeats are rows the
    killed sender held (sent, their outcome not yet written): at most the two batches it
    keeps in hand. (With no pace the sends outrun the outcome writes; over ten runs on SQLite
    before and after this bound was set: 96–176 repeats, never more than 200.)"""
    await _queue(db_url, 5000, 2_000_000, "kill")
    env = {
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "DATABASE_URL": db_url,
        **FAST,
    }
    first = BotProcess(botapi, tmp_path, **env)
    await first.start()
    await botapi.wait_for(lambda: len(_received(botapi, "kill")) >= 1500, 120)
    await first.kill()
    at_kill = len(_received(botapi, "kill"))
    second = BotProcess(botapi, tmp_path, **env)
    await second.start()
    try:
        await botapi.wait_for(lambda: len(set(_received(botapi, "kill"))) >= 5000, 180)
    finally:
        await second.stop()
    got = _received(botapi, "kill")
    repeats = len(got) - len(set(got))
    print(f"\nkilled after {at_kill} of 5000; sent twice: {repeats} (batch size 100)")
    assert len(set(got)) == 5000
    assert repeats <= 2 * 100  # two batches in hand


def _active(processes: list[BotProcess]) -> BotProcess:
    """The process whose log says its sender holds the lock."""
    for process in processes:
        if "is active" in process.log.read_text():
            return process
    raise AssertionError("no active sender")


async def test_two_processes_on_postgres(botapi: FakeBotAPI, db_url: str, tmp_path: Path) -> None:
    """Two `neuguong run` on one PostgreSQL: 5,000 reminders planned by both, each sent once;
    killing the active sender hands over to the other within a minute, repeating at most the
    two batches the killed sender held (as in the SIGKILL test: 115 seen once in CI)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL; SQLite allows one")
    import time
    from datetime import UTC, datetime, timedelta

    from bench.dataset import build

    engine = make_engine(db_url)
    await upgrade(engine)
    # The real clock: quiet hours off, so that the reminders are due whatever the hour (CI
    # also runs this file with the clock at 23:00 in Hà Nội).
    due = datetime.now(UTC) - timedelta(minutes=1)
    await build(engine, 5000, 300, due, first_chat=3_000_000, quiet=False)
    await engine.dispose()
    env = {
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "DATABASE_URL": db_url,
        "NEUGUONG_LOG_LEVEL": "INFO",
        **FAST,
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pair = [BotProcess(botapi, tmp_path / "a", **env), BotProcess(botapi, tmp_path / "b", **env)]
    for process in pair:
        await process.start()
    try:
        await botapi.wait_for(lambda: len(_received(botapi, "⏰")) >= 5000, 180)
        reminders = _received(botapi, "⏰")
        chats = [
            chat
            for chat, events in botapi.events.items()
            for e in events
            if e.text.startswith("⏰")
        ]
        assert len(chats) == len(set(chats)) == 5000  # one reminder each, none twice

        await _queue(db_url, 2000, 4_000_000, "handover")
        await botapi.wait_for(lambda: len(_received(botapi, "handover")) >= 300, 60)
        active = _active(pair)
        await active.kill()
        killed_at, before = time.monotonic(), len(_received(botapi, "handover"))
        await botapi.wait_for(lambda: len(_received(botapi, "handover")) > before, 60)
        handover = time.monotonic() - killed_at
        await botapi.wait_for(lambda: len(set(_received(botapi, "handover"))) >= 2000, 120)
    finally:
        for process in pair:
            if process.proc is not None and process.proc.returncode is None:
                await process.stop()
    got = _received(botapi, "handover")
    print(
        f"\n5000 reminders from two planners, sent once each ({len(reminders)} received); "
        f"handover after the kill: {handover:.1f} s; repeats: {len(got) - len(set(got))}"
    )
    assert handover < 60
    assert len(got) - len(set(got)) <= 2 * 100  # two batches in hand


async def test_second_process_on_sqlite_refuses(botapi: FakeBotAPI, tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'one.db'}",
    }
    first = BotProcess(botapi, tmp_path, **env)
    await first.start()
    try:
        done = await acli(tmp_path, "run", **env)
        assert done.returncode == 2
        assert "Một tiến trình neuguong khác đang dùng cơ sở dữ liệu SQLite" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        await first.stop()
