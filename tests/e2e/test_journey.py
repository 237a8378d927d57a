"""Acceptance: an admin builds the tree and appoints a secretary, who invites a member."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Account, Invite, Member, RoleGrant, Unit
from tests.conftest import ROOT_ADMIN, RunningBot
from tests.e2e.helpers import labels, token_in
from tests.fakes.botapi import FakeUser

BLOC = "Đảng bộ Khối các cơ quan tỉnh"
CELL = "Chi bộ Văn phòng"


async def build_tree(admin: FakeUser) -> None:
    await admin.send("/donvi")
    screen = await admin.reply()
    assert "Chưa có tổ chức đảng nào" in screen.text
    await admin.press("➕ Tạo đơn vị cấp cao nhất")
    assert "tên đơn vị cấp cao nhất" in (await admin.reply()).text
    await admin.send(BLOC)
    kinds = await admin.reply()
    assert labels(kinds)[0] == "Đảng bộ cấp trên cơ sở"
    await admin.press("Đảng bộ cấp trên cơ sở")
    added, card = await admin.expect(2)
    assert added.text == f"✅ Đã thêm <b>{BLOC} (Đảng bộ cấp trên cơ sở)</b>."
    assert "Đơn vị trực thuộc: 0" in card.text
    await admin.press("➕ Thêm đơn vị trực thuộc")
    assert "trực thuộc <b>" + BLOC in (await admin.reply()).text
    await admin.send(CELL)
    kinds = await admin.reply()
    assert labels(kinds)[0] == "Chi bộ cơ sở"
    await admin.press("Chi bộ cơ sở")
    added, card = await admin.expect(2)
    assert CELL in added.text
    assert "👥 Đảng viên" in labels(card)


async def appoint_by_link(admin: FakeUser) -> str:
    await admin.press("👤 Chỉ định bí thư")
    roles = await admin.reply()
    assert roles.kind == "edit"
    assert "Chi bộ Văn phòng" in roles.text
    await admin.press("Bí thư")
    pick = await admin.reply()
    assert "chưa có đảng viên nào" in pick.text
    await admin.press("🔗 Tạo link chỉ định")
    link = await admin.reply()
    assert "dùng 1 lần" in link.text
    return token_in(link)


async def register(person: FakeUser, token: str, name: str, position: str | None) -> None:
    await person.send(f"/start {token}")
    welcome, ask = await person.expect(2)
    assert f"<b>{CELL}</b>" in welcome.text
    assert welcome.keyboard == []
    assert "Bước 1/3" in ask.text
    await person.send(name)
    assert "Bước 2/3" in (await person.reply()).text
    if position:
        await person.send(position)
    else:
        await person.press("Bỏ qua")
    assert "Bước 3/3" in (await person.reply()).text
    await person.press("Không")
    confirm = await person.reply()
    assert f"Họ và tên: <b>{name}</b>" in confirm.text
    await person.press("✅ Xác nhận")


async def test_admin_secretary_member(
    bot: RunningBot, bot_sessions: async_sessionmaker[AsyncSession]
) -> None:
    api = bot.api
    admin, secretary, member = api.user(ROOT_ADMIN, "Admin"), api.user(2, "Bình"), api.user(3, "An")

    await build_tree(admin)
    token = await appoint_by_link(admin)

    await register(secretary, token, "Trần Thị Bình", "Chánh Văn phòng")
    confirmed, done = await secretary.expect(2)
    assert confirmed.kind == "edit"
    assert confirmed.text == "✅ Đã xác nhận."
    assert "nhận nhiệm vụ <b>Bí thư</b> của <b>Chi bộ Văn phòng</b>" in done.text
    assert "🔗 Mời đảng viên" in (done.keyboard or [])
    told = await admin.reply()
    assert told.text == (
        "🆕 Đồng chí <b>Trần Thị Bình</b> đã nhận nhiệm vụ Bí thư"
        " của <b>Chi bộ Văn phòng</b> trên bot."
    )

    await secretary.send("🔗 Mời đảng viên")
    invites = await secretary.reply()
    assert "Chưa có link mời nào" in invites.text
    await secretary.press("➕ Tạo link mời mới")
    await secretary.reply()
    await secretary.press("10 người")
    created = await secretary.reply()
    assert "dùng được 10 lượt" in created.text
    assert created.text.count("https://t.me/neuguong_test_bot?start=") == 1
    member_token = token_in(created)

    await register(member, member_token, "Nguyễn Văn An", None)
    confirmed, done = await member.expect(2)
    assert "đăng ký thành công vào <b>Chi bộ Văn phòng</b>" in done.text
    assert done.keyboard == [
        "📝 Đăng ký nêu gương",
        "📈 Báo cáo tiến độ",
        "📊 Tiến độ của tôi",
        "⏰ Nhắc nhở",
        "👤 Hồ sơ",
        "❓ Hướng dẫn",
        "🌐 Ngôn ngữ",
        "📱 Mở trang web",
    ]
    notice = await secretary.reply()
    assert notice.text == (
        "🆕 Đảng viên mới đăng ký vào <b>Chi bộ Văn phòng</b>:"
        " đồng chí <b>Nguyễn Văn An</b> (chưa cập nhật)."
    )

    async with bot_sessions() as s:
        units = (await s.scalars(select(Unit).order_by(Unit.id))).all()
        assert [(u.name, u.kind) for u in units] == [(BLOC, "dang_bo_khoi"), (CELL, "chi_bo_co_so")]
        assert units[1].path == f"/{units[0].id}/{units[1].id}/"
        members = (await s.scalars(select(Member).order_by(Member.id))).all()
        assert [(m.full_name, m.position, m.unit_id) for m in members] == [
            ("Trần Thị Bình", "Chánh Văn phòng", units[1].id),
            ("Nguyễn Văn An", None, units[1].id),
        ]
        grants = (await s.execute(select(RoleGrant.role, RoleGrant.unit_id))).all()
        assert [tuple(g) for g in grants] == [("secretary", units[1].id)]
        invites = (
            await s.execute(select(Invite.role, Invite.uses, Invite.max_uses).order_by(Invite.id))
        ).all()
        assert [tuple(i) for i in invites] == [("secretary", 1, 1), ("member", 1, 10)]
        assert await s.scalar(select(func.count()).select_from(Account)) == 3
        stored = await s.scalars(select(Invite.token_hash))
        assert token not in list(stored)
