"""Acceptance: bad tokens, bad names, members and secretaries reaching beyond their role or
unit. Each gets a clear answer; nothing changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.invites import create_system_invite, revoke_invite
from domain.members import identify, register
from domain.units import add_path
from storage.dto import Role
from storage.models import Invite, Member, RoleGrant, Unit
from tests.conftest import RunningBot

Sessions = async_sessionmaker[AsyncSession]
CELL_A = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp/Chi bộ Văn phòng"
CELL_B = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Y tế/Chi bộ Phòng Tổ chức"
SECRETARY_A, MEMBER_A = 20, 30


@dataclass
class World:
    cell_a: int
    cell_b: int
    invite_b: int
    live_token: str


async def seed(sessions: Sessions) -> World:
    now = datetime.now(UTC)
    async with sessions() as s:
        cell_a, _ = await add_path(s, CELL_A, now)
        cell_b, _ = await add_path(s, CELL_B, now)
        role_link = await create_system_invite(s, cell_a, Role.SECRETARY, 1, 14, now)
        member_link = await create_system_invite(s, cell_a, Role.MEMBER, 50, 14, now)
        invite_b = await create_system_invite(s, cell_b, Role.MEMBER, 50, 14, now)
        for person, link, name in (
            (SECRETARY_A, role_link, "Đỗ Thị Hoa"),
            (MEMBER_A, member_link, "Lê Văn Tám"),
        ):
            found = await identify(s, "telegram", str(person), str(person), "", "vi", False, now)
            await register(s, found.actor, link.invite.id, {"name": name}, now)
        await s.commit()
    return World(cell_a.id, cell_b.id, invite_b.invite.id, member_link.token)


async def counts(sessions: Sessions) -> tuple[int, ...]:
    async with sessions() as s:
        found = [
            int(await s.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Unit, Member, RoleGrant, Invite)
        ]
        found.append(
            int(await s.scalar(select(func.count()).where(Invite.revoked_at.is_not(None))) or 0)
        )
        found.append(int(await s.scalar(select(func.sum(Invite.uses))) or 0))
        return tuple(found)


async def test_dead_and_random_tokens(bot: RunningBot, bot_sessions: Sessions) -> None:
    await seed(bot_sessions)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    async with bot_sessions() as s:
        cell = (await s.scalars(select(Unit).where(Unit.name == "Chi bộ Văn phòng"))).one()
        from storage.repos.units import to_dto

        expired = await create_system_invite(s, to_dto(cell), Role.MEMBER, 5, 14, long_ago)
        revoked = await create_system_invite(
            s, to_dto(cell), Role.MEMBER, 5, 14, long_ago + timedelta(days=25)
        )
        used_up = await create_system_invite(s, to_dto(cell), Role.MEMBER, 1, 14, datetime.now(UTC))
        admin = await identify(s, "telegram", "1", "1", "", "vi", True, datetime.now(UTC))
        await revoke_invite(s, admin.actor, revoked.invite.id, datetime.now(UTC))
        await s.execute(
            Invite.__table__.update().where(Invite.id == used_up.invite.id).values(uses=1)
        )
        await s.commit()
    before = await counts(bot_sessions)
    guest = bot.api.user(77, "Khách")
    cases = [
        (expired.token, "Đường link mời này đã hết hạn."),
        (revoked.token, "Đường link mời này đã bị thu hồi."),
        (used_up.token, "Đường link mời này đã được dùng hết số lượt cho phép."),
        (
            "Zm9yZ2VkLXRva2VuLXRoYXQtZG9lcy1ub3Q",
            "Đường link mời này không đúng hoặc không tồn tại.",
        ),
        ("<b>x</b>", "Đường link mời này không đúng hoặc không tồn tại."),
    ]
    for token, first_line in cases:
        await guest.send(f"/start {token}")
        answer = await guest.reply()
        assert answer.text.split("\n\n") == [
            first_line,
            "Đồng chí vui lòng liên hệ bí thư chi bộ để nhận đường link mời mới.",
        ]
    assert await counts(bot_sessions) == before


@pytest.mark.parametrize(
    ("typed", "answer_starts"),
    [
        ("A", "Họ và tên cần từ 2 đến 100 ký tự (đồng chí đã nhập 1 ký tự)"),
        (
            "Nguyễn " * 14 + "Văn Anh",
            "Họ và tên cần từ 2 đến 100 ký tự (đồng chí đã nhập 105 ký tự)",
        ),
        ("a" * 101, "Họ và tên cần từ 2 đến 100 ký tự (đồng chí đã nhập 101 ký tự)"),
        ("Nguyễn Văn 2", "Họ và tên chỉ gồm chữ cái"),
        ("Nguyễn Văn An 🌟", "Họ và tên chỉ gồm chữ cái"),
        ("<b>x</b>", "Họ và tên chỉ gồm chữ cái"),
    ],
)
async def test_bad_names_keep_the_step(
    bot: RunningBot, bot_sessions: Sessions, typed: str, answer_starts: str
) -> None:
    world = await seed(bot_sessions)
    before = await counts(bot_sessions)
    newcomer = bot.api.user(88, "Mới")
    await newcomer.send(f"/start {world.live_token}")
    await newcomer.expect(2)
    await newcomer.send(typed)
    refusal = await newcomer.reply()
    assert refusal.text.startswith(answer_starts)
    assert "nhập lại" in refusal.text
    assert "<b>x</b>" not in refusal.text
    await newcomer.send("Nguyễn Thị Xuân")
    assert "Bước 2/3" in (await newcomer.reply()).text
    assert await counts(bot_sessions) == before


async def test_member_cannot_use_admin_or_secretary_commands(
    bot: RunningBot, bot_sessions: Sessions
) -> None:
    world = await seed(bot_sessions)
    before = await counts(bot_sessions)
    member = bot.api.user(MEMBER_A, "Tám")
    refused = "Đồng chí không có quyền thực hiện thao tác này."
    for command in ("/donvi", "/moi", "/units", "/invite"):
        await member.send(command)
        assert (await member.reply()).text == refused
    forged = [
        f"u:add:{world.cell_a}",
        "u:addroot",
        f"u:ren:{world.cell_a}",
        f"u:o:{world.cell_a}:0",
        f"inv:mk:{world.cell_a}:10",
        f"inv:u:{world.cell_a}",
        f"ap:l:{world.cell_a}:s",
        f"ap:m:{world.cell_a}:s:1",
        f"inv:rvok:{world.invite_b}",
        "u:kind:chi_bo_co_so",
        "inv:mk:abc:def",
        "ap:x",
        "zz:1",
    ]
    for data in forged:
        await member.press(data=data, event=_any_bot_message(bot, MEMBER_A))
        answer = await member.reply()
        assert answer.text in {
            refused,
            "Không tìm thấy nội dung này, hoặc nội dung không thuộc phạm vi của đồng chí.",
        } or answer.text.startswith("Lựa chọn này không còn hiệu lực"), (data, answer.text)
    assert await counts(bot_sessions) == before


async def test_secretary_cannot_act_on_another_unit(
    bot: RunningBot, bot_sessions: Sessions
) -> None:
    world = await seed(bot_sessions)
    before = await counts(bot_sessions)
    secretary = bot.api.user(SECRETARY_A, "Hoa")
    await secretary.send("/moi")
    own = await secretary.reply()
    assert "Chi bộ Văn phòng" in own.text
    assert "Chi bộ Phòng Tổ chức" not in own.text
    not_found = "Không tìm thấy nội dung này, hoặc nội dung không thuộc phạm vi của đồng chí."
    for data in (
        f"u:o:{world.cell_b}:0",
        f"u:m:{world.cell_b}:0",
        f"inv:u:{world.cell_b}",
        f"inv:new:{world.cell_b}",
        f"inv:mk:{world.cell_b}:10",
        f"inv:rvok:{world.invite_b}",
        f"ap:u:{world.cell_b}",
        f"ap:r:{world.cell_b}:s:0",
        f"ap:l:{world.cell_b}:s",
        f"ap:m:{world.cell_b}:d:1",
        f"u:add:{world.cell_b}",
        f"u:ren:{world.cell_b}",
    ):
        await secretary.press(data=data, event=own)
        answer = await secretary.reply()
        assert answer.text == not_found, (data, answer.text)
        assert "Chi bộ Phòng Tổ chức" not in answer.text
    assert await counts(bot_sessions) == before


async def test_second_registration_is_refused(bot: RunningBot, bot_sessions: Sessions) -> None:
    world = await seed(bot_sessions)
    before = await counts(bot_sessions)
    member = bot.api.user(MEMBER_A, "Tám")
    await member.send(f"/start {world.live_token}")
    answer = await member.reply()
    assert answer.text.startswith("Đồng chí đã đăng ký là đảng viên trên bot rồi")
    assert await counts(bot_sessions) == before


def _any_bot_message(bot: RunningBot, chat_id: int):  # type: ignore[no-untyped-def]
    """A message in the chat to hang a forged button press on."""
    return bot.api.transcript(chat_id)[-1]
