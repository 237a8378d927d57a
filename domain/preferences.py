"""A member's reminder preferences: validated here, stored on the schedule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.errors import DomainError
from domain.reminders import prefs_of
from domain.schedules import CADENCES, Prefs
from storage.repos import schedules as repo

SNOOZE_DAYS = (1, 3)
# Time zones a member may choose (members abroad: study, work, diplomatic posts); None is the
# organisation's own, which follows NEUGUONG_TIMEZONE if it changes.
ZONES = (
    "Asia/Ho_Chi_Minh",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Dubai",
    "Europe/Moscow",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
)
MAX_PAUSE_DAYS = 366


def _member_id(actor: Actor) -> int:
    if actor.member is None:
        raise DomainError("profile.not_member")
    return actor.member.id


async def get(session: AsyncSession, actor: Actor, timezone: str, now: datetime) -> Prefs:
    """The member's preferences; `timezone` is the organisation's, shown until they choose."""
    row = await repo.ensure(session, _member_id(actor), now)
    return prefs_of(row, timezone)


async def own_zone(session: AsyncSession, actor: Actor, now: datetime) -> str | None:
    """The time zone the member chose, or None (the organisation's)."""
    return (await repo.ensure(session, _member_id(actor), now)).timezone


def _check(values: dict[str, object]) -> None:
    cadence = values.get("cadence")
    if cadence is not None and cadence not in CADENCES:
        raise DomainError("error.bad_choice")
    if "weekday" in values and values["weekday"] not in range(7):
        raise DomainError("error.bad_choice")
    for name in ("minute", "quiet_start", "quiet_end"):
        if name in values and values[name] not in range(24 * 60):
            raise DomainError("error.bad_choice")
    if "timezone" in values and values["timezone"] not in (None, *ZONES):
        raise DomainError("error.bad_choice")
    until = values.get("paused_until")
    if isinstance(until, date) and until > date.today() + timedelta(days=MAX_PAUSE_DAYS):
        raise DomainError("error.bad_choice")


async def change(session: AsyncSession, actor: Actor, now: datetime, **values: object) -> None:
    """Change preferences; the planner recomputes the next reminder at its next tick."""
    member_id = _member_id(actor)
    _check(values)
    await repo.change(session, member_id, now, next_due_at=now, **values)


async def snooze(session: AsyncSession, actor: Actor, days: int, now: datetime) -> datetime:
    """Remind again about this period after 1 or 3 days."""
    if days not in SNOOZE_DAYS:
        raise DomainError("error.bad_choice")
    member_id = _member_id(actor)
    until = now + timedelta(days=days)
    row = await repo.get(session, member_id)
    if row is None:
        raise DomainError("error.bad_choice")
    due = row.next_due_at
    next_due = until if due is None or due > until else due
    await repo.change(session, member_id, now, snoozed_until=until, next_due_at=next_due)
    return until
