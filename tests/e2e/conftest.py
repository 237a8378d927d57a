"""Fixtures for the commitment journeys: a cell with a secretary and a member, the 2027
campaign open, and the bot on a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import campaigns
from storage.dto import Role
from tests.conftest import FakeClock, RunningBot, start_bot
from tests.e2e.helpers import enrol
from tests.fakes.botapi import FakeBotAPI

Sessions = async_sessionmaker[AsyncSession]
CELL = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp/Chi bộ Văn phòng"
SECRETARY, MEMBER, OTHER = 50, 51, 52
START = datetime(2027, 1, 11, 1, 30, tzinfo=UTC)  # Monday 08:30 in Hà Nội
THEME = "Phát huy vai trò nêu gương của người đứng đầu"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def year_bot(
    botapi: FakeBotAPI, db_url: str, sessions: Sessions, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    """A cell with a secretary and a member, and the 2027 campaign open; the bot on a clock."""
    cell, _ = await enrol(
        sessions,
        CELL,
        [
            (SECRETARY, Role.SECRETARY, "Trần Thị Bình"),
            (MEMBER, Role.MEMBER, "Nguyễn Văn An"),
            (OTHER, Role.MEMBER, "Lê Thị Cúc"),
        ],
    )
    async with sessions() as s:
        await campaigns.create(
            s, None, cell, 2027, THEME, date(2027, 1, 4), date(2027, 2, 28), START
        )
        await s.commit()
    running = await start_bot(botapi, db_url, clock)
    yield running
    await running.shutdown()


async def seed_commitment(
    sessions: Sessions,
    member: int,
    lines: int,
    approve_by: int | None = None,
    now: datetime = START,
) -> list[int]:
    """Give `member` a commitment with `lines` example items and the pledge, submitted and
    approved by `approve_by` if given. Returns the item ids."""
    from domain import commitments
    from domain.members import identify
    from domain.reference import manifestations
    from storage.dto import ItemKind

    async with sessions() as s:
        who = (await identify(s, "telegram", str(member), str(member), "", "vi", False, now)).actor
        sheet = await commitments.open_personal(s, who, now)
        ids = []
        for n in range(lines):
            text = f"Nội dung cam kết số {n + 1} của đồng chí"
            item = await commitments.add_item(
                s, who, sheet.commitment.id, ItemKind.EXAMPLE, text, now
            )
            ids.append(item.id)
        await commitments.pledge(s, who, sheet.commitment.id, manifestations().pledge, now)
        if approve_by is not None:
            await commitments.submit(s, who, sheet.commitment.id, now)
            boss = (
                await identify(
                    s, "telegram", str(approve_by), str(approve_by), "", "vi", False, now
                )
            ).actor
            await commitments.decide(s, boss, sheet.commitment.id, 1, True, None, now)
        await s.commit()
    return ids


# The web app's running site and browser, for every file of browser tests.
from tests.e2e.test_web import browser, site  # noqa: E402, F401
