"""Acceptance (reminders): with an injected clock, a member's weekly reminder arrives at the
right local time; snooze, pause, quiet hours and exempt each change what is sent; missing two
periods in a row tells the secretary, once. The Vietnamese transcript is written and asserted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import campaigns
from jobs import planner
from storage.dto import Role
from storage.models import OutboxMessage
from tests.conftest import FakeClock, RunningBot, start_bot
from tests.e2e.conftest import CELL, MEMBER, SECRETARY, THEME, seed_commitment
from tests.e2e.helpers import drained, enrol
from tests.e2e.transcript import check, render
from tests.fakes.botapi import FakeBotAPI

Sessions = async_sessionmaker[AsyncSession]
SUNDAY_EVENING = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)  # 19:00 in Hà Nội
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    """A moment in Hà Nội time, as UTC."""
    return datetime(2027, month, day, hour, minute, tzinfo=HANOI).astimezone(UTC)


@pytest.fixture
async def remind_bot(
    botapi: FakeBotAPI, db_url: str, sessions: Sessions
) -> AsyncIterator[tuple[RunningBot, FakeClock]]:
    clock = FakeClock(SUNDAY_EVENING)
    cell, _ = await enrol(
        sessions,
        CELL,
        [(SECRETARY, Role.SECRETARY, "Trần Thị Bình"), (MEMBER, Role.MEMBER, "Nguyễn Văn An")],
    )
    async with sessions() as s:
        await campaigns.create(
            s, None, cell, 2027, THEME, date(2027, 1, 4), date(2027, 1, 9), SUNDAY_EVENING
        )
        await s.commit()
    await seed_commitment(sessions, MEMBER, 2, approve_by=SECRETARY, now=SUNDAY_EVENING)
    running = await start_bot(botapi, db_url, clock, NEUGUONG_PLANNER_SECONDS=3600)
    yield running, clock
    await running.shutdown()


WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def mark(clock: FakeClock, at: datetime, api: FakeBotAPI | None = None) -> None:
    clock.now = at
    if api is not None:
        here = at.astimezone(HANOI)
        api.journal.append((0, "note", f"{WEEKDAYS[here.weekday()]} {here:%d/%m/%Y %H:%M}"))


async def tick(
    sessions: Sessions, clock: FakeClock, at: datetime, api: FakeBotAPI | None = None
) -> int:
    mark(clock, at, api)
    return (await planner.tick(sessions, at)).queued


async def test_reminders_follow_the_members_settings(
    remind_bot: tuple[RunningBot, FakeClock], sessions: Sessions
) -> None:
    bot, clock = remind_bot
    member, secretary = bot.api.user(MEMBER, "An"), bot.api.user(SECRETARY, "Bình")
    assert bot.api.transcript(MEMBER) == []  # the start-up tick only set the baseline

    assert await tick(sessions, clock, local(11, 7, 59), bot.api) == 0
    assert await tick(sessions, clock, local(11, 8, 0), bot.api) == 1
    first = await member.reply()
    assert first.text.startswith("⏰ Kính gửi đồng chí <b>Nguyễn Văn An</b>, đã đến kỳ báo cáo")
    assert [label for label, _ in first.buttons][:2] == [
        "📈 1. Nội dung cam kết số 1 của đồng chí",
        "📈 2. Nội dung cam kết số 2 của đồng chí",
    ]
    async with sessions() as s:
        row = (await s.scalars(select(OutboxMessage))).one()
        assert row.not_before == local(11, 8, 0)

    await member.press("⏰ Nhắc lại sau 1 ngày", event=first)
    assert (await member.reply()).text == "Bot sẽ nhắc lại đồng chí vào 12/01/2027 08:00."
    assert await tick(sessions, clock, local(12, 7, 59), bot.api) == 0
    assert await tick(sessions, clock, local(12, 8, 0), bot.api) == 1
    again = await member.reply()
    await member.press("📈 1. Nội dung cam kết số 1 của đồng chí", event=again)
    assert "Đồng chí đã thực hiện được bao nhiêu phần trăm?" in (await member.reply()).text
    await member.send("/huy")
    await member.reply()

    await member.send("⏰ Nhắc nhở")
    settings = await member.reply()
    assert "• Tần suất: Hằng tuần" in settings.text
    assert "• Giờ: 08:00" in settings.text
    assert len(settings.buttons) == 6  # one per setting: fits a phone's screen
    await member.press("⏸ Tạm dừng: không", event=settings)
    pauses = await member.reply()
    assert "✓ ▶️ Nhắc lại như thường" in [label for label, _ in pauses.buttons]
    await member.press("⏸ Tạm dừng 7 ngày", event=pauses)
    paused = await member.reply()
    assert "• Tạm dừng: đến hết ngày 18/01/2027" in paused.text
    assert await tick(sessions, clock, local(18, 8, 0), bot.api) == 0  # paused
    assert await tick(sessions, clock, local(25, 8, 0), bot.api) == 1
    await member.reply()

    await member.press("🕗 Giờ nhắc: 08:00", event=paused)
    times = await member.reply()
    assert "✓ 08:00" in [label for label, _ in times.buttons]
    await member.press("20:00", event=times)
    timed = await member.reply()
    await member.press("🌙 Giờ yên tĩnh: 21:00–07:00", event=timed)
    await member.press("🌙 20:00–08:00", event=await member.reply())
    quiet = await member.reply()
    assert "• Giờ: 20:00" in quiet.text
    assert "• Giờ yên tĩnh (không nhắn): 20:00–08:00" in quiet.text
    assert (
        await tick(sessions, clock, local(1, 20, 0, month=2), bot.api) == 2
    )  # reminder + escalation
    async with sessions() as s:
        waiting = (
            await s.execute(
                select(OutboxMessage.state, OutboxMessage.not_before)
                .where(OutboxMessage.kind.in_(["checkin", "escalation"]))
                .order_by(OutboxMessage.id.desc())
                .limit(2)
            )
        ).all()
    assert [tuple(w) for w in waiting] == [("pending", local(2, 8, 0, month=2))] * 2
    assert member.unseen() == []  # quiet hours: it waits for 08:00
    mark(clock, local(2, 8, 0, month=2), bot.api)
    await member.reply()
    escalation = await secretary.reply()
    assert escalation.text == (
        "⚠️ Đồng chí <b>Nguyễn Văn An</b> đã 2 kỳ liên tiếp chưa báo cáo tiến độ thực hiện"
        " cam kết. Đề nghị đồng chí nhắc nhở, giúp đỡ."
    )

    await secretary.send("🏛 Tổ chức đảng")
    await secretary.reply()
    await secretary.press("👥 Đảng viên")
    members = await secretary.reply()
    await secretary.press("👤 Nguyễn Văn An", event=members)
    await secretary.press("🔕 Miễn sinh hoạt: Nguyễn Văn An", event=await secretary.reply())
    assert "được miễn sinh hoạt" in (await secretary.expect(2))[0].text
    assert await tick(sessions, clock, local(9, 8, 0, month=2), bot.api) == 0  # exempt
    await secretary.press("🔔 Bỏ miễn: Nguyễn Văn An")
    await secretary.expect(2)
    # Back from exemption mid-period: this period's one reminder, and no second escalation.
    assert await tick(sessions, clock, local(9, 8, 5, month=2), bot.api) == 1
    await member.reply()
    assert secretary.unseen() == []

    assert await drained(sessions) == {"sent": 6}
    names = {MEMBER: "Đồng chí An (đảng viên)", SECRETARY: "Đồng chí Bình (bí thư)"}
    check("reminders.vi.txt", render(bot.api, names))
