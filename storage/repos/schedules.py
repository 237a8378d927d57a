"""Reminder schedules: preferences and the indexed next-due moment the planner selects on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Schedule


@dataclass(frozen=True)
class ScheduleDTO:
    member_id: int
    cadence: str
    weekday: int
    minute: int
    quiet_start: int
    quiet_end: int
    timezone: str
    paused_until: date | None
    snoozed_until: datetime | None
    next_due_at: datetime | None
    period: str | None
    period_started_at: datetime | None
    missed: int
    escalated: bool


COLUMNS = (
    Schedule.member_id,
    Schedule.cadence,
    Schedule.weekday,
    Schedule.minute,
    Schedule.quiet_start,
    Schedule.quiet_end,
    Schedule.timezone,
    Schedule.paused_until,
    Schedule.snoozed_until,
    Schedule.next_due_at,
    Schedule.period,
    Schedule.period_started_at,
    Schedule.missed,
    Schedule.escalated,
)
PLANNED = ("next_due_at", "period", "period_started_at", "missed", "escalated", "snoozed_until")


def to_dto(row: Schedule) -> ScheduleDTO:
    return ScheduleDTO(
        row.member_id,
        row.cadence,
        row.weekday,
        row.minute,
        row.quiet_start,
        row.quiet_end,
        row.timezone,
        row.paused_until,
        row.snoozed_until,
        row.next_due_at,
        row.period,
        row.period_started_at,
        row.missed,
        row.escalated,
    )


async def get(session: AsyncSession, member_id: int) -> ScheduleDTO | None:
    row = await session.get(Schedule, member_id)
    return to_dto(row) if row else None


async def ensure(
    session: AsyncSession, member_id: int, timezone: str, now: datetime
) -> ScheduleDTO:
    row = await session.get(Schedule, member_id)
    if row is None:
        row = Schedule(
            member_id=member_id,
            cadence="weekly",
            weekday=0,
            minute=8 * 60,
            quiet_start=21 * 60,
            quiet_end=7 * 60,
            timezone=timezone,
            next_due_at=now,
            missed=0,
            escalated=False,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
    return to_dto(row)


async def change(session: AsyncSession, member_id: int, now: datetime, **values: object) -> None:
    allowed = {
        "cadence",
        "weekday",
        "minute",
        "quiet_start",
        "quiet_end",
        "paused_until",
        "snoozed_until",
        "next_due_at",
        "timezone",
    }
    if not set(values) <= allowed:
        raise ValueError(f"not a schedule field: {set(values) - allowed}")
    await session.execute(
        update(Schedule)
        .where(Schedule.member_id == member_id)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )


async def wake(session: AsyncSession, member_ids: Sequence[int], now: datetime) -> None:
    """Ask the planner to look at these members at its next tick."""
    await session.execute(
        update(Schedule)
        .where(Schedule.member_id.in_(list(member_ids)))
        .values(next_due_at=now)
        .execution_options(synchronize_session=False)
    )


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[ScheduleDTO]:
    """Due schedules, locked for this transaction; other planners skip them (PostgreSQL)."""
    query = (
        select(*COLUMNS)
        .where(Schedule.next_due_at <= now)
        .order_by(Schedule.next_due_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [ScheduleDTO(**dict(row._mapping)) for row in await session.execute(query)]


async def save_many(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """What the planner decided, one executemany: each dict has member_id and every column
    in PLANNED (the same keys for all rows, so the statement is compiled once)."""
    if not rows:
        return
    table = cast(Table, Schedule.__table__)
    statement = (
        update(table)
        .where(table.c.member_id == bindparam("m_id"))
        .values({name: bindparam(f"v_{name}") for name in PLANNED})
    )
    params = [{"m_id": r["member_id"], **{f"v_{n}": r[n] for n in PLANNED}} for r in rows]
    conn = await session.connection()
    await conn.execute(statement, params)
