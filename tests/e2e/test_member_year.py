"""Acceptance (commitments): a member registers two example items, one remedial item and the
pledge, edits one, submits; the secretary is told and approves; three check-ins later
/tiendo shows the right percentages. The Vietnamese transcript is written and asserted."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import CheckIn, Commitment, CommitmentItem, CommitmentVersion
from tests.conftest import FakeClock, RunningBot
from tests.e2e.conftest import MEMBER, SECRETARY, THEME
from tests.e2e.helpers import labels
from tests.e2e.transcript import check, render
from tests.fakes.botapi import FakeUser

Sessions = async_sessionmaker[AsyncSession]


async def add_line(user: FakeUser, button: str, text: str, target: str | None, month: str) -> None:
    await user.press(button)
    await user.reply()
    await user.send(text)
    if button.endswith("nêu gương"):
        assert "Chỉ tiêu đo được" in (await user.reply()).text
        if target:
            await user.send(target)
        else:
            await user.press("Không đặt chỉ tiêu")
    picker = await user.reply()
    assert "vào tháng nào" in picker.text
    await user.press(month)
    saved, _sheet = await user.expect(2)
    assert saved.text == "✅ Đã lưu."


async def register_commitments(member: FakeUser) -> None:
    await member.send("📝 Đăng ký nêu gương")
    sheet = await member.reply()
    assert f"Chủ đề năm: <i>{THEME}</i>" in sheet.text
    assert "Tình trạng: <b>Đang soạn</b>" in sheet.text
    await add_line(
        member,
        "➕ Thêm nội dung nêu gương",
        "Đi đầu cải cách hành chính, giải quyết hồ sơ đúng hạn",
        "100% hồ sơ đúng hạn",
        "06/2027",
    )
    await add_line(
        member,
        "➕ Thêm nội dung nêu gương",
        "Học tập và làm theo Bác, viết 2 bài thu hoạch",
        None,
        "12/2027",
    )
    await add_line(
        member,
        "➕ Thêm nội dung khắc phục hạn chế",
        "Khắc phục việc chậm nộp báo cáo, nộp trước ngày 25 hằng tháng",
        None,
        "03/2027",
    )
    await member.press("📜 Đọc và cam kết 27 biểu hiện")
    page = await member.reply()
    assert "(trang 1/3)" in page.text
    assert page.text.count("\n") >= 10
    await member.press("Trang sau ▶️")
    assert "(trang 2/3)" in (await member.reply()).text
    await member.press("Trang sau ▶️")
    last = await member.reply()
    assert "27. " in last.text
    await member.press("✅ Tôi xin cam kết không vi phạm")
    _done, sheet = await member.expect(2)
    assert "✅ đã cam kết" in sheet.text
    assert "Đồng chí đã đăng ký 3 nội dung." in sheet.text


async def edit_and_submit(member: FakeUser, secretary: FakeUser) -> None:
    await member.press("✏️ 2")
    card = await member.reply()
    assert "Học tập và làm theo Bác" in card.text
    await member.press("✏️ Sửa nội dung")
    await member.reply()
    await member.send("Học tập và làm theo Bác, viết 2 bài thu hoạch và 1 sáng kiến")
    _saved, sheet = await member.expect(2)
    assert "2. Học tập và làm theo Bác, viết 2 bài thu hoạch và 1 sáng kiến" in sheet.text
    await member.press("📤 Gửi chi bộ duyệt")
    assert "gửi 3 nội dung" in (await member.reply()).text
    await member.press("📤 Gửi")
    sent, sheet = await member.expect(2)
    assert sent.text.startswith("📤 Đã gửi chi bộ duyệt (lần 1)")
    assert "Tình trạng: <b>Đã gửi, chờ chi bộ duyệt</b>" in sheet.text
    notice = await secretary.reply()
    assert notice.text.startswith("📥 Đồng chí <b>Nguyễn Văn An</b> (Chi bộ Văn phòng)")
    assert labels(notice) == ["✅ Duyệt", "↩️ Trả lại kèm ý kiến"]
    await secretary.press("✅ Duyệt")
    assert (await secretary.reply()).text.startswith("✅ Đã duyệt bản đăng ký")
    assert (await member.reply()).text.startswith("🎉 Chi bộ đã duyệt")


async def check_in(
    member: FakeUser, line: str, percent: str, status: str, note: str | None, photo: bool
) -> None:
    await member.send("📈 Báo cáo tiến độ")
    await member.reply()
    await member.press(line)
    await member.reply()
    if percent.endswith("%"):
        await member.press(percent)
    else:
        await member.send(percent)
    await member.reply()
    await member.press(status)
    await member.reply()
    if note:
        await member.send(note)
    else:
        await member.press("Bỏ qua")
    await member.reply()
    if photo:
        await member.send_photo()
    else:
        await member.press("💾 Lưu báo cáo")
    saved = await member.reply()
    assert saved.text.startswith("✅ Đã ghi nhận báo cáo tiến độ")


async def test_member_year(year_bot: RunningBot, sessions: Sessions, clock: FakeClock) -> None:
    api = year_bot.api
    member, secretary = api.user(MEMBER, "An"), api.user(SECRETARY, "Bình")
    await register_commitments(member)
    await edit_and_submit(member, secretary)

    clock.advance(days=30)
    await check_in(
        member,
        "1. Đi đầu cải cách hành chính, giải quyết… — 0%",
        "50%",
        "Đang thực hiện",
        "Đã rà soát quy trình một cửa",
        photo=False,
    )
    clock.advance(days=14)
    await check_in(
        member,
        "2. Học tập và làm theo Bác, viết 2 bài thu… — 0%",
        "30",
        "Đang thực hiện",
        None,
        photo=False,
    )
    await check_in(
        member,
        "3. Khắc phục việc chậm nộp báo cáo, nộp… — 0%",
        "100%",
        "Hoàn thành",
        None,
        photo=True,
    )

    await member.send("/tiendo")
    progress = await member.reply()
    assert "▓▓▓▓▓░░░░░ 50% · Đang thực hiện\nBáo cáo gần nhất: 10/02/2027" in progress.text
    assert "▓▓▓░░░░░░░ 30% · Đang thực hiện\nBáo cáo gần nhất: 24/02/2027" in progress.text
    assert "▓▓▓▓▓▓▓▓▓▓ 100% · Hoàn thành" in progress.text
    assert "Đã hoàn thành 1/3 nội dung." in progress.text
    await member.press("📜 Xem toàn bộ lịch sử báo cáo")
    history = await member.reply()
    assert "(3 lần)" in history.text
    assert "📎" in history.text

    async with sessions() as s:
        commitment = (await s.scalars(select(Commitment))).one()
        assert (commitment.state, commitment.version, commitment.approved_version) == (
            "approved",
            1,
            1,
        )
        items = (await s.scalars(select(CommitmentItem).order_by(CommitmentItem.position))).all()
        assert [(i.kind, i.progress, i.status) for i in items] == [
            ("example", 50, "in_progress"),
            ("example", 30, "in_progress"),
            ("remedial", 100, "done"),
            ("pledge", 0, "not_started"),
        ]
        assert items[0].target == "100% hồ sơ đúng hạn"
        assert items[0].deadline == date(2027, 6, 30)
        assert items[2].deadline == date(2027, 3, 31)
        checkins = (await s.scalars(select(CheckIn).order_by(CheckIn.id))).all()
        assert [(c.progress, c.note, c.evidence_file_id) for c in checkins] == [
            (50, "Đã rà soát quy trình một cửa", None),
            (30, None, None),
            (100, None, f"PHOTO-L-{MEMBER}"),
        ]
        versions = (await s.scalars(select(CommitmentVersion))).all()
        assert [(v.version, v.decision, len(v.items)) for v in versions] == [(1, "approve", 4)]

    text = render(api, {MEMBER: "Đồng chí An (đảng viên)", SECRETARY: "Đồng chí Bình (bí thư)"})
    check("member_year.vi.txt", text)
