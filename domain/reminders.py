"""What is due for a member now, as data: the planner renders it and writes the outbox.

Rules:
- check-in reminder once per period (weekly by default), listing the open items; a member the
  bot could not reach for several periods gets one reminder for the current period, not one
  per missed period (the dedupe key is the period);
- registration reminders 7 days before the campaign deadline, then on each of the last 3 days,
  for members who have not submitted;
- an item deadline reminder 7 days before the item's deadline;
- escalation to the cell's leaders after `escalate_after` periods in a row without a check-in,
  once per lapse;
- nothing while paused, exempt, unreachable or left; nothing inside quiet hours (it waits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain import schedules as sched
from storage.repos.reminders import MemberYear, OpenItem
from storage.repos.schedules import ScheduleDTO

REGISTRATION_DAYS = (7, 2, 1, 0)
DEADLINE_DAYS = 7


@dataclass(frozen=True)
class Notice:
    kind: str  # checkin, snooze, registration, deadline, escalation
    member: MemberYear
    dedupe_key: str
    not_before: datetime
    items: tuple[OpenItem, ...] = ()
    days_left: int = 0
    missed: int = 0


@dataclass
class Plan:
    notices: list[Notice] = field(default_factory=list)
    updates: list[dict[str, object]] = field(default_factory=list)


def prefs_of(row: ScheduleDTO, zone: str) -> sched.Prefs:
    """The member's preferences; their time zone, or the organisation's `zone`."""
    return sched.Prefs(
        row.cadence,
        row.weekday,
        row.minute,
        row.quiet_start,
        row.quiet_end,
        row.timezone or zone,
        row.paused_until,
    )


def _unchanged(row: ScheduleDTO) -> dict[str, object]:
    """Every planned column as it is; the planner overwrites what it decides."""
    return {
        "member_id": row.member_id,
        "next_due_at": row.next_due_at,
        "period": row.period,
        "period_started_at": row.period_started_at,
        "missed": row.missed,
        "escalated": row.escalated,
        "snoozed_until": row.snoozed_until,
    }


def plan(
    rows: list[ScheduleDTO],
    years: dict[int, MemberYear],
    now: datetime,
    escalate_after: int = 2,
    zone: str = "Asia/Ho_Chi_Minh",
) -> Plan:
    result = Plan()
    for row in rows:
        year = years.get(row.member_id)
        if year is None or not _reachable(year):
            result.updates.append(_unchanged(row) | {"next_due_at": None})
            continue
        _plan_member(result, row, year, now, escalate_after, zone)
    return result


def _reachable(year: MemberYear) -> bool:
    return year.active and not year.exempt and not year.unreachable and year.chat_id is not None


def _plan_member(
    result: Plan, row: ScheduleDTO, year: MemberYear, now: datetime, escalate_after: int, zone: str
) -> None:
    prefs = prefs_of(row, zone)
    update = _unchanged(row)
    if not sched.paused(prefs, now):
        send_at = sched.out_of_quiet(prefs, now)
        _checkin(result, update, row, year, prefs, now, send_at, escalate_after)
        _registration(result, year, prefs, now, send_at)
        _deadlines(result, year, prefs, now, send_at)
    update["next_due_at"] = _next_due(row, year, prefs, now, update)
    result.updates.append(update)


def _checkin(
    result: Plan,
    update: dict[str, object],
    row: ScheduleDTO,
    year: MemberYear,
    prefs: sched.Prefs,
    now: datetime,
    send_at: datetime,
    escalate_after: int,
) -> None:
    open_items = tuple(i for i in year.items if i.progress < 100)
    if not (year.approved and open_items):
        return
    started = sched.last_occurrence(prefs, now)
    period = sched.period_key(prefs, started.astimezone(prefs.zone).date())
    if row.period is None:
        # A new schedule: this period is the baseline; the first reminder is the next one.
        update.update(period=period, period_started_at=None, missed=0, escalated=False)
        return
    if period != row.period and _before(started, row):
        # the preferences moved the moment back into a period already reminded (Monday's
        # reminder done, the day changed to Wednesday on Wednesday morning): that period is
        # the baseline now, and nothing is sent for it
        update.update(period=period, period_started_at=started)
    elif period != row.period:
        _close_period(result, update, row, year, now, send_at, escalate_after)
        update.update(period=period, period_started_at=started, snoozed_until=None)
        key = f"reminder:{year.member_id}:{period}"
        result.notices.append(Notice("checkin", year, key, send_at, open_items))
    elif row.snoozed_until is not None and row.snoozed_until <= now:
        key = f"reminder:{year.member_id}:{period}:snooze:{row.snoozed_until.isoformat()}"
        result.notices.append(Notice("checkin", year, key, send_at, open_items))
        update["snoozed_until"] = None


def _before(started: datetime, row: ScheduleDTO) -> bool:
    """Whether a period starts no later than the one last reminded."""
    return row.period_started_at is not None and started <= row.period_started_at


def _close_period(
    result: Plan,
    update: dict[str, object],
    row: ScheduleDTO,
    year: MemberYear,
    now: datetime,
    send_at: datetime,
    escalate_after: int,
) -> None:
    """The previous period ends: count it as missed unless the member reported in it."""
    if row.period is None or row.period_started_at is None:
        update.update(missed=0, escalated=False)
        return
    reported = any(
        i.last_checkin_at and i.last_checkin_at >= row.period_started_at for i in year.items
    )
    missed = 0 if reported else row.missed + 1
    escalated = row.escalated and not reported
    if missed >= escalate_after and not escalated:
        key = f"escalation:{year.member_id}:{row.period}"
        result.notices.append(Notice("escalation", year, key, send_at, missed=missed))
        escalated = True
    update.update(missed=missed, escalated=escalated)


def _registration(
    result: Plan, year: MemberYear, prefs: sched.Prefs, now: datetime, send_at: datetime
) -> None:
    campaign = year.campaign
    if campaign is None or year.submitted:
        return
    today = now.astimezone(prefs.zone).date()
    left = (campaign.deadline - today).days
    if left in REGISTRATION_DAYS and now >= sched.local_moment(prefs, today):
        key = f"registration:{year.member_id}:{campaign.id}:{today.isoformat()}"
        result.notices.append(Notice("registration", year, key, send_at, days_left=left))


def _deadlines(
    result: Plan, year: MemberYear, prefs: sched.Prefs, now: datetime, send_at: datetime
) -> None:
    if not year.approved:
        return
    today = now.astimezone(prefs.zone).date()
    for item in year.items:
        if item.deadline is None or item.progress >= 100:
            continue
        left = (item.deadline - today).days
        if 0 <= left <= DEADLINE_DAYS and now >= sched.local_moment(
            prefs, item.deadline - timedelta(days=DEADLINE_DAYS)
        ):
            key = f"deadline:{item.id}:{item.deadline.isoformat()}"
            result.notices.append(Notice("deadline", year, key, send_at, (item,), days_left=left))


def _next_due(
    row: ScheduleDTO, year: MemberYear, prefs: sched.Prefs, now: datetime, update: dict[str, object]
) -> datetime:
    """The earliest moment something could be due again, quiet hours and pause applied."""
    candidates = [sched.next_occurrence(prefs, now)]
    snoozed = update.get("snoozed_until")
    if isinstance(snoozed, datetime) and snoozed > now:
        candidates.append(snoozed)
    today = now.astimezone(prefs.zone).date()
    if year.campaign is not None and not year.submitted:
        for days in REGISTRATION_DAYS:
            moment = sched.local_moment(prefs, year.campaign.deadline - timedelta(days=days))
            if moment > now:
                candidates.append(moment)
    for item in year.items if year.approved else []:
        if item.deadline is not None and item.deadline >= today:
            moment = sched.local_moment(prefs, item.deadline - timedelta(days=DEADLINE_DAYS))
            if moment > now:
                candidates.append(moment)
    due = min(candidates)
    return sched.out_of_quiet(prefs, sched.after_pause(prefs, due))
