"""Acceptance (the committee's console, 2): an admin broadcasts to one subtree of a tree of
340 members on the local Bot API server, 20 of the 300 recipients having blocked the bot.
The delivery report ends at 280 sent and 20 unreachable; nobody outside the subtree gets
it; a scheduled broadcast can be cancelled before it goes, and then nothing is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import imports, tables
from domain.invites import check_token
from domain.members import grant_admin, identify, register
from jobs import planner
from storage.models import Broadcast, OutboxMessage
from tests.conftest import ROOT_ADMIN, FakeClock, RunningBot, start_bot
from tests.e2e.helpers import drained
from tests.e2e.process import acli
from tests.fakes.botapi import FakeBotAPI
from tests.integration.test_imports import ROOT, xlsx

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội
HEALTH, FINANCE = f"{ROOT}/Đảng bộ Sở Y tế", f"{ROOT}/Đảng bộ Sở Tài chính"
FIRST_ID = 10_000
TEXT = "Kính gửi các đồng chí: Hội nghị học tập chuyên đề năm 2027 lúc 8 giờ ngày 15/01."


async def populate(sessions: Sessions, layout: list[tuple[str, int]]) -> list[tuple[int, str]]:
    """Members in these cells, each registered on Telegram (user id = chat id, counted from
    FIRST_ID). Returns (telegram id, cell path) per member."""
    rows, where = [], []
    for cell, count in layout:
        for n in range(count):
            rows.append(
                [cell, f"Đảng Viên {chr(65 + n % 26)}{'a' * (n // 26 + 1)}", "", "", "", ""]
            )
            where.append(cell)
    table = tables.read(xlsx(rows), "ds.xlsx")
    async with sessions() as s:
        found = await imports.check(s, None, table)
        done = await imports.apply(s, None, found, NOW)
        people = []
        for n, link in enumerate(done.links):
            tg = FIRST_ID + n
            invite = await check_token(s, link.token, NOW)
            who = await identify(s, "telegram", str(tg), str(tg), "", "vi", False, NOW)
            await register(s, who.actor, invite.id, {}, NOW)
            people.append((tg, where[n]))
        await s.commit()
    return people


@pytest.fixture
async def tree(
    botapi: FakeBotAPI, db_url: str, sessions: Sessions
) -> AsyncIterator[tuple[RunningBot, FakeClock, list[tuple[int, str]]]]:
    layout = [(f"{HEALTH}/Chi bộ Phòng {n + 1}", 30) for n in range(10)]
    layout += [(f"{FINANCE}/Chi bộ Phòng {n + 1}", 20) for n in range(2)]
    people = await populate(sessions, layout)
    clock = FakeClock(NOW)
    running = await start_bot(
        botapi, db_url, clock, NEUGUONG_PLANNER_SECONDS=3600, NEUGUONG_RATE_PER_SECOND=0
    )
    yield running, clock, people
    await running.shutdown()


def received(api: FakeBotAPI, chat: int) -> bool:
    return any(TEXT in e.text for e in api.events.get(chat, []))


async def test_broadcast_to_a_subtree_with_blocked_members(
    tree: tuple[RunningBot, FakeClock, list[tuple[int, str]]],
    sessions: Sessions,
    db_url: str,
    tmp_path: Path,
) -> None:
    running, clock, people = tree
    api = running.api
    health = [tg for tg, cell in people if cell.startswith(HEALTH)]
    assert len(health) == 300
    assert len(people) == 340
    api.blocked.update(health[::15])  # 20 of them blocked the bot
    admin = api.user(ROOT_ADMIN, "Quản trị")
    await admin.send("/thongbao")
    assert "Soạn thông báo" in (await admin.reply()).text
    await admin.send(TEXT)
    assert "Gửi thông báo tới đâu?" in (await admin.reply()).text
    await admin.press("🏢 Chọn đơn vị")
    top = await admin.reply()
    await admin.press("›", event=top)
    level = await admin.reply()
    await admin.press("☐ Đảng bộ Sở Y tế", event=level)
    picked = await admin.reply()
    assert "☑ Đảng bộ Sở Y tế" in [label for label, _ in picked.buttons]
    await admin.press("✅ Xong (1 đơn vị)")
    assert "Gửi cho ai?" in (await admin.reply()).text
    await admin.press("👥 Tất cả đảng viên")
    preview, summary = await admin.expect(2)
    assert TEXT in preview.text
    assert "THÔNG BÁO" in preview.text
    assert "<b>300 đồng chí</b>" in summary.text
    await admin.press("📤 Gửi ngay")
    queued = await admin.reply()
    assert "tới <b>300</b> đồng chí" in queued.text

    await planner.tick(sessions, clock.now)  # the planner queues it
    await drained(sessions)
    clock.now += timedelta(seconds=30)
    await planner.tick(sessions, clock.now)  # sees it finished: the summary
    await drained(sessions)

    got = [tg for tg, _ in people if received(api, tg)]
    assert sorted(got) == sorted(set(health) - api.blocked)  # 280, nobody from Finance
    assert all(sum(TEXT in e.text for e in api.events.get(tg, [])) == 1 for tg in got)
    final = api.events[ROOT_ADMIN][-1].text
    assert "đã gửi xong" in final
    assert "✅ Đã gửi: 280" in final
    assert "🚫 Không liên lạc được (đã chặn Trợ lý hoặc chưa bắt đầu): 20" in final
    async with sessions() as s:
        state = await s.scalar(select(Broadcast.state))
    assert state == "done"
    status = await acli(tmp_path, "broadcast", "status", "1", DATABASE_URL=db_url)
    assert status.returncode == 0, status.stderr
    assert "✅ Đã gửi: 280" in status.stdout
    assert "<b>" not in status.stdout
    listing = await acli(tmp_path, "broadcast", "list", DATABASE_URL=db_url)
    assert "#1" in listing.stdout
    assert "đã gửi xong" in listing.stdout
    missing = await acli(tmp_path, "broadcast", "status", "99", DATABASE_URL=db_url)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Không có thông báo #99."


async def test_scheduled_broadcast_cancelled_before_it_goes(
    tree: tuple[RunningBot, FakeClock, list[tuple[int, str]]], sessions: Sessions
) -> None:
    running, clock, people = tree
    api = running.api
    admin = api.user(ROOT_ADMIN, "Quản trị")
    await admin.send("/thongbao")
    await admin.reply()
    await admin.send(TEXT)
    await admin.reply()
    await admin.press("🌳 Toàn bộ phạm vi của đồng chí")
    await admin.reply()
    await admin.press("🎖 Bí thư, phó bí thư")  # nobody holds that role here
    preview, summary = await admin.expect(2)
    assert "Không có ai" in summary.text
    await admin.press("👥 Tất cả đảng viên", event=await _who_again(admin))
    await admin.expect(2)
    await admin.press("🕗 Hẹn giờ gửi")
    assert "thời điểm gửi" in (await admin.reply()).text
    await admin.send("hôm nay")
    assert "chưa hiểu thời điểm" in (await admin.reply()).text  # the draft is kept
    await admin.send("07:30 12/01/2027")
    scheduled = await admin.reply()
    assert "lúc <b>12/01/2027 07:30</b>" in scheduled.text
    assert "340" in scheduled.text

    await planner.tick(sessions, clock.now)  # not due yet: nothing queued
    async with sessions() as s:
        queued = await s.scalar(select(func.count()).where(OutboxMessage.kind == "broadcast"))
    assert queued == 0
    await admin.press("⛔ Dừng gửi", event=scheduled)
    await admin.expect(2)
    await admin.press("⛔ Dừng thông báo")
    assert "Đã dừng thông báo" in (await admin.reply()).text
    await planner.tick(sessions, datetime(2027, 1, 12, 1, 0, tzinfo=UTC))
    await drained(sessions)
    assert not any(received(api, tg) for tg, _ in people)
    async with sessions() as s:
        assert await s.scalar(select(Broadcast.state)) == "cancelled"


async def _who_again(admin):  # type: ignore[no-untyped-def]
    """Back to 'who': the where-step again, with the same text kept in the draft."""
    await admin.press("🌳 Toàn bộ phạm vi của đồng chí", data="bc:w:all")
    return await admin.reply()


async def test_a_subtree_admin_cannot_reach_another_subtree(
    tree: tuple[RunningBot, FakeClock, list[tuple[int, str]]], sessions: Sessions
) -> None:
    running, _, people = tree
    api = running.api
    async with sessions() as s:
        from domain.units import find_path

        health = await find_path(s, HEALTH)
        finance = await find_path(s, FINANCE)
        await grant_admin(s, "telegram", "900", health, "vi", NOW)
        await s.commit()
    admin = api.user(900, "Quản trị Sở Y tế")
    await admin.send("/thongbao")
    await admin.reply()
    await admin.send(TEXT)
    await admin.reply()
    await admin.press("🏢 Chọn đơn vị")
    await admin.reply()
    for forged in (f"bc:t:{finance.id}:0:0", f"bc:u:{finance.id}:0", f"st:u:{finance.id}:0",
                   f"st:x:{finance.id}", f"st:c:{finance.id}"):  # fmt: skip
        await admin.press(data=forged, event=admin.last)
        answer = await admin.reply()
        assert "Không tìm thấy nội dung này" in answer.text, forged
    await admin.send("/thongke")
    own = await admin.reply()
    assert "Đảng bộ Sở Y tế" in own.text
    assert "Tài chính" not in own.text
    member = api.user(people[0][0], "Đảng viên")
    for command in ("/thongbao", "/thongke", "/nhapdanhsach", "/nhatky"):
        await member.send(command)
        assert "không có quyền" in (await member.reply()).text, command


async def test_statistics_drill_down_spreadsheet_and_chart(
    tree: tuple[RunningBot, FakeClock, list[tuple[int, str]]],
) -> None:
    import io

    from openpyxl import load_workbook
    from PIL import Image

    running, _, _ = tree
    admin = running.api.user(ROOT_ADMIN, "Quản trị")
    await admin.send("/thongke")
    top = await admin.reply()
    assert "Đảng viên: <b>340</b> (đã tham gia bot: 340)" in top.text
    assert "Đảng bộ Sở Tài chính: 40 ĐV" in top.text
    await admin.press("› Đảng bộ Sở Y tế")
    health = await admin.reply()
    assert "Đảng viên: <b>300</b>" in health.text
    assert health.text.count("30 ĐV") == 10
    await admin.press("📥 Xuất Excel")
    sheet = await admin.reply()
    book = load_workbook(io.BytesIO(sheet.params["data"])).active
    assert book is not None
    rows = [r for r in book.iter_rows(min_row=4, values_only=True)]
    assert rows[0][:2] == ("Đảng bộ Sở Y tế", 300)
    assert len(rows) == 11
    await admin.press("📈 Biểu đồ")
    chart = await admin.reply()
    assert chart.method == "sendPhoto"
    assert Image.open(io.BytesIO(chart.params["data"])).size[0] > 500
    await admin.press("⬆ Đơn vị cấp trên")
    assert "Đảng viên: <b>340</b>" in (await admin.reply()).text
