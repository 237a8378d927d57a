"""Reminder schedules: preferences and the indexed next-due moment the planner selects on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Schedule
from storage.types import sqlite_datetime


@dataclass(frozen=True)
class ScheduleDTO:
    member_id: int
    cadence: str
    weekday: int
    minute: int
    quiet_start: int
    quiet_end: int
    timezone: str | None  # None: the organisation's
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


async def ensure(session: AsyncSession, member_id: int, now: datetime) -> ScheduleDTO:
    row = await session.get(Schedule, member_id)
    if row is None:
        row = Schedule(
            member_id=member_id,
            cadence="weekly",
            weekday=0,
            minute=8 * 60,
            quiet_start=21 * 60,
            quiet_end=7 * 60,
            timezone=None,  # the organisation's, until the member chooses
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


async def wake_under(session: AsyncSession, path: str, now: datetime) -> None:
    """Ask the planner to look again at every member under this unit path (a campaign opened
    or changed there: what is due for them changed)."""
    from storage.models import Member, Unit

    under = (
        select(Member.id)
        .join(Unit, Unit.id == Member.unit_id)
        .where(Unit.path.startswith(path, autoescape=True), Member.status == "active")
    )
    await session.execute(
        update(Schedule)
        .where(Schedule.member_id.in_(under))
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
    conn = await session.connection()  # plain rows: no ORM identity map for a burst
    return [ScheduleDTO(**row._asdict()) for row in await conn.execute(query)]


async def save_many(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """What the planner decided: each dict has member_id and every column in PLANNED.

    PostgreSQL: one UPDATE ... FROM unnest(arrays) for the whole batch. SQLite: one raw
    executemany, the values converted here as the column types would."""
    if not rows:
        return
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        await conn.execute(_UNNEST_UPDATE, _columns(rows))
        return
    params = [
        tuple(
            sqlite_datetime(v) if isinstance(v, datetime) else v
            for v in (*(r[n] for n in PLANNED), r["member_id"])
        )
        for r in rows
    ]
    await conn.exec_driver_sql(_SQLITE_UPDATE, params)


_SQLITE_UPDATE = (
    f"UPDATE schedules SET {', '.join(f'{n} = ?' for n in PLANNED)} WHERE member_id = ?"
)
_ARRAYS: dict[str, ARRAY[Any]] = {
    "member_id": ARRAY(Integer),
    "next_due_at": ARRAY(DateTime),
    "period": ARRAY(String),
    "period_started_at": ARRAY(DateTime),
    "missed": ARRAY(Integer),
    "escalated": ARRAY(Boolean),
    "snoozed_until": ARRAY(DateTime),
}
_UNNEST_UPDATE = text(
    "UPDATE schedules AS s SET "
    + ", ".join(f"{name} = v.{name}" for name in PLANNED)
    + " FROM unnest("
    + ", ".join(f":{name}" for name in _ARRAYS)
    + ") AS v("
    + ", ".join(_ARRAYS)
    + ") WHERE s.member_id = v.member_id"
).bindparams(*(bindparam(name, type_=kind) for name, kind in _ARRAYS.items()))


def _columns(rows: list[dict[str, object]]) -> dict[str, list[object]]:
    """Row dicts as one list per column; times as naive UTC, as the columns store them."""
    columns: dict[str, list[object]] = {name: [] for name in _ARRAYS}
    for row in rows:
        for name in _ARRAYS:
            value = row[name]
            if isinstance(value, datetime):
                value = value.astimezone(UTC).replace(tzinfo=None)
            columns[name].append(value)
    return columns
