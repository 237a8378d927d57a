"""Acceptance (the secretary's desk, 1 and 6): a cell of 8 members in mixed states; at the
report moment the secretary receives the text, the PNG chart and the XLSX through the outbox.
The workbook is opened and checked row by row, the chart is a real image of a sensible size,
and the text is asserted as a transcript (tests/transcripts/digest.vi.txt)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import campaigns, checkins, commitments
from domain.members import identify
from jobs import digests, planner
from jobs.digests import ReportTime
from storage.dto import Progress, Role
from storage.models import Account, Commitment, CommitmentItem, Member, Schedule
from tests.conftest import FakeClock, RunningBot, start_bot
from tests.e2e.conftest import CELL, SECRETARY, THEME, seed_commitment
from tests.e2e.helpers import enrol
from tests.e2e.transcript import check, render
from tests.fakes.botapi import Event, FakeBotAPI

Sessions = async_sessionmaker[AsyncSession]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
AN, CUONG, DUNG, EM, GIANG, HUNG, LAN = 101, 102, 103, 104, 105, 106, 107
PEOPLE = [
    (SECRETARY, Role.SECRETARY, "Trần Thị Bình"),
    (AN, Role.MEMBER, "Nguyễn Văn An"),
    (CUONG, Role.MEMBER, "Lê Văn Cường"),
    (DUNG, Role.MEMBER, "Phạm Thị Dung"),
    (EM, Role.MEMBER, "Hoàng Văn Em"),
    (GIANG, Role.MEMBER, "Vũ Thị Giang"),
    (HUNG, Role.MEMBER, "Đặng Văn Hùng"),
    (LAN, Role.MEMBER, "Bùi Thị Lan"),
]


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=HANOI).astimezone(UTC)


SETUP = local(1, 11, 9)
MONDAY_REPORT = local(3, 15, 7, 30)


async def actor_of(s: AsyncSession, person: int, now: datetime):  # type: ignore[no-untyped-def]
    return (await identify(s, "telegram", str(person), str(person), "", "vi", False, now)).actor


async def report(
    sessions: Sessions, person: int, item_id: int, progress: int, at: datetime, blocked: bool
) -> None:
    async with sessions() as s:
        who = await actor_of(s, person, at)
        status = Progress.BLOCKED if blocked else Progress.IN_PROGRESS
        if progress == 100:
            status = Progress.DONE
        await checkins.record(s, who, item_id, checkins.Report(progress, status), at)
        await s.commit()


async def mixed_cell(sessions: Sessions) -> dict[int, list[int]]:
    """Bình and An reported last week (An finished an item), Cường missed two periods, Dung
    is past a deadline and in difficulty, Em awaits approval, Giang drafts, Hùng has not
    started, Lan blocked the bot. Returns each member's item ids."""
    cell, _ = await enrol(sessions, CELL, PEOPLE)
    async with sessions() as s:
        await campaigns.create(
            s, None, cell, 2027, THEME, date(2027, 1, 4), date(2027, 2, 26), SETUP
        )
        await s.commit()
    items = {}
    for person in (AN, CUONG, DUNG):
        items[person] = await seed_commitment(sessions, person, 2, approve_by=SECRETARY, now=SETUP)
    # The secretary's own commitment is approved by the committee above (not in this test).
    items[SECRETARY] = await seed_commitment(sessions, SECRETARY, 2, now=SETUP)
    async with sessions() as s:
        await s.execute(
            update(Commitment)
            .where(Commitment.member_id == select_member(SECRETARY))
            .values(state="approved", version=1, approved_version=1)
        )
        await s.commit()
    items[EM] = await seed_commitment(sessions, EM, 1, now=SETUP)
    async with sessions() as s:
        who = await actor_of(s, EM, SETUP)
        sheet = await commitments.open_personal(s, who, SETUP)
        await commitments.submit(s, who, sheet.commitment.id, SETUP)
        await s.commit()
    items[GIANG] = await seed_commitment(sessions, GIANG, 1, now=SETUP)
    await report(sessions, SECRETARY, items[SECRETARY][0], 50, local(3, 9, 20), False)
    await report(sessions, AN, items[AN][0], 100, local(3, 10, 9), False)
    await report(sessions, AN, items[AN][1], 40, local(3, 10, 9, 5), False)
    await report(sessions, DUNG, items[DUNG][0], 30, local(2, 20, 9), True)
    await report(sessions, CUONG, items[CUONG][0], 20, local(2, 16, 9), False)
    async with sessions() as s:
        await s.execute(
            update(CommitmentItem)
            .where(CommitmentItem.id == items[DUNG][0])
            .values(deadline=date(2027, 2, 28))
        )
        await s.execute(
            update(Account).where(Account.external_id == str(LAN)).values(unreachable_at=SETUP)
        )
        await s.commit()
    return items


def select_member(person: int):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storage.models import User

    return (
        select(Member.id)
        .join(User, User.id == Member.user_id)
        .join(Account, Account.user_id == User.id)
        .where(Account.external_id == str(person))
        .scalar_subquery()
    )


@pytest.fixture
async def desk(
    botapi: FakeBotAPI, db_url: str, sessions: Sessions
) -> AsyncIterator[tuple[RunningBot, FakeClock, dict[int, list[int]]]]:
    items = await mixed_cell(sessions)
    clock = FakeClock(local(3, 14, 20))  # Sunday evening: nothing is due at start-up
    running = await start_bot(
        botapi, db_url, clock, NEUGUONG_PLANNER_SECONDS=3600, NEUGUONG_DIGEST_ENABLED="true"
    )
    async with sessions() as s:  # as the planner leaves it after two silent periods
        cuong = select_member(CUONG)
        await s.execute(update(Schedule).where(Schedule.member_id == cuong).values(missed=2))
        await s.commit()
    yield running, clock, items
    await running.shutdown()


async def monday_report(bot: RunningBot, clock: FakeClock, sessions: Sessions) -> list[Event]:
    clock.now = MONDAY_REPORT
    done = await planner.tick(sessions, MONDAY_REPORT, reports=ReportTime(HANOI))
    assert done.queued == 3  # text, chart, spreadsheet for the one secretary
    # Once a week, however often (and in however many processes) the planner looks.
    assert await digests.plan(sessions, local(3, 15, 9), ReportTime(HANOI)) == 0
    secretary = bot.api.user(SECRETARY, "Bình")
    return await secretary.expect(3, within=30)


async def test_the_monday_report_reaches_the_secretary(
    desk: tuple[RunningBot, FakeClock, dict[int, list[int]]], sessions: Sessions
) -> None:
    bot, clock, _ = desk
    text, chart, sheet = await monday_report(bot, clock, sessions)
    assert [text.method, chart.method, sheet.method] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert len(text.text) <= 4096
    check("digest.vi.txt", render(bot.api, {SECRETARY: "Bí thư Bình"}))

    image = Image.open(io.BytesIO(chart.params["data"]))
    assert image.format == "PNG"
    assert 600 <= image.width <= 1200
    assert 400 <= image.height <= 2400

    assert sheet.params["file_name"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(sheet.params["data"]))
    members = book["Đảng viên"]
    rows = [list(r) for r in members.iter_rows(min_row=4, values_only=True)]
    unit = "Chi bộ Văn phòng"
    assert rows == [
        [1, "Nguyễn Văn An", unit, "Đã được duyệt", 2, 70, "Có", 0, 0, 0, "Bình thường"],
        [2, "Trần Thị Bình", unit, "Đã được duyệt", 2, 25, "Có", 0, 0, 0, "Bình thường"],
        [3, "Lê Văn Cường", unit, "Đã được duyệt", 2, 10, "Không", 2, 0, 0, "Bình thường"],
        [4, "Phạm Thị Dung", unit, "Đã được duyệt", 2, 15, "Không", 0, 1, 1, "Bình thường"],
        [
            5,
            "Hoàng Văn Em",
            unit,
            "Đã gửi, chờ chi bộ duyệt",
            1,
            0,
            "Không",
            0,
            0,
            0,
            "Bình thường",
        ],
        [6, "Vũ Thị Giang", unit, "Đang soạn", 1, 0, "Không", 0, 0, 0, "Bình thường"],
        [7, "Đặng Văn Hùng", unit, "Chưa đăng ký", 0, 0, "Không", 0, 0, 0, "Bình thường"],
        [8, "Bùi Thị Lan", unit, "Chưa đăng ký", 0, 0, "Không", 0, 0, 0, "Đã chặn bot"],
    ]
    items = [list(r) for r in book["Nội dung cam kết"].iter_rows(min_row=4, values_only=True)]
    assert len(items) == 10
    assert items[0] == [
        1, "Nguyễn Văn An", "Nội dung cam kết số 1 của đồng chí", None, 100, "Hoàn thành"
    ]  # fmt: skip
