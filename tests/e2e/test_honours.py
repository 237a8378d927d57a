"""The honour roll: a secretary nominates a member with a reason and a photo; the admin is
told, approves and announces it to the cell (the photo goes with it); the secretary hears the
decision; the member sees the year's roll; another cell's secretary finds nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs import planner
from storage.dto import Role
from storage.models import Honour
from tests.conftest import ROOT_ADMIN, FakeClock, RunningBot
from tests.e2e.conftest import MEMBER, OTHER, SECRETARY
from tests.e2e.helpers import drained, enrol

Sessions = async_sessionmaker[AsyncSession]
REASON = "Hiến máu tình nguyện 5 lần trong năm, vận động 20 đoàn viên cùng tham gia."


async def test_nominate_approve_announce_and_list(
    year_bot: RunningBot, clock: FakeClock, sessions: Sessions
) -> None:
    api = year_bot.api
    admin = api.user(ROOT_ADMIN, "Quản trị")
    await admin.send("/tonvinh")
    assert "📥 Đề xuất chờ duyệt (0)" in [label for label, _ in (await admin.reply()).buttons]

    secretary = api.user(SECRETARY, "Bình")
    await secretary.send("/tonvinh")
    await secretary.reply()
    await secretary.press("✍️ Đề xuất biểu dương")
    await secretary.reply()
    await secretary.press("Nguyễn Văn An")
    assert "<b>Nguyễn Văn An</b>" in (await secretary.reply()).text
    await secretary.send("Tốt")
    assert "từ 10 đến 900 ký tự" in (await secretary.reply()).text  # asked again, kept
    await secretary.send(REASON)
    assert "minh chứng" in (await secretary.reply()).text
    await secretary.send_photo()
    confirm = await secretary.reply()
    assert "Có minh chứng kèm theo" in confirm.text
    await secretary.press("📤 Gửi đề xuất")
    assert "Đã gửi đề xuất" in (await secretary.reply()).text

    notice = await admin.reply()
    assert "Nguyễn Văn An" in notice.text
    await admin.press("🔍 Xem và quyết định")
    photo, view = await admin.expect(2)
    assert photo.method == "sendPhoto"
    assert photo.params["file_id"] == f"PHOTO-L-{SECRETARY}"
    assert "chờ duyệt" in view.text
    await admin.press("✅ Duyệt, thông báo trong chi bộ")
    assert "thông báo gửi tới 3 đồng chí" in (await admin.reply()).text
    assert "đã được cấp ủy duyệt" in (await secretary.reply()).text

    await planner.tick(sessions, clock.now)
    await drained(sessions)
    for person in (SECRETARY, MEMBER, OTHER):
        told = [e for e in api.events[person] if "NGƯỜI TỐT, VIỆC TỐT" in e.text]
        assert len(told) == 1
        assert told[0].method == "sendPhoto"
    member = api.user(MEMBER, "An")
    member.seen = len(api.events[MEMBER])
    await member.send("/tonvinh")
    await member.reply()
    await member.press("📜 Danh sách năm 2027")
    assert REASON in (await member.reply()).text

    async with sessions() as s:
        honour = await s.scalar(select(Honour))
    assert honour is not None
    assert honour.state == "approved"
    await enrol(
        sessions, "Đảng bộ Khác/Đảng bộ Cơ sở/Chi bộ Xa", [(70, Role.SECRETARY, "Xa Văn Lạ")]
    )
    stranger = api.user(70, "Lạ")
    for forged in (f"hv:v:{honour.id}", f"hv:a:{honour.id}:scope", f"hv:c:{honour.unit_id}:0"):
        await stranger.send("/tonvinh")
        await stranger.expect(1)
        await stranger.press(data=forged, event=stranger.last)
        answer = await stranger.reply()
        assert "Không tìm thấy" in answer.text or "không có quyền" in answer.text, forged
    for command in ("/thongbao", "/thongke", "/nhapdanhsach", "/nhatky"):  # a secretary
        await stranger.send(command)
        assert "không có quyền" in (await stranger.reply()).text, command
