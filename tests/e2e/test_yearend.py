"""The year-end review: on the campaign's review day every member gets the summary of their
year (items, progress, reports, evidence) for their self-review, and the secretary an XLSX of
the cell; once, however many ticks and processes run."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs import planner
from jobs.digests import ReportTime
from storage.dto import Progress
from storage.models import OutboxMessage
from storage.repos import checkins as checkin_repo
from tests.conftest import FakeClock, RunningBot
from tests.e2e.conftest import MEMBER, OTHER, SECRETARY, seed_commitment
from tests.e2e.helpers import drained
from tests.e2e.test_digest import HANOI, local

Sessions = async_sessionmaker[AsyncSession]


async def test_yearend_summary_and_unit_spreadsheet(
    year_bot: RunningBot, clock: FakeClock, sessions: Sessions
) -> None:
    items = await seed_commitment(sessions, MEMBER, 2, approve_by=SECRETARY)
    async with sessions() as s:
        for n, progress in enumerate((30, 60, 100)):
            evidence = ("telegram", f"PHOTO-{n}", f"u{n}") if n != 1 else None
            await checkin_repo.add(
                s, items[0], 1, None, progress, Progress.IN_PROGRESS, None, evidence,
                local(3 + n, 10, 9),
            )  # fmt: skip
        await s.commit()
    review = local(12, 15, 8)  # the campaign's default review day, 08:00 in Hà Nội
    assert review.astimezone(HANOI).date() == date(2027, 12, 15)
    clock.now = review
    when = ReportTime(HANOI)
    first = await planner.tick(sessions, review, reports=when)
    again = await planner.tick(sessions, review.replace(minute=30), reports=when)
    assert again.queued == 0
    async with sessions() as s:
        kinds = dict(
            (k, n)
            for k, n in await s.execute(
                select(OutboxMessage.kind, func.count())
                .where(OutboxMessage.kind.like("yearend%"))
                .group_by(OutboxMessage.kind)
            )
        )
    assert kinds == {"yearend_member": 3, "yearend_unit": 1}
    assert first.queued >= 4
    await drained(sessions)
    api = year_bot.api
    summary = next(e for e in api.events[MEMBER] if "Tổng kết năm 2027" in e.text)
    assert "Nguyễn Văn An" in summary.text
    assert "· 3 lần báo cáo · 2 minh chứng" in summary.text
    assert "<b>3</b> lần báo cáo tiến độ, <b>2</b> minh chứng" in summary.text
    none = next(e for e in api.events[OTHER] if "Tổng kết năm 2027" in e.text)
    assert "chưa có bản đăng ký" in none.text
    sheet_event = next(e for e in api.events[SECRETARY] if e.method == "sendDocument")
    book = load_workbook(io.BytesIO(sheet_event.params["data"]))
    people = [r for r in book.worksheets[0].iter_rows(min_row=4, values_only=True)]
    assert {r[1] for r in people} == {"Nguyễn Văn An", "Lê Thị Cúc", "Trần Thị Bình"}
    an = next(r for r in people if r[1] == "Nguyễn Văn An")
    assert an[6:8] == (3, 2)
