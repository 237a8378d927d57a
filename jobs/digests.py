"""Queueing the weekly reports: once the report moment of the week has come (Monday 07:30 in
the organisation's time zone by default), every secretary and deputy of every unit gets three
outbox rows — the text, the chart, the spreadsheet — composed when they are sent.

A bot that was down at the report moment sends the reports when it comes back that day; a
report about last week is not worth sending days later, so after 24 hours that week is skipped.

Idempotent: the rows' dedupe keys name the unit, the reader and the week, and the run is
recorded in job_runs, so later ticks (and other processes) do nothing more for that week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import meetings
from domain.digest import week_containing
from jobs.channel import takes_files
from storage.dto import AccountDTO
from storage.repos import outbox as outbox_repo
from storage.repos import runs as run_repo
from storage.repos import units as unit_repo
from storage.repos import users as user_repo

JOB = "digest"
MEETING_JOB = "meeting"
MEETING_PARTS = ("meeting", "meeting_xlsx", "meeting_pdf")
CATCH_UP = timedelta(hours=24)  # a bot down at report time still sends it that day, not later
PARTS = ("digest", "digest_chart", "digest_xlsx")


@dataclass(frozen=True)
class ReportTime:
    zone: ZoneInfo
    weekday: int = 0  # Monday
    minute: int = 7 * 60 + 30
    files: frozenset[str] = frozenset({"telegram"})  # networks whose reports carry files


async def plan(sessions: async_sessionmaker[AsyncSession], now: datetime, when: ReportTime) -> int:
    """Queue this week's reports if their moment has come; returns the rows written."""
    this_week = week_containing(now, when.zone)
    moment = this_week.start + timedelta(days=when.weekday, minutes=when.minute)
    if not moment <= now < moment + CATCH_UP:
        return 0
    reported = week_containing(this_week.start - timedelta(days=1), when.zone)
    period = reported.first_day.isoformat()
    async with sessions() as session:
        if await run_repo.done(session, JOB, period):
            return 0
        rows = [
            _row(kind, unit_id, account, period, now, {"week": period, "files": files})
            for unit_id, account in await user_repo.leaders_everywhere(session)
            for files in (takes_files(account.channel, when.files),)
            for kind in PARTS
            if kind == "digest" or files
        ]
        queued = await outbox_repo.add_many(session, rows)
        await run_repo.mark(session, JOB, period, now, queued)
        await session.commit()
    return queued


async def plan_meetings(
    sessions: async_sessionmaker[AsyncSession], now: datetime, when: ReportTime
) -> int:
    """Once a day at the report time: units meeting in two days get their preparation report
    (text, printable XLSX and PDF) to every leader."""
    local = now.astimezone(when.zone)
    if local.hour * 60 + local.minute < when.minute:
        return 0
    today = local.date()
    async with sessions() as session:
        if await run_repo.done(session, MEETING_JOB, today.isoformat()):
            return 0
        found = meetings.due_for_notice(await unit_repo.with_meetings(session), today)
        due = {unit.id: day.isoformat() for unit, day in found}
        monday = week_containing(now, when.zone).first_day.isoformat()
        rows = [
            _row(
                kind,
                unit_id,
                account,
                due[unit_id],
                now,
                {"week": monday, "on": due[unit_id], "files": files},
            )  # fmt: skip
            for unit_id, account in await user_repo.leaders_everywhere(session)
            if unit_id in due
            for files in (takes_files(account.channel, when.files),)
            for kind in MEETING_PARTS
            if kind == "meeting" or files
        ]
        queued = await outbox_repo.add_many(session, rows)
        await run_repo.mark(session, MEETING_JOB, today.isoformat(), now, queued)
        await session.commit()
    return queued


def _row(
    kind: str,
    unit_id: int,
    account: AccountDTO,
    period: str,
    now: datetime,
    payload: dict[str, object] | None = None,
) -> dict[str, object]:
    return outbox_repo.pending(
        f"{kind}:{unit_id}:{account.user_id}:{period}",
        kind,
        (account.channel, account.chat_id, account.user_id),
        now,
        subject=unit_id,
        payload=payload or {"week": period},
    )
