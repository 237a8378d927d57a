"""The reminder rules, proven over every cadence, weekday, time of day, time zone (one with
daylight saving) and quiet-hour window (issue 14): hypothesis searches for a counterexample.

- the last occurrence is at or before now, and the one after it is later than now;
- one period gives at most one check-in reminder, whatever the ticks;
- changing preferences never gives a reminder for a period already past;
- downtime is coalesced into one reminder.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import reminders
from domain.schedules import CADENCES, Prefs, last_occurrence, next_occurrence, period_key
from storage.dto import CampaignDTO
from storage.repos.reminders import MemberYear, OpenItem
from storage.repos.schedules import ScheduleDTO

ZONES = ("Asia/Ho_Chi_Minh", "Europe/Berlin", "America/New_York", "Pacific/Chatham")
START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=2 * 365)

prefs_st = st.builds(
    Prefs,
    cadence=st.sampled_from(CADENCES),
    weekday=st.integers(0, 6),
    minute=st.integers(0, 24 * 60 - 1),
    quiet_start=st.sampled_from((0, 21 * 60, 22 * 60, 20 * 60, 6 * 60)),
    quiet_end=st.sampled_from((0, 7 * 60, 6 * 60, 8 * 60, 9 * 60)),
    timezone=st.sampled_from(ZONES),
)
moment_st = st.integers(0, int(SPAN.total_seconds())).map(lambda s: START + timedelta(seconds=s))


@settings(max_examples=3000, deadline=None)
@given(prefs_st, moment_st)
def test_last_is_at_or_before_now_and_the_next_after(prefs: Prefs, now: datetime) -> None:
    last = last_occurrence(prefs, now)
    assert last <= now
    assert next_occurrence(prefs, last) > now
    assert next_occurrence(prefs, now) > now


def test_monthly_from_the_first_of_march_is_february_not_january() -> None:
    """The case the old arithmetic broke: stepping back 31 days from 1 March lands in
    January."""
    monthly = Prefs(cadence="monthly", weekday=0, minute=8 * 60)
    now = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)  # 07:30 on Monday 1 March in Hà Nội
    last = last_occurrence(monthly, now)
    assert last.astimezone(monthly.zone).date() == date(2027, 2, 1)


def _row(prefs: Prefs, period: str | None, started: datetime | None) -> ScheduleDTO:
    return ScheduleDTO(
        1, prefs.cadence, prefs.weekday, prefs.minute, prefs.quiet_start, prefs.quiet_end,
        prefs.timezone, None, None, None, period, started, 0, False,
    )  # fmt: skip


def _year() -> MemberYear:
    campaign = CampaignDTO(1, 1, 2026, "Nêu gương", date(2026, 1, 1), date(2026, 1, 31),
                           None, None, "open")  # fmt: skip
    item = OpenItem(7, "", None, 50, None)
    return MemberYear(1, 1, "An", 1, "/1/", False, True, "telegram", "1", "vi", False,
                      campaign, 1, True, True, [item])  # fmt: skip


class Member:
    """One member's schedule run through the planner's rules tick after tick."""

    def __init__(self, prefs: Prefs) -> None:
        self.prefs = prefs
        self.row = _row(prefs, None, None)
        self.keys: list[str] = []

    def tick(self, now: datetime) -> None:
        plan = reminders.plan([self.row], {1: _year()}, now, 2, self.prefs.timezone)
        self.keys += [n.dedupe_key for n in plan.notices if n.kind == "checkin"]
        update = plan.updates[0]
        self.row = replace(
            self.row,
            period=update["period"],  # type: ignore[arg-type]
            period_started_at=update["period_started_at"],  # type: ignore[arg-type]
            next_due_at=update["next_due_at"],  # type: ignore[arg-type]
            missed=update["missed"],  # type: ignore[arg-type]
            escalated=update["escalated"],  # type: ignore[arg-type]
            snoozed_until=update["snoozed_until"],  # type: ignore[arg-type]
        )

    def change(self, prefs: Prefs) -> None:
        self.prefs = prefs
        self.row = replace(
            self.row, cadence=prefs.cadence, weekday=prefs.weekday, minute=prefs.minute,
            quiet_start=prefs.quiet_start, quiet_end=prefs.quiet_end, timezone=prefs.timezone,
        )  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(prefs_st, moment_st, st.lists(st.integers(60, 40 * 3600), min_size=5, max_size=60))
def test_one_reminder_per_period_whatever_the_ticks(
    prefs: Prefs, start: datetime, gaps: list[int]
) -> None:
    member, now = Member(prefs), start
    for gap in gaps:
        member.tick(now)
        now += timedelta(seconds=gap)
    periods = [key.split(":")[2] for key in member.keys]
    assert len(periods) == len(set(periods)), member.keys


@settings(max_examples=400, deadline=None)
@given(prefs_st, prefs_st, moment_st, st.integers(0, 10 * 24 * 3600))
def test_changed_preferences_never_remind_a_past_period(
    before: Prefs, after: Prefs, start: datetime, later: int
) -> None:
    member, now = Member(before), start
    for _ in range(30):  # a month of regular ticks
        member.tick(now)
        now += timedelta(hours=23)
    reminded_until = member.row.period_started_at
    member.change(after)
    now += timedelta(seconds=later)
    sent = len(member.keys)
    member.tick(now)
    if reminded_until is None:
        return
    for key in member.keys[sent:]:
        period = key.split(":")[2]
        started = last_occurrence(after, now)
        assert started > reminded_until, (period, started, reminded_until)
        assert period == period_key(after, started.astimezone(after.zone).date())


@settings(max_examples=300, deadline=None)
@given(prefs_st, moment_st, st.integers(2, 20))
def test_downtime_is_coalesced_into_one_reminder(prefs: Prefs, start: datetime, weeks: int) -> None:
    member = Member(prefs)
    member.tick(start)
    member.tick(start + timedelta(days=1))
    sent = len(member.keys)
    member.tick(start + timedelta(weeks=weeks, days=1))  # the bot was down meanwhile
    assert len(member.keys) - sent <= 1
