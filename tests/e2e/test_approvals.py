"""Acceptance (the secretary's desk, 2): approving and returning a submitted commitment, with
the member told either way, in both languages. (The Vietnamese path is also walked message by
message in test_member_year.py and test_commitment_edges.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from locales.catalog import t
from storage.models import Account, User
from tests.conftest import RunningBot
from tests.e2e.conftest import MEMBER, SECRETARY, seed_commitment
from tests.fakes.botapi import FakeUser

Sessions = async_sessionmaker[AsyncSession]
COMMENT = {
    "vi": "Đề nghị nêu rõ chỉ tiêu và thời hạn hoàn thành.",
    "en": "Please state the target and the deadline.",
}
OPENING = {
    "vi": ("🎉 Chi bộ đã duyệt", "↩️ Chi bộ đã trả lại bản đăng ký"),
    "en": ("🎉 Your cell approved", "↩️ Your cell returned your registration"),
}


async def speak(sessions: Sessions, language: str) -> None:
    """Both people chose this language (as /ngonngu would set it)."""
    async with sessions() as s:
        for person in (MEMBER, SECRETARY):
            owner = select(Account.user_id).where(Account.external_id == str(person))
            await s.execute(
                update(User).where(User.id == owner.scalar_subquery()).values(language=language)
            )
        await s.commit()


async def submit(member: FakeUser, language: str) -> None:
    await member.send("/commitment" if language == "en" else "/dangky")
    await member.reply()
    await member.press(t(language, "sheet.submit"))
    await member.reply()
    await member.press(t(language, "submit.yes"))
    await member.expect(2)


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_approve_and_return_in_each_language(
    year_bot: RunningBot, sessions: Sessions, language: str
) -> None:
    api = year_bot.api
    member, secretary = api.user(MEMBER, "An"), api.user(SECRETARY, "Bình")
    await seed_commitment(sessions, MEMBER, 2)
    await speak(sessions, language)

    await submit(member, language)
    notice = await secretary.reply()
    assert [label for label, _ in notice.buttons] == [
        t(language, "approval.approve"),
        t(language, "approval.return"),
    ]
    await secretary.press(t(language, "approval.return"), event=notice)
    asked = await secretary.reply()
    assert asked.text == t(language, "approval.ask_comment", name="Nguyễn Văn An")
    await secretary.send(COMMENT[language])
    assert (await secretary.reply()).text == t(language, "approval.returned", name="Nguyễn Văn An")
    told = await member.reply()
    assert told.text.startswith(OPENING[language][1])
    assert COMMENT[language] in told.text

    await submit(member, language)
    second = await secretary.reply()
    await secretary.press(t(language, "approval.approve"), event=second)
    done = await secretary.reply()
    assert done.text == t(language, "approval.approved", name="Nguyễn Văn An", version=2)
    approved = await member.reply()
    assert approved.text.startswith(OPENING[language][0])
