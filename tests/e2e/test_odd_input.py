"""What people really type (issue 12): numbers that are not ASCII numbers, texts of emoji or
hidden characters, «có» typed instead of pressed, a sticker mid-registration, another cell's
secretary link, and the decisions that have a home besides their notice."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.invites import create_system_invite
from domain.units import add_path
from locales.catalog import t
from storage.dto import Role
from storage.models import CheckIn, CommitmentItem, Member, RoleGrant
from tests.conftest import RunningBot
from tests.e2e.conftest import CELL, MEMBER, OTHER, SECRETARY, seed_commitment
from tests.e2e.helpers import labels

Sessions = async_sessionmaker[AsyncSession]
INTERNAL = t("vi", "error.internal")


async def _count(sessions: Sessions, table: type) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(table)) or 0)


async def test_numbers_that_are_not_numbers_get_a_clear_answer(
    year_bot: RunningBot, sessions: Sessions
) -> None:
    api = year_bot.api
    member = api.user(MEMBER, "An")
    await seed_commitment(sessions, MEMBER, 2, approve_by=SECRETARY)
    await member.send("📈 Báo cáo tiến độ")
    pick = await member.reply()
    await member.press(data=pick.buttons[0][1])
    asked = await member.reply()
    assert "%" in asked.text
    for typed in ("--5", "①", "50²", "5" * 5000, "٥٠", "-5", "150"):
        await member.send(typed)
        answer = (await member.reply()).text
        assert answer != INTERNAL, typed
        assert "Trợ lý chưa xử lý" not in answer
    await member.send("50")
    assert "50%" in (await member.reply()).text  # the step kept its place: the value is taken
    # forged buttons with odd digits or out-of-range ids
    for data in ("k:i:①", "k:i:99999999999999999999", "c:sh:²", "dg:p:٣", "a:ok:1:①",
                 "u:o:99999999999999999999:0", "t:mb:00000000000000000001"):  # fmt: skip
        await member.press(data=data, event=pick)  # forged: sent from an old message
        answer = (await member.reply()).text
        assert answer != INTERNAL, data
    assert await _count(sessions, CheckIn) == 0


async def test_items_made_of_emoji_or_hidden_characters_are_refused(
    year_bot: RunningBot, sessions: Sessions
) -> None:
    api = year_bot.api
    member = api.user(MEMBER, "An")
    await member.send("📝 Đăng ký nêu gương")
    await member.reply()
    await member.press("➕ Thêm nội dung nêu gương")
    await member.reply()
    before = await _count(sessions, CommitmentItem)
    for typed in ("🌟" * 12, "\u200b" * 15, "!!!!!!!!!!!!", "\u202e\u200b🌟🌟🌟🌟🌟🌟🌟🌟🌟🌟"):
        await member.send(typed)
        answer = (await member.reply()).text
        assert answer in (t("vi", "validate.no_words"),) or "ký tự" in answer, typed
    assert await _count(sessions, CommitmentItem) == before
    # a right-to-left override is dropped, so nobody's screen shows the line reversed
    await member.send("\u202eGương mẫu chấp hành kỷ luật phát ngôn 🌟")
    assert "Chỉ tiêu" in (await member.reply()).text  # the step moved on: nothing lost
    async with sessions() as s:
        stored = await s.scalar(select(CommitmentItem.text).where(CommitmentItem.kind == "example"))
    assert stored == "Gương mẫu chấp hành kỷ luật phát ngôn 🌟"


async def test_yes_typed_sticker_mid_registration_and_a_foreign_secretary_link(
    year_bot: RunningBot, sessions: Sessions
) -> None:
    api = year_bot.api
    async with sessions() as s:
        cell, _ = await add_path(s, CELL, year_bot_now())
        link = await create_system_invite(s, cell, Role.MEMBER, 5, 14, year_bot_now())
        other, _ = await add_path(s, CELL.rsplit("/", 1)[0] + "/Chi bộ Thanh tra", year_bot_now())
        foreign = await create_system_invite(s, other, Role.SECRETARY, 1, 14, year_bot_now())
        await s.commit()
    newcomer = api.user(777, "Hoa")
    await newcomer.send(f"/start {link.token}")
    await newcomer.expect(2)
    await newcomer.send("Đỗ Thị Hoa")
    await newcomer.reply()
    await newcomer.send_sticker()
    repeated = await newcomer.expect(2)
    assert "Chức vụ" in repeated[1].text or "chức vụ" in repeated[1].text
    await newcomer.send("Chuyên viên")
    await newcomer.reply()
    await newcomer.send("Có")  # typed, not pressed
    confirm = await newcomer.reply()
    assert "Người đứng đầu: Có" in confirm.text
    await newcomer.press("✅ Xác nhận")
    await newcomer.expect(2)
    # a member of Chi bộ Văn phòng opens Chi bộ Thanh tra's secretary link: refused, told why
    member = api.user(MEMBER, "An")
    await member.send(f"/start {foreign.token}")
    answer = (await member.reply()).text
    assert "Chi bộ Thanh tra" in answer
    assert "Chi bộ Văn phòng" in answer
    async with sessions() as s:
        grants = await s.scalar(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.unit_id == other.id)
        )
        assert grants == 0
        assert await s.scalar(select(func.count()).select_from(Member)) == 4


async def test_a_lost_notice_loses_no_decision(year_bot: RunningBot, sessions: Sessions) -> None:
    """The secretary never sees the notice; the «chờ duyệt» list and the member card both
    offer the decision."""
    api = year_bot.api
    member, secretary = api.user(MEMBER, "An"), api.user(SECRETARY, "Bình")
    await seed_commitment(sessions, MEMBER, 1)
    await seed_commitment(sessions, OTHER, 1)
    for who in (member, api.user(OTHER, "Cúc")):
        await who.send("/dangky")
        await who.reply()
        await who.press("📤 Gửi chi bộ duyệt")
        await who.reply()
        await who.press("📤 Gửi")
        await who.expect(2)
    await secretary.expect(2)  # the two notices, ignored
    await secretary.send("/choduyet")
    listing = await secretary.reply()
    assert "Bản đăng ký chờ duyệt</b>: 2" in listing.text
    await secretary.press(data=listing.buttons[0][1])
    shown = await secretary.reply()
    assert labels(shown)[:2] == [t("vi", "approval.approve"), t("vi", "approval.return")]
    await secretary.press(t("vi", "approval.approve"), event=shown)
    await secretary.expect(2)  # approved, and the list with the one left
    await member.reply()
    # the other one, from the member card
    await secretary.send("/thanhvien")
    roster = await secretary.reply()
    cuc = next(d for label, d in roster.buttons if "Lê Thị Cúc" in label)
    await secretary.press(data=cuc)
    card = await secretary.reply()
    assert t("vi", "approval.approve") in labels(card)


def year_bot_now():  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import START

    return START
