"""Acceptance (Zalo, 2): the journeys run unchanged on Telegram and on Zalo — a member joins
with the invite, registers a commitment with the pledge, submits, gets it approved by the
secretary (on Telegram), reports progress, sees it in /tiendo, receives the Monday reminder
and an announcement; a secretary on either network reads the weekly report (on Zalo as text
that says where the files are). Zalo's transcript is committed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.zalo.adapter import INVITE
from domain import broadcasts, campaigns
from domain.invites import create_system_invite
from domain.members import identify
from jobs import planner
from storage.dto import Role
from tests.conftest import FakeClock, RunningBot
from tests.e2e.channels import OnTelegram, OnZalo, Person
from tests.e2e.conftest import CELL, SECRETARY, THEME
from tests.e2e.helpers import drained, enrol
from tests.e2e.test_reminders import local
from tests.e2e.test_zalo import both, secretary_on
from tests.e2e.transcript import check
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.zaloapi import FakeZaloAPI

Sessions = async_sessionmaker[AsyncSession]
SUNDAY = local(10, 20)
ITEM = "Đi đầu cải cách hành chính, giải quyết hồ sơ đúng hạn"


@pytest.fixture(params=["telegram", "zalo"])
def network(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def setup(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> AsyncIterator[tuple[RunningBot, FakeClock, str]]:
    cell, _ = await enrol(sessions, CELL, [(SECRETARY, Role.SECRETARY, "Trần Thị Bình")])
    async with sessions() as s:
        await campaigns.create(s, None, cell, 2027, THEME, date(2027, 1, 4),
                               date(2027, 1, 9), SUNDAY)  # fmt: skip
        made = await create_system_invite(s, cell, Role.MEMBER, 10, 14, SUNDAY)
        await s.commit()
    clock = FakeClock(SUNDAY)
    running = await both(botapi, zaloapi, db_url, clock, NEUGUONG_PLANNER_SECONDS=3600)
    yield running, clock, made.token
    await running.shutdown()


def member_on(network: str, botapi: FakeBotAPI, zaloapi: FakeZaloAPI) -> Person:
    if network == "telegram":
        return OnTelegram(botapi, 51, "An")
    return OnZalo(zaloapi, "6ede51", "An")


async def join(person: Person, token: str) -> None:
    await person.start(token)
    welcome, ask = await person.next(2)
    assert "Chi bộ Văn phòng" in welcome
    await person.say("Nguyễn Văn An")
    assert "chức vụ" in (await person.next())[0].lower()
    await person.choose("Bỏ qua")
    assert "người đứng đầu" in (await person.next())[0].lower()
    await person.choose("Không")
    assert "Nguyễn Văn An" in (await person.next())[0]
    await person.choose("✅ Xác nhận")
    done = await person.next(2)
    assert "Đã xác nhận" in done[0]


async def register_and_submit(person: Person, month: str = "06/2027") -> None:
    await person.say("📝 Đăng ký nêu gương")
    assert "Đang soạn" in (await person.next())[0]
    await person.choose("➕ Thêm nội dung nêu gương")
    await person.next()
    await person.say(ITEM)
    assert "Chỉ tiêu đo được" in (await person.next())[0]
    await person.choose("Không đặt chỉ tiêu")
    assert "vào tháng nào" in (await person.next())[0]
    await person.choose(month)
    await person.next(2)
    await person.choose("📜 Đọc và cam kết 27 biểu hiện")
    assert "(trang 1/3)" in (await person.next())[0]
    await person.choose("Trang sau ▶️")
    await person.next()
    await person.choose("Trang sau ▶️")
    await person.next()
    await person.choose("✅ Tôi xin cam kết không vi phạm")
    _done, sheet = await person.next(2)
    assert "đã cam kết" in sheet
    await person.choose("📤 Gửi chi bộ duyệt")
    await person.next()
    await person.choose("📤 Gửi")
    sent, _sheet = await person.next(2)
    assert sent.startswith("📤 Đã gửi chi bộ duyệt")


async def report_progress(person: Person) -> None:
    await person.say("📈 Báo cáo tiến độ")
    await person.next()
    await person.choose("1. Đi đầu cải cách hành chính, giải quyết… — 0%")
    assert "bao nhiêu phần trăm" in (await person.next())[0]
    await person.choose("50%")
    await person.next()
    await person.choose("Đang thực hiện")
    await person.next()
    await person.choose("Bỏ qua")
    await person.next()
    await person.photo()
    saved = (await person.next())[0]
    assert saved.startswith("✅ Đã ghi nhận báo cáo tiến độ")
    await person.say("/tiendo")
    progress = (await person.next())[0]
    assert "50% · Đang thực hiện" in progress


async def test_member_journey_on_each_network(
    network: str,
    setup: tuple[RunningBot, FakeClock, str],
    botapi: FakeBotAPI,
    zaloapi: FakeZaloAPI,
    sessions: Sessions,
) -> None:
    running, clock, token = setup
    person = member_on(network, botapi, zaloapi)
    await join(person, token)
    await register_and_submit(person)
    secretary = botapi.user(SECRETARY, "Bình")
    await secretary.expect(1)  # the new member's notice
    notice = await secretary.reply()
    assert "Nguyễn Văn An" in notice.text
    await secretary.press("✅ Duyệt")
    await secretary.reply()
    assert (await person.next())[0].startswith("🎉 Chi bộ đã duyệt")
    await report_progress(person)
    await planner.tick(sessions, clock.now)  # Sunday: the planner's baseline for the member

    clock.now = local(11, 8, 0)  # Monday 08:00: the weekly reminder
    await planner.tick(sessions, clock.now)
    reminder = (await person.next())[0]
    assert "Kính gửi" in reminder or "báo cáo" in reminder.lower()

    async with sessions() as s:  # an announcement from the root admin to everyone
        admin = (await identify(s, "telegram", "1", "1", "", "vi", True, clock.now)).actor
        await broadcasts.create(
            s, admin, text="Hội nghị chi bộ lúc 14 giờ thứ Sáu.", attachment=None,
            unit_ids=[], audience="everyone", send_at=clock.now, report_to=None, now=clock.now,
        )  # fmt: skip
        await s.commit()
    await planner.tick(sessions, clock.now)
    await drained(sessions)
    announcement = (await person.next())[0]
    assert "THÔNG BÁO" in announcement
    assert "Hội nghị chi bộ lúc 14 giờ thứ Sáu." in announcement
    if network == "zalo":
        check("zalo_member.vi.txt", zalo_transcript(zaloapi, "6ede51"))


def zalo_transcript(api: FakeZaloAPI, chat: str) -> str:
    """What the member typed and what the bot answered, in order, as a Zalo chat reads."""
    typed = {m["message"]["message_id"]: m["message"].get("text") or "[ảnh]" for m in api.inbox}
    typed = {k: "<mã mời>" if INVITE.match(v) else v for k, v in typed.items()}
    lines = []
    for kind, value in api.journal:
        if kind == "user" and value in typed:
            lines.append(f"▶ Đồng chí An gõ: {typed[value]}")
        elif kind == "bot" and value.chat_id == chat:
            body = "\n".join("   " + line for line in value.text.splitlines())
            lines.append(f"◀ Bot:\n{body}")
    return "\n".join(lines) + "\n"


async def test_weekly_report_text_on_each_network(
    network: str,
    botapi: FakeBotAPI,
    zaloapi: FakeZaloAPI,
    db_url: str,
    sessions: Sessions,
) -> None:
    from jobs.digests import ReportTime
    from tests.e2e.test_digest import HANOI

    ext = "60" if network == "telegram" else "z-binh"
    await secretary_on(sessions, network, ext)
    clock = FakeClock(local(11, 7, 30))
    running = await both(botapi, zaloapi, db_url, clock, NEUGUONG_PLANNER_SECONDS=3600)
    try:
        await planner.tick(sessions, clock.now, reports=ReportTime(HANOI))
        secretary: Person = (
            OnTelegram(botapi, 60, "Bình")
            if network == "telegram"
            else OnZalo(zaloapi, ext, "Bình")
        )
        text = (await secretary.next())[0]
        assert "BÁO CÁO TUẦN" in text
        assert "Chi bộ Văn phòng" in text
        assert "Nguyễn Văn An" in text
        if network == "telegram":  # the chart and the spreadsheet follow as files
            chart, sheet = await secretary.next(2)
            assert "tỷ lệ báo cáo bốn tuần" in chart
            assert sheet
        else:
            assert "chưa gửi được qua Zalo" in text
    finally:
        await running.shutdown()
