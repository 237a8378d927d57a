"""Reminder time arithmetic, in the member's own time zone. Pure functions, no I/O.

Memoised: in a Monday burst nearly every member shares the default preferences and the same
`now`, so each answer is computed once per tick, not once per member.

A cadence has occurrences (e.g. every Monday 08:00 local); each occurrence opens a period
(ISO week, two-week block, month) identified by a key. Quiet hours push a moment to their end;
a pause pushes it to the pause's last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

CADENCES = ("weekly", "biweekly", "monthly")
EPOCH = date(2001, 1, 1)  # a Monday: two-week blocks count from here


@dataclass(frozen=True)
class Prefs:
    cadence: str = "weekly"
    weekday: int = 0  # Monday = 0
    minute: int = 8 * 60
    quiet_start: int = 21 * 60
    quiet_end: int = 7 * 60
    timezone: str = "Asia/Ho_Chi_Minh"
    paused_until: date | None = None

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _week_index(day: date) -> int:
    return (day - EPOCH).days // 7


@lru_cache(maxsize=8192)
def period_key(prefs: Prefs, local_day: date) -> str:
    if prefs.cadence == "monthly":
        return f"{local_day.year}-{local_day.month:02d}"
    if prefs.cadence == "biweekly":
        return f"B{_week_index(local_day) // 2}"
    year, week, _ = local_day.isocalendar()
    return f"{year}-W{week:02d}"


def _at(prefs: Prefs, day: date) -> datetime:
    clock = time(prefs.minute // 60, prefs.minute % 60)
    return datetime.combine(day, clock, prefs.zone)


def month_start(day: date, shift: int) -> date:
    """The first day of the month `shift` months from `day`'s (negative: back)."""
    months = day.year * 12 + day.month - 1 + shift
    return date(months // 12, months % 12 + 1, 1)


def _first_weekday(prefs: Prefs, first: date) -> date:
    """The month's first `prefs.weekday` (the monthly reminder's day)."""
    return first + timedelta(days=(prefs.weekday - first.weekday()) % 7)


def _occurrence_days(prefs: Prefs, start: date) -> list[date]:
    """Candidate days on or after `start` (enough to find the next occurrence)."""
    if prefs.cadence == "monthly":
        return [_first_weekday(prefs, month_start(start, shift)) for shift in range(3)]
    first = start + timedelta(days=(prefs.weekday - start.weekday()) % 7)
    days = [first + timedelta(weeks=n) for n in range(3)]
    if prefs.cadence == "biweekly":
        days = [d for d in days if _week_index(d) % 2 == 0]
    return days


@lru_cache(maxsize=8192)
def next_occurrence(prefs: Prefs, after: datetime) -> datetime:
    """The first reminder moment strictly after `after` (UTC in, UTC out), before quiet hours
    and pause are applied."""
    local = after.astimezone(prefs.zone)
    start = local.date() - timedelta(days=1)
    while True:
        for day in _occurrence_days(prefs, start):
            moment = _at(prefs, day)
            if moment > local:
                return moment.astimezone(UTC)
        start += timedelta(days=28)


@lru_cache(maxsize=8192)
def last_occurrence(prefs: Prefs, now: datetime) -> datetime:
    """The latest reminder moment at or before `now`."""
    local = now.astimezone(prefs.zone)
    if prefs.cadence == "monthly":
        for month_back in range(3):
            day = _first_weekday(prefs, month_start(local.date(), -month_back))
            if _at(prefs, day) <= local:
                return _at(prefs, day).astimezone(UTC)
    day = local.date() - timedelta(days=(local.weekday() - prefs.weekday) % 7)
    if _at(prefs, day) > local:
        day -= timedelta(days=7)
    if prefs.cadence == "biweekly" and _week_index(day) % 2:
        day -= timedelta(days=7)
    return _at(prefs, day).astimezone(UTC)


def in_quiet(prefs: Prefs, moment: datetime) -> bool:
    minute = moment.astimezone(prefs.zone)
    value = minute.hour * 60 + minute.minute
    start, end = prefs.quiet_start, prefs.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= value < end
    return value >= start or value < end


@lru_cache(maxsize=8192)
def out_of_quiet(prefs: Prefs, moment: datetime) -> datetime:
    """`moment`, or the end of the quiet hours it falls in."""
    if not in_quiet(prefs, moment):
        return moment
    local = moment.astimezone(prefs.zone)
    end = datetime.combine(
        local.date(), time(prefs.quiet_end // 60, prefs.quiet_end % 60), prefs.zone
    )
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


@lru_cache(maxsize=8192)
def after_pause(prefs: Prefs, moment: datetime) -> datetime:
    """No reminder before the pause's last day is over."""
    if prefs.paused_until is None:
        return moment
    resume = datetime.combine(prefs.paused_until + timedelta(days=1), time(), prefs.zone)
    if moment >= resume:
        return moment
    return max(next_occurrence(prefs, resume - timedelta(seconds=1)), resume.astimezone(UTC))


def paused(prefs: Prefs, now: datetime) -> bool:
    return (
        prefs.paused_until is not None and now.astimezone(prefs.zone).date() <= prefs.paused_until
    )


@lru_cache(maxsize=8192)
def local_moment(prefs: Prefs, day: date) -> datetime:
    """The member's reminder time on a given local day, in UTC."""
    return _at(prefs, day).astimezone(UTC)
