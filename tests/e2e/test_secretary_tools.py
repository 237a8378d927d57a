"""A secretary appoints a deputy from the member list and revokes an invite link."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.dto import Role
from storage.models import Invite, RoleGrant
from tests.conftest import RunningBot
from tests.e2e.helpers import enrol, labels, token_in

Sessions = async_sessionmaker[AsyncSession]
CELL = "Đảng bộ Khối các cơ quan tỉnh/Chi bộ Sở Nội vụ"


async def seed(sessions: Sessions) -> None:
    people = [
        (50, Role.SECRETARY, "Phan Văn Khải"),
        (51, Role.MEMBER, "Mai Thị Hạnh"),
        (52, Role.MEMBER, "Đinh La Thăng"),
    ]
    await enrol(sessions, CELL, people)


async def test_appoint_deputy_from_the_list(bot: RunningBot, bot_sessions: Sessions) -> None:
    await seed(bot_sessions)
    secretary, hanh = bot.api.user(50, "Khải"), bot.api.user(51, "Hạnh")
    await secretary.send("🏛 Tổ chức đảng")
    card = await secretary.reply()
    assert "Chi bộ Sở Nội vụ (Chi bộ cơ sở)" in card.text
    assert "➕ Thêm đơn vị trực thuộc" not in labels(card)
    await secretary.press("👥 Đảng viên")
    members = await secretary.reply()
    assert "(3 đồng chí)" in members.text
    assert "1. Mai Thị Hạnh — —" in members.text
    await secretary.press("↩️ Quay lại")
    await secretary.reply()
    await secretary.press("👤 Chỉ định bí thư")
    await secretary.reply()
    await secretary.press("Phó Bí thư")
    pick = await secretary.reply()
    assert labels(pick)[:3] == ["Mai Thị Hạnh", "Phan Văn Khải", "Đinh La Thăng"]
    await secretary.press("Mai Thị Hạnh")
    done = await secretary.reply()
    assert done.text == (
        "✅ Đã chỉ định đồng chí <b>Mai Thị Hạnh</b> làm Phó Bí thư của <b>Chi bộ Sở Nội vụ</b>."
        " Đồng chí Mai Thị Hạnh đã được thông báo."
    )
    told = await hanh.reply()
    assert told.text.startswith(
        "Đồng chí đã được chỉ định làm <b>Phó Bí thư</b> của <b>Chi bộ Sở Nội vụ</b>"
    )
    await secretary.press("Mai Thị Hạnh", event=pick)
    assert "đã là Phó Bí thư" in (await secretary.reply()).text
    async with bot_sessions() as s:
        roles = sorted(r for (r,) in await s.execute(select(RoleGrant.role)))
    assert roles == ["deputy", "secretary"]
    await hanh.send("/moi")
    assert "🔗 <b>Link mời của Chi bộ Sở Nội vụ</b>" in (await hanh.reply()).text


async def test_list_and_revoke_an_invite(bot: RunningBot, bot_sessions: Sessions) -> None:
    await seed(bot_sessions)
    secretary = bot.api.user(50, "Khải")
    await secretary.send("/moi")
    listing = await secretary.reply()
    assert "#1 · đảng viên" in listing.text
    assert "đã dùng 2/10" in listing.text
    await secretary.press("➕ Tạo link mời mới")
    await secretary.reply()
    await secretary.press("1 người")
    token = token_in(await secretary.reply())
    await secretary.send("/moi")
    listing = await secretary.reply()
    assert "🚫 Thu hồi #3" in labels(listing)
    await secretary.press("🚫 Thu hồi #3")
    ask = await secretary.reply()
    assert "thu hồi link #3" in ask.text
    await secretary.press("Không thu hồi")
    assert (await secretary.reply()).text == "Link #3 vẫn còn hiệu lực."
    await secretary.press("🚫 Thu hồi #3", event=ask)
    revoked, fresh = await secretary.expect(2)
    assert revoked.text == "✅ Đã thu hồi link #3."
    assert "#3" not in fresh.text
    guest = bot.api.user(60, "Khách")
    await guest.send(f"/start {token}")
    assert (await guest.reply()).text.startswith("Đường link mời này đã bị thu hồi.")
    async with bot_sessions() as s:
        revoked_at = await s.scalar(select(Invite.revoked_at).where(Invite.id == 3))
    assert revoked_at is not None
