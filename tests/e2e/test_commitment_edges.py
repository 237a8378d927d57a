"""Commitments: return and resubmit with history, bad input of every kind, corrections within
24 hours, blockers, collective models, and the campaign in chat."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import CheckIn, Commitment, CommitmentItem, CommitmentVersion
from tests.conftest import ROOT_ADMIN, FakeClock, RunningBot
from tests.e2e.conftest import MEMBER, OTHER, SECRETARY, seed_commitment
from tests.e2e.helpers import labels

Sessions = async_sessionmaker[AsyncSession]
NOT_FOUND = "Không tìm thấy nội dung này, hoặc nội dung không thuộc phạm vi của đồng chí."
GONE = "Nội dung này không còn nữa (đã bị xóa)."


async def rows(sessions: Sessions) -> tuple[int, ...]:
    async with sessions() as s:
        found = [
            int(await s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (Commitment, CommitmentItem, CommitmentVersion, CheckIn)
        ]
        deleted = select(func.count()).where(CommitmentItem.deleted_at.is_not(None))
        found.append(int(await s.scalar(deleted) or 0))
        return tuple(found)


async def test_returned_edited_resubmitted_with_history(
    year_bot: RunningBot, sessions: Sessions
) -> None:
    api = year_bot.api
    member, secretary = api.user(MEMBER, "An"), api.user(SECRETARY, "Bình")
    await seed_commitment(sessions, MEMBER, 1)
    await member.send("📝 Đăng ký nêu gương")
    await member.reply()
    await member.press("📤 Gửi chi bộ duyệt")
    await member.reply()
    await member.press("📤 Gửi")
    await member.expect(2)
    notice = await secretary.reply()
    await secretary.press("↩️ Trả lại kèm ý kiến", event=notice)
    assert "nhập ý kiến" in (await secretary.reply()).text
    await secretary.send("Ok")
    assert (await secretary.reply()).text.startswith("Ý kiến cần từ 5 đến 500 ký tự")
    await secretary.send("Nội dung chưa cụ thể, đề nghị nêu rõ chỉ tiêu và thời hạn.")
    assert "Đã trả lại" in (await secretary.reply()).text
    told = await member.reply()
    assert "«Nội dung chưa cụ thể, đề nghị nêu rõ chỉ tiêu và thời hạn.»" in told.text
    await secretary.press("✅ Duyệt", event=notice)
    assert "đã thay đổi hoặc đã được xử lý" in (await secretary.reply()).text

    await member.send("📝 Đăng ký nêu gương")
    sheet = await member.reply()
    assert "Tình trạng: <b>Chi bộ trả lại để sửa</b>" in sheet.text
    assert "Ý kiến của chi bộ:</b> «Nội dung chưa cụ thể" in sheet.text
    await member.press("✏️ 1")
    await member.reply()
    await member.press("🎯 Sửa chỉ tiêu")
    await member.reply()
    await member.send("Hoàn thành 100% trước 30/6")
    await member.expect(2)
    await member.press("📤 Gửi chi bộ duyệt")
    await member.reply()
    await member.press("📤 Gửi")
    sent, _sheet = await member.expect(2)
    assert "(lần 2)" in sent.text
    assert "(lần 2)" in (await secretary.reply()).text
    await member.press("🕘 Lịch sử các lần gửi")
    history = await member.reply()
    assert "Lần 1</b> — gửi 11/01/2027 08:30 — ↩️ trả lại" in history.text
    assert "Ý kiến của chi bộ: «Nội dung chưa cụ thể" in history.text
    assert "Lần 2</b> — gửi 11/01/2027 08:30 — chờ duyệt" in history.text
    async with sessions() as s:
        versions = (
            await s.execute(
                select(CommitmentVersion.version, CommitmentVersion.decision).order_by(
                    CommitmentVersion.version
                )
            )
        ).all()
        assert [tuple(v) for v in versions] == [(1, "return"), (2, None)]


async def test_bad_item_text_and_the_16th_item(year_bot: RunningBot, sessions: Sessions) -> None:
    member = year_bot.api.user(MEMBER, "An")
    await member.send("📝 Đăng ký nêu gương")
    await member.reply()
    await member.press("➕ Thêm nội dung nêu gương")
    await member.reply()
    before = await rows(sessions)
    for typed, got in (("Ngắn quá!", 9), ("x" * 501, 501)):
        await member.send(typed)
        refusal = await member.reply()
        assert refusal.text.startswith(
            f"Nội dung cần từ 10 đến 500 ký tự (đồng chí đã nhập {got} ký tự)"
        )
    assert await rows(sessions) == before
    await member.send("Một nội dung vừa đủ mười ký tự trở lên")
    assert "Chỉ tiêu đo được" in (await member.reply()).text

    await seed_commitment(sessions, OTHER, 15)
    other = year_bot.api.user(OTHER, "Cúc")
    await other.send("📝 Đăng ký nêu gương")
    sheet = await other.reply()
    before = await rows(sessions)
    await other.press("➕ Thêm nội dung nêu gương", event=sheet)
    assert (await other.reply()).text.startswith("Mỗi bản đăng ký có tối đa 15 nội dung")
    await other.send("Nội dung thứ mười sáu không được nhận")
    assert "Bot chưa hiểu" in (await other.reply()).text
    assert await rows(sessions) == before


async def test_progress_input_and_evidence(
    year_bot: RunningBot, sessions: Sessions, clock: FakeClock
) -> None:
    member = year_bot.api.user(MEMBER, "An")
    await seed_commitment(sessions, MEMBER, 2, approve_by=SECRETARY)
    await member.send("📈 Báo cáo tiến độ")
    await member.reply()
    await member.press("1. Nội dung cam kết số 1 của đồng chí — 0%")
    await member.reply()
    before = await rows(sessions)
    for typed, says in (
        ("150", "Tiến độ phải từ 0 đến 100 phần trăm (đồng chí đã nhập 150)"),
        ("-5", "Đồng chí vui lòng gõ một số từ 0 đến 100"),
        ("abc", "Đồng chí vui lòng gõ một số từ 0 đến 100"),
    ):
        await member.send(typed)
        assert (await member.reply()).text.startswith(says)
    await member.send("40%")
    assert "Tiến độ 40%" in (await member.reply()).text
    await member.press("Gặp khó khăn")
    await member.reply()
    await member.send("Thiếu kinh phí in tài liệu")
    await member.reply()
    await member.send_document("baocao.pdf", "application/pdf")
    assert (await member.reply()).text.startswith("Bot chỉ nhận ảnh làm minh chứng")
    await member.send_sticker()
    assert (await member.reply()).text.startswith("Bot chỉ nhận ảnh làm minh chứng")
    assert await rows(sessions) == before
    await member.send_document("anh.jpg", "image/jpeg")
    saved = await member.reply()
    assert "40% · Gặp khó khăn" in saved.text
    blocked = await year_bot.api.user(SECRETARY, "Bình").reply()
    assert blocked.text.startswith(
        "⚠️ Đồng chí <b>Nguyễn Văn An</b> (Chi bộ Văn phòng) báo <b>gặp khó khăn</b>"
    )
    assert "Ghi chú: Thiếu kinh phí in tài liệu" in blocked.text

    clock.advance(hours=2)
    await member.press("✏️ Sửa báo cáo này (trong 24 giờ)", event=saved)
    await member.reply()
    await member.press("50%")
    await member.reply()
    await member.press("Đang thực hiện")
    await member.reply()
    await member.press("Bỏ qua")
    await member.reply()
    await member.press("💾 Lưu báo cáo")
    assert (await member.reply()).text.startswith("✅ Đã sửa báo cáo tiến độ")
    clock.advance(hours=23)
    await member.press("✏️ Sửa báo cáo này (trong 24 giờ)", event=saved)
    assert (await member.reply()).text.startswith("Báo cáo này đã quá 24 giờ")
    async with sessions() as s:
        found = (
            await s.execute(select(CheckIn.progress, CheckIn.status, CheckIn.evidence_file_id))
        ).all()
        assert [tuple(c) for c in found] == [(50, "in_progress", "DOC-anh.jpg")]


async def test_forged_and_stale_buttons(year_bot: RunningBot, sessions: Sessions) -> None:
    member = year_bot.api.user(MEMBER, "An")
    mine = await seed_commitment(sessions, MEMBER, 2)
    theirs = await seed_commitment(sessions, OTHER, 1, approve_by=SECRETARY)
    await member.send("📈 Báo cáo tiến độ")
    assert (await member.reply()).text.startswith("Bản đăng ký của đồng chí chưa được chi bộ duyệt")
    await member.send("📝 Đăng ký nêu gương")
    sheet = await member.reply()
    before = await rows(sessions)
    for data in (
        f"c:it:{theirs[0]}",
        f"c:et:{theirs[0]}",
        f"c:delok:{theirs[0]}",
        f"c:dl:{theirs[0]}:5",
        f"k:i:{theirs[0]}",
        "c:subok:2",
        "c:hist:2",
        "a:ok:2:1",
    ):
        await member.press(data=data, event=sheet)
        answer = await member.reply()
        assert answer.text == NOT_FOUND or answer.text.startswith(GONE), (data, answer.text)
    await member.press(data=f"k:i:{mine[0]}", event=sheet)
    assert (await member.reply()).text.startswith("Bản đăng ký của đồng chí chưa được chi bộ duyệt")
    assert await rows(sessions) == before

    await member.press("✏️ 2", event=sheet)
    await member.reply()
    await member.press("🗑 Xóa nội dung")
    await member.reply()
    await member.press("🗑 Xóa")
    await member.expect(2)
    await member.press("✏️ 2", event=sheet)
    assert (await member.reply()).text.startswith("Nội dung này không còn nữa (đã bị xóa)")


async def test_collective_models(year_bot: RunningBot, sessions: Sessions) -> None:
    secretary, member = year_bot.api.user(SECRETARY, "Bình"), year_bot.api.user(MEMBER, "An")
    await member.send("/mohinh")
    assert (await member.reply()).text.startswith("Chỉ bí thư, phó bí thư chi bộ")
    await secretary.send("/mohinh")
    sheet = await secretary.reply()
    assert sheet.text.startswith("🏅 <b>Mô hình nêu gương năm 2027 của Chi bộ Văn phòng</b>")
    assert labels(sheet)[0] == "➕ Thêm mô hình"
    await secretary.press("➕ Thêm mô hình")
    await secretary.reply()
    await secretary.send("Chi bộ «4 đúng, 3 phải, 2 sát»: sinh hoạt đúng kỳ, đủ nội dung")
    await secretary.reply()
    await secretary.press("Không đặt chỉ tiêu")
    await secretary.reply()
    await secretary.press("12/2027")
    _saved, sheet = await secretary.expect(2)
    assert "<b>Mô hình</b>\n1. Chi bộ «4 đúng, 3 phải, 2 sát»" in sheet.text
    await secretary.press("📤 Gửi chi bộ duyệt")
    await secretary.reply()
    await secretary.press("📤 Gửi")
    sent, _sheet = await secretary.expect(2)
    assert sent.text.startswith("📤 Đã gửi")
    async with sessions() as s:
        found = (
            await s.execute(
                select(Commitment.unit_id, Commitment.state, CommitmentItem.kind).join(
                    CommitmentItem
                )
            )
        ).all()
        assert len(found) == 1
        assert found[0][1:] == ("submitted", "model")
        assert found[0][0] is not None


async def test_campaign_in_chat(year_bot: RunningBot) -> None:
    admin = year_bot.api.user(ROOT_ADMIN, "Quản trị")
    await admin.send("📅 Đợt đăng ký năm")
    screen = await admin.reply()
    assert "Đảng bộ Khối các cơ quan tỉnh</b> chưa có đợt đăng ký" in screen.text
    await admin.press("➕ Mở đợt đăng ký năm 2027")
    assert "chủ đề năm 2027" in (await admin.reply()).text
    await admin.send("Gương mẫu, trách nhiệm, đổi mới")
    await admin.reply()
    await admin.send("31/02/2027")
    assert (await admin.reply()).text.startswith("Ngày chưa đúng dạng")
    await admin.send("15/03/2026")
    assert (await admin.reply()).text.startswith("Hạn đăng ký phải thuộc năm 2027")
    await admin.send("15/03/2027")
    created, card = await admin.expect(2)
    assert created.text == "✅ Đã mở đợt đăng ký nêu gương năm 2027."
    assert "• Chủ đề năm: <i>Gương mẫu, trách nhiệm, đổi mới</i>" in card.text
    assert "• Hạn đăng ký: 15/03/2027" in card.text
    assert "• Sơ kết: 30/06/2027" in card.text
    await admin.press("📅 Ngày tổng kết")
    await admin.reply()
    await admin.send("20/12/2027")
    _saved, card = await admin.expect(2)
    assert "• Tổng kết: 20/12/2027" in card.text
    member = year_bot.api.user(MEMBER, "An")
    await member.send("/dotdangky")
    assert (await member.reply()).text == "Đồng chí không có quyền thực hiện thao tác này."


async def test_amendment_overdue_and_english(
    year_bot: RunningBot, sessions: Sessions, clock: FakeClock
) -> None:
    member, secretary = year_bot.api.user(MEMBER, "An"), year_bot.api.user(SECRETARY, "Bình")
    await seed_commitment(sessions, MEMBER, 1, approve_by=SECRETARY)
    await member.send("📝 Đăng ký nêu gương")
    sheet = await member.reply()
    assert "Tình trạng: <b>Đã được duyệt</b>" in sheet.text
    assert "📤 Gửi chi bộ duyệt" not in labels(sheet)
    await member.press("✏️ 1")
    await member.reply()
    await member.press("📅 Sửa thời hạn")
    await member.reply()
    await member.press("01/2027")
    _saved, sheet = await member.expect(2)
    assert "Tình trạng: <b>Đang điều chỉnh (cần gửi duyệt lại)</b>" in sheet.text
    clock.advance(days=25)
    await member.send("/tiendo")
    progress = await member.reply()
    assert "⚠️ Quá hạn (hạn 31/01/2027)" in progress.text
    await member.send("📈 Báo cáo tiến độ")  # reports go on while the amendment waits
    assert "Đồng chí chọn nội dung" in (await member.reply()).text
    await member.press("📤 Gửi chi bộ duyệt", event=sheet)
    await member.reply()
    await member.press("📤 Gửi")
    await member.expect(2)
    notice = await secretary.reply()
    assert "(lần 2)" in notice.text
    await secretary.press("✅ Duyệt", event=notice)
    await secretary.reply()
    await member.reply()

    await member.send("/language")
    await member.reply()
    await member.press("🇬🇧 English")
    await member.expect(2)
    await member.send("📝 My commitments")
    english = await member.reply()
    assert english.text.startswith("📝 <b>Example-setting commitments, 2027</b>")
    assert "Status: <b>Approved</b>" in english.text
    assert "You have registered 1 line." in english.text
    await member.press("🕘 Submission history", event=english)
    history = await member.reply()
    assert "<b>Version 1</b>" in history.text
    assert "<b>Version 2</b>" in history.text
    assert "✅ approved" in history.text
