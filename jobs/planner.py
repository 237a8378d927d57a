"""The planner tick: select due schedules, write outbox rows, advance the next due time.

Runs every 30 seconds and at start-up, in every process: on PostgreSQL the due rows are
locked with SKIP LOCKED, so two planners never take the same member; the outbox's unique
dedupe key makes a repeated plan harmless anyway.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import reminders
from domain.campaigns import followed
from domain.members import leaders_along
from jobs import broadcasts, digests, yearend
from storage.db import writing
from storage.repos import outbox as outbox_repo
from storage.repos import reminders as reminder_repo
from storage.repos import schedules as schedule_repo
from storage.repos import users as user_repo

# A slice of members per transaction: small enough that a chat update waits for the SQLite
# write lock (taken in turn: storage.db.writing) a tenth of a second at most, the lock being
# released between slices. On PostgreSQL two slices are in flight and the loop does the
# planning of one while the database writes the other: a slice of 250 keeps each stretch of
# Python under ~15 ms (1,000 made a member's answer wait 100 ms at the median during a burst).
BATCH = 1000
BATCH_POSTGRES = 250
MAX_BATCHES = 100_000


@dataclass
class TickResult:
    members: int = 0
    queued: int = 0
    batches: int = 0


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    batch: int | None = None,
    escalate_after: int = 2,
    reports: digests.ReportTime | None = None,
    zone: str = "Asia/Ho_Chi_Minh",
) -> TickResult:
    """Plan everything due at `now`, a batch per transaction.

    On PostgreSQL two batches are in flight, so that one is planned here while the database
    writes the other (SKIP LOCKED keeps them apart); SQLite has one writer, so one batch."""
    result = TickResult()
    postgres = sessions.kw["bind"].dialect.name == "postgresql"
    workers = 2 if postgres else 1
    if batch is None:
        batch = BATCH_POSTGRES if postgres else BATCH
    await asyncio.gather(
        *(_work(sessions, now, batch, escalate_after, result, zone) for _ in range(workers))
    )
    result.queued += await broadcasts.plan(sessions, now)
    if reports is not None:
        result.queued += await digests.plan(sessions, now, reports)
        result.queued += await yearend.plan(sessions, now, reports.zone, reports.minute)
        result.queued += await digests.plan_meetings(sessions, now, reports)
    return result


async def _work(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    batch: int,
    escalate_after: int,
    result: TickResult,
    zone: str,
) -> None:
    while result.batches < MAX_BATCHES:
        async with writing(sessions), sessions() as session:
            rows = await schedule_repo.claim_due(session, now, batch)
            if not rows:
                return
            ids = [r.member_id for r in rows]
            years = await reminder_repo.load(session, ids, followed, texts=False)
            plan = reminders.plan(rows, years, now, escalate_after, zone)
            messages = await render_all(session, plan.notices, now)
            queued = await outbox_repo.add_many(session, messages)
            await schedule_repo.save_many(session, plan.updates)
            await session.commit()
        result.queued += queued  # after the awaits: the other worker updates it too
        result.members += len(rows)
        result.batches += 1
        if len(rows) < batch:
            return
        await asyncio.sleep(0)  # the updates waiting for the loop go first


async def render_all(
    session: AsyncSession, notices: list[reminders.Notice], now: datetime
) -> list[dict[str, object]]:
    """Outbox rows for the notices: who, what kind, about whom; the text is composed when
    the row is sent (jobs/compose.py)."""
    rows: list[dict[str, object]] = []
    for notice in notices:
        if notice.kind == "escalation":
            rows += await _escalation(session, notice, now)
        else:
            member = notice.member
            to = (member.channel, member.chat_id, member.user_id)
            rows.append(_row(to, notice, _payload(notice), now))
    return rows


def _row(
    to: outbox_repo.Recipient,
    notice: reminders.Notice,
    payload: dict[str, object] | None,
    now: datetime,
    suffix: str = "",
) -> dict[str, object]:
    return outbox_repo.pending(
        notice.dedupe_key + suffix,
        notice.kind,
        to,
        now,
        subject=notice.member.member_id,
        payload=payload,
        not_before=notice.not_before,
    )


def _payload(notice: reminders.Notice) -> dict[str, object] | None:
    if notice.kind == "registration":
        return {"days": notice.days_left}
    if notice.kind == "deadline":
        return {"item": notice.items[0].id}
    return None


async def _escalation(
    session: AsyncSession, notice: reminders.Notice, now: datetime
) -> list[dict[str, object]]:
    leaders = await leaders_along(session, notice.member.unit_path)
    payload: dict[str, object] = {"missed": notice.missed}
    return [
        _row((a.channel, a.chat_id, a.user_id), notice, payload, now, suffix=f":{a.user_id}")
        for a in await user_repo.reach(session, leaders)
    ]
