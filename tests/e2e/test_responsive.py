"""A bot that answers in a blink (issue 14): while a secretary's report is drawn, another
member is answered first — the chart is made off the event loop, after the transaction, and
updates from different people are handled at once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import RunningBot
from tests.e2e.conftest import MEMBER, OTHER, SECRETARY, seed_commitment

Sessions = async_sessionmaker[AsyncSession]


async def test_a_member_is_answered_while_the_secretarys_chart_is_drawn(
    year_bot: RunningBot, sessions: Sessions
) -> None:
    api = year_bot.api
    await seed_commitment(sessions, MEMBER, 2, approve_by=SECRETARY)
    secretary, member = api.user(SECRETARY, "Bình"), api.user(OTHER, "Cúc")
    await secretary.send("/baocao_chibo")
    await member.send("/tiendo")
    await member.reply(within=20)
    await secretary.expect(3, within=60)  # text, chart, spreadsheet
    order = [(chat, what) for chat, who, what in api.journal if who == "bot"]
    chart_at = next(
        n
        for n, (chat, what) in enumerate(order)
        if chat == SECRETARY and getattr(what, "method", "") == "sendPhoto"
    )
    member_at = next(n for n, (chat, _) in enumerate(order) if chat == OTHER)
    assert member_at < chart_at, order
