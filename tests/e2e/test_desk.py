"""Acceptance (the secretary's desk, 3 and 4, and the on-demand tools): /baocao_chibo,
/thanhvien and a member's card, a report recorded for a member without a smartphone, nudges
that reach each member at most once a day however often the button is pressed, and a
secretary of another cell who can see and change nothing here, whatever data they forge."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import campaigns
from jobs import digests
from jobs.digests import ReportTime
from locales.catalog import t
from storage.dto import Role
from storage.models import CheckIn, Commitment, CommitmentItem, Member, OutboxMessage, Unit
from tests.conftest import FakeClock, RunningBot, start_bot
from tests.e2e.conftest import SECRETARY, THEME, seed_commitment
from tests.e2e.helpers import drained, enrol, labels
from tests.e2e.test_digest import AN, CUONG, DUNG, GIANG, HANOI, HUNG, local, mixed_cell
from tests.fakes.botapi import Event, FakeBotAPI

Sessions = async_sessionmaker[AsyncSession]
OTHER_CELL = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp/Chi bộ Phòng Hộ tịch"
OTHER_SECRETARY, OTHER_MEMBER = 60, 61
NOT_FOUND = "Không tìm thấy nội dung này, hoặc nội dung không thuộc phạm vi của đồng chí."
MONDAY_MORNING = local(3, 15, 9)


@pytest.fixture
async def desk_bot(
    botapi: FakeBotAPI, db_url: str, sessions: Sessions
) -> AsyncIterator[tuple[RunningBot, FakeClock]]:
    await mixed_cell(sessions)
    other, _ = await enrol(
        sessions,
        OTHER_CELL,
        [
            (OTHER_SECRETARY, Role.SECRETARY, "Lý Văn Sơn"),
            (OTHER_MEMBER, Role.MEMBER, "Mạc Thị Tú"),
        ],
    )
    async with sessions() as s:
        opens, deadline = date(2027, 1, 4), date(2027, 2, 26)
        await campaigns.create(s, None, other, 2027, THEME, opens, deadline, local(1, 11, 9))
        await s.commit()
    await seed_commitment(
        sessions, OTHER_MEMBER, 1, approve_by=OTHER_SECRETARY, now=local(1, 11, 9)
    )
    clock = FakeClock(MONDAY_MORNING)
    running = await start_bot(botapi, db_url, clock, NEUGUONG_PLANNER_SECONDS=3600)
    yield running, clock
    await running.shutdown()


async def outbox_count(sessions: Sessions, kind: str) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).where(OutboxMessage.kind == kind)) or 0)


async def test_report_members_card_and_proxy(
    desk_bot: tuple[RunningBot, FakeClock], sessions: Sessions
) -> None:
    bot, _ = desk_bot
    secretary, cuong = bot.api.user(SECRETARY, "Bình"), bot.api.user(CUONG, "Cường")
    await secretary.send("/baocao_chibo")
    text, chart, sheet = await secretary.expect(3)
    assert text.text.startswith("📋 <b>BÁO CÁO TUẦN 11</b>\n<b>Chi bộ Văn phòng</b>")
    assert (chart.method, sheet.method) == ("sendPhoto", "sendDocument")
    assert chart.params["data"][:8] == b"\x89PNG\r\n\x1a\n"

    await secretary.press("👥 Danh sách đảng viên", event=text)
    roster = await secretary.reply()
    assert "👥 <b>Chi bộ Văn phòng</b> — 8 đảng viên" in roster.text
    assert "3. 🟡 Lê Văn Cường — Đã được duyệt, tiến độ 10%" in roster.text
    assert "8. 🔴 Bùi Thị Lan — Chưa đăng ký" in roster.text
    await secretary.press("3. Lê Văn Cường", event=roster)
    card = await secretary.reply()
    assert card.text.startswith("👤 <b>Lê Văn Cường</b> — Chi bộ Văn phòng")
    assert labels(card) == [
        "🔔 Nhắc nhở đồng chí này",
        "✍️ Ghi hộ báo cáo tiến độ",
        "⬅️ Danh sách đảng viên",
    ]
    await secretary.press("✍️ Ghi hộ báo cáo tiến độ", event=card)
    items = await secretary.reply()
    await secretary.press(labels(items)[1], event=items)
    percent = await secretary.reply()
    await secretary.press("75%", event=percent)
    done = await secretary.reply()
    assert done.text.startswith("✅ Đã ghi hộ báo cáo của đồng chí Lê Văn Cường")
    told = await cuong.reply()
    assert told.text.startswith("✍️ Bí thư chi bộ đã ghi hộ báo cáo tiến độ của đồng chí")
    await secretary.press("3. Lê Văn Cường", event=roster)
    again = await secretary.reply()
    assert "— 75% (Đang thực hiện) ✍️ bí thư ghi hộ" in again.text
    await cuong.send("/tiendo")
    progress = await cuong.reply()
    await cuong.press(t("vi", "progress.history"), event=progress)
    history = await cuong.reply()
    assert "· 75% · Đang thực hiện ✍️ bí thư ghi hộ" in history.text
    async with sessions() as s:
        proxy = (await s.scalars(select(CheckIn).order_by(CheckIn.id.desc()))).first()
    assert proxy is not None
    assert proxy.progress == 75


async def test_ten_presses_nudge_each_member_once_a_day(
    desk_bot: tuple[RunningBot, FakeClock], sessions: Sessions
) -> None:
    bot, clock = desk_bot
    secretary = bot.api.user(SECRETARY, "Bình")
    behind = {CUONG: "Cường", DUNG: "Dung", GIANG: "Giang", HUNG: "Hùng"}
    await secretary.send("/thanhvien")
    roster = await secretary.reply()
    nudge = "🔔 Nhắc 4 đồng chí chưa đăng ký hoặc chưa báo cáo"
    assert nudge in labels(roster)
    answers = []
    for _ in range(10):
        await secretary.press(nudge, event=roster)
        answers.append((await secretary.reply()).text)
    assert answers[0] == "🔔 Đã gửi lời nhắc tới 4 đồng chí."
    assert set(answers[1:]) == {"4 đồng chí đã được nhắc trong hôm nay nên bot không nhắc lại."}
    await drained(sessions)
    assert await outbox_count(sessions, "nudge") == 4
    for person, name in behind.items():
        got = [e for e in bot.api.transcript(person) if e.text.startswith("📣")]
        assert len(got) == 1, name
    cuong = bot.api.transcript(CUONG)[-1]
    assert cuong.text.startswith("📣 Kính gửi đồng chí <b>Lê Văn Cường</b>, chi ủy nhắc")
    hung = bot.api.transcript(HUNG)[-1]
    assert "hoàn thành đăng ký cam kết nêu gương năm 2027" in hung.text
    assert bot.api.transcript(AN) == []  # reported this week: not nudged

    clock.now = local(3, 16, 9)  # the next day: one more each
    await secretary.press(nudge, event=roster)
    assert (await secretary.reply()).text == "🔔 Đã gửi lời nhắc tới 4 đồng chí."
    await drained(sessions)
    assert await outbox_count(sessions, "nudge") == 8


async def forged(user: object, data: str, on: Event) -> str:
    await user.press(data=data, event=on)  # type: ignore[attr-defined]
    return str((await user.reply()).text)  # type: ignore[attr-defined]


async def test_another_cells_secretary_sees_and_changes_nothing(
    desk_bot: tuple[RunningBot, FakeClock], sessions: Sessions
) -> None:
    bot, _ = desk_bot
    stranger = bot.api.user(OTHER_SECRETARY, "Sơn")
    async with sessions() as s:
        unit = await s.scalar(select(Member.unit_id).where(Member.full_name == "Lê Văn Cường"))
        member = await s.scalar(select(Member.id).where(Member.full_name == "Lê Văn Cường"))
        item = await s.scalar(
            select(CommitmentItem.id)
            .join(Commitment, Commitment.id == CommitmentItem.commitment_id)
            .where(Commitment.member_id == member, CommitmentItem.kind == "example")
        )
        commitment = await s.scalar(select(Commitment.id).where(Commitment.member_id == member))
        before = int(await s.scalar(select(func.count()).select_from(CheckIn)) or 0)
    await stranger.send("/baocao_chibo")
    own, _, _ = await stranger.expect(3)
    assert "Chi bộ Phòng Hộ tịch" in own.text  # their own unit, and only that
    attempts = [
        f"dg:r:{unit}",
        f"dg:m:{unit}:0",
        f"dg:p:{member}",
        f"dg:n:{member}",
        f"dg:na:{unit}",
        f"dg:k:{member}",
        f"dg:ki:{item}",
        f"dg:kp:{item}:100",
        f"a:ok:{commitment}:1",
        f"a:ret:{commitment}:1",
        f"h:{commitment}:0",
        f"k:i:{item}",
        f"dg:x:{unit}",
        f"dg:mt:{unit}",
        f"dg:md:{unit}:5",
    ]
    answers = {data: await forged(stranger, data, own) for data in attempts}
    refused = {data: text for data, text in answers.items() if text != NOT_FOUND}
    assert not refused, refused
    for text in answers.values():
        assert "Cường" not in text
    async with sessions() as s:
        after = int(await s.scalar(select(func.count()).select_from(CheckIn)) or 0)
        state = await s.scalar(select(Commitment.state).where(Commitment.id == commitment))
        meeting = await s.scalar(select(Unit.meeting_day).where(Unit.id == unit))
    assert after == before
    assert state == "approved"
    assert meeting is None
    assert await outbox_count(sessions, "nudge") == 0


async def test_meeting_day_preparation_report_and_printable_export(
    desk_bot: tuple[RunningBot, FakeClock], sessions: Sessions
) -> None:
    bot, clock = desk_bot
    secretary = bot.api.user(SECRETARY, "Bình")
    await secretary.send("/thanhvien")
    roster = await secretary.reply()
    await secretary.press("📅 Lịch sinh hoạt chi bộ", event=roster)
    settings = await secretary.reply()
    assert "Hiện nay: chưa đặt lịch." in settings.text
    await secretary.press("18", event=settings)
    assert (await secretary.reply()).text == (
        "✅ Đã đặt lịch sinh hoạt chi bộ: ngày 18 hằng tháng. Buổi tới: 18/03/2027."
    )

    when = ReportTime(HANOI)
    assert await digests.plan_meetings(sessions, local(3, 15, 9), when) == 0  # three days before
    clock.now = local(3, 16, 7, 45)
    assert await digests.plan_meetings(sessions, clock.now, when) == 3
    assert await digests.plan_meetings(sessions, local(3, 16, 12), when) == 0  # once a day
    text, sheet, pdf = await secretary.expect(3, within=30)
    assert text.text.startswith("📅 Còn 2 ngày nữa đến buổi sinh hoạt chi bộ định kỳ (18/03/2027).")
    assert "📋 <b>BÁO CÁO TUẦN 11</b>" in text.text
    assert sheet.params["file_name"].endswith(".xlsx")
    assert pdf.params["data"][:5] == b"%PDF-"

    await secretary.send("/xuatbaocao")
    book_event, pdf_event = await secretary.expect(2)
    book = load_workbook(io.BytesIO(book_event.params["data"]))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0][0] == "BÁO CÁO KẾT QUẢ THỰC HIỆN CAM KẾT NÊU GƯƠNG NĂM 2027"
    assert rows[1][0] == "Đơn vị: Chi bộ Văn phòng"
    assert rows[2][0] == "Số liệu tính đến ngày 16/03/2027"
    header = rows[4]
    assert header == [
        "STT", "Họ và tên", "Nội dung cam kết", "Loại", "Thời hạn", "Tiến độ (%)",
        "Tình trạng", "Báo cáo gần nhất",
    ]  # fmt: skip
    body = [r for r in rows[5:] if isinstance(r[0], int)]
    assert len(body) == 12  # 10 items, and a line each for the two members not registered
    assert body[0] == [
        1, "Nguyễn Văn An", "Nội dung cam kết số 1 của đồng chí", "Nêu gương", None, 100,
        "Hoàn thành", "10/03/2027",
    ]  # fmt: skip
    signature = [r[5] for r in rows if r[5] and not isinstance(r[0], int)]
    assert signature[-4:] == ["……, ngày 16 tháng 03 năm 2027", "T/M CHI BỘ", "BÍ THƯ",
                              "Trần Thị Bình"]  # fmt: skip
    assert book.active.page_setup.orientation == "landscape"
    pdf_text = pdf_event.params["data"]
    assert pdf_text[:5] == b"%PDF-"
    assert len(pdf_text) > 10_000
