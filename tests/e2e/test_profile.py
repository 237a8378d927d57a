"""A member corrects the profile, switches to English, leaves, and joins again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.dto import Role
from storage.models import Member
from tests.conftest import RunningBot
from tests.e2e.helpers import enrol, labels

Sessions = async_sessionmaker[AsyncSession]
CELL = "Đảng ủy Khối Doanh nghiệp/Chi bộ Công ty Điện lực"
SECRETARY, MEMBER = 40, 41


async def seed(sessions: Sessions) -> str:
    people = [(SECRETARY, Role.SECRETARY, "Vũ Thị Lan"), (MEMBER, Role.MEMBER, "Hoàng Văn Nam")]
    _cell, link = await enrol(sessions, CELL, people, position="Kỹ sư")
    return link.token


async def test_profile_language_leave_and_rejoin(bot: RunningBot, bot_sessions: Sessions) -> None:
    token = await seed(bot_sessions)
    member, secretary = bot.api.user(MEMBER, "Nam"), bot.api.user(SECRETARY, "Lan")

    await member.send("👤 Hồ sơ")
    card = await member.reply()
    assert "• Họ và tên: <b>Hoàng Văn Nam</b>" in card.text
    assert "• Chức vụ: Kỹ sư" in card.text
    assert "• Chi bộ: Đảng ủy Khối Doanh nghiệp / Chi bộ Công ty Điện lực" in card.text

    await member.press("✏️ Sửa họ tên")
    assert "họ và tên mới" in (await member.reply()).text
    await member.send("N")
    assert (await member.reply()).text.startswith("Họ và tên cần từ 2 đến 100 ký tự")
    await member.send("Hoàng  Văn   Nam Anh")
    saved, card = await member.expect(2)
    assert saved.text == "✅ Đã lưu thay đổi."
    assert "<b>Hoàng Văn Nam Anh</b>" in card.text

    await member.press("✏️ Sửa chức vụ")
    await member.reply()
    await member.press("Xóa chức vụ")
    _, card = await member.expect(2)
    assert "• Chức vụ: chưa cập nhật" in card.text

    await member.press("✏️ Người đứng đầu")
    await member.reply()
    await member.press("Có")
    _, card = await member.expect(2)
    assert "• Người đứng đầu: Có" in card.text

    await member.send("/language")
    ask = await member.reply()
    assert labels(ask) == ["🇻🇳 Tiếng Việt", "🇬🇧 English"]
    await member.press("🇬🇧 English")
    switched, home = await member.expect(2)
    assert switched.kind == "edit"
    assert switched.text == "Switched to English."
    assert home.keyboard == [
        "📝 My commitments",
        "📈 Report progress",
        "📊 My progress",
        "⏰ Reminders",
        "👤 Profile",
        "❓ Help",
        "🌐 Language",
        "📱 Open the web app",
    ]
    await member.send("👤 Profile")
    card = await member.reply()
    assert "👤 <b>Your profile</b>" in card.text
    assert "• Language: 🇬🇧 English" in card.text

    await member.press("🚪 Leave the cell on the bot")
    assert "Are you sure" in (await member.reply()).text
    await member.press("Yes, leave")
    left, after = await member.expect(2)
    assert left.text.startswith("You have left <b>Chi bộ Công ty Điện lực</b>")
    assert after.keyboard == []
    told = await secretary.reply()
    assert (
        told.text
        == "Đồng chí <b>Hoàng Văn Nam Anh</b> đã rời <b>Chi bộ Công ty Điện lực</b> trên bot."
    )
    await member.send("/profile")
    assert "not registered" in (await member.reply()).text

    await member.send(f"/start {token}")
    welcome, ask_name = await member.expect(2)
    assert "You are invited to join <b>Chi bộ Công ty Điện lực</b>" in welcome.text
    assert "<b>Step 1/3.</b>" in ask_name.text

    async with bot_sessions() as s:
        rows = (await s.execute(select(Member.full_name, Member.status, Member.is_head))).all()
    assert sorted(tuple(r) for r in rows) == [
        ("Hoàng Văn Nam Anh", "left", True),
        ("Vũ Thị Lan", "active", False),
    ]


async def test_help_differs_by_role(bot: RunningBot, bot_sessions: Sessions) -> None:
    await seed(bot_sessions)
    member, secretary = bot.api.user(MEMBER, "Nam"), bot.api.user(SECRETARY, "Lan")
    guest, admin = bot.api.user(99, "Khách"), bot.api.user(1, "Admin")
    await member.send("/help")
    text = (await member.reply()).text
    assert "👤 <b>Đảng viên</b>" in text
    assert "Bí thư" not in text
    await secretary.send("/help")
    text = (await secretary.reply()).text
    assert "📋 <b>Bí thư, phó bí thư chi bộ</b>" in text
    assert "Quản trị viên" not in text
    await admin.send("/help")
    assert "🏛 <b>Quản trị viên</b>" in (await admin.reply()).text
    await guest.send("/help")
    assert "Đồng chí chưa đăng ký" in (await guest.reply()).text
    await guest.send("xin chào")  # a stranger's words: how to join, not "not understood"
    assert "đường link mời" in (await guest.reply()).text
    await guest.send_sticker()
    assert "Bot chưa xử lý được loại tin nhắn này" in (await guest.reply()).text
    await guest.send("/khonglenh")
    assert "Bot chưa có lệnh này" in (await guest.reply()).text
