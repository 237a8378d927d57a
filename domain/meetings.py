"""The cell's regular meeting (sinh hoạt chi bộ định kỳ): a day of the month, set by the
secretary; two days before it the leaders get a preparation report and the printable list."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor
from domain.errors import DomainError
from domain.reports import visible_unit
from storage.dto import UnitDTO
from storage.repos import units as unit_repo

DAY_MIN, DAY_MAX = 1, 28  # every month has them
NOTICE = timedelta(days=2)


def next_meeting(day: int, today: date) -> date:
    """The next meeting on or after today."""
    this_month = today.replace(day=min(day, calendar.monthrange(today.year, today.month)[1]))
    if this_month >= today:
        return this_month
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def due_for_notice(units: list[UnitDTO], today: date) -> list[tuple[UnitDTO, date]]:
    """Units whose meeting is two days from today."""
    found = []
    for unit in units:
        if unit.meeting_day is None:
            continue
        meeting = next_meeting(unit.meeting_day, today)
        if meeting - today == NOTICE:
            found.append((unit, meeting))
    return found


async def set_day(
    session: AsyncSession, actor: Actor, unit_id: int, day: int | None, now: datetime
) -> UnitDTO:
    """Set (or, with None, clear) the unit's meeting day."""
    unit = await visible_unit(session, actor, unit_id)
    if day is not None and not DAY_MIN <= day <= DAY_MAX:
        raise DomainError("meeting.day_range")
    await unit_repo.set_meeting_day(session, unit.id, day)
    await audit.record(
        session, actor, "meeting_day", now, unit_path=unit.path, subject=f"unit:{unit.id}", day=day
    )
    found = await unit_repo.get(session, unit.id)
    assert found is not None
    return found
