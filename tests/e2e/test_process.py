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
from tests.e2e.process import BotProcess, cli
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
        assert methods[:2] == ["getMe", "deleteWebhook"]
        assert "getUpdates" in methods
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
        ({}, "TELEGRAM_BOT_TOKEN: missing"),
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
