"""Reminder arithmetic in the member's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.schedules import (
    Prefs,
    after_pause,
    in_quiet,
    last_occurrence,
    next_occurrence,
    out_of_quiet,
    period_key,
)

HN = Prefs()  # Monday 08:00, quiet 21:00-07:00, Asia/Ho_Chi_Minh (UTC+7)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_monday_eight_local() -> None:
    # Sunday 2027-01-10 12:00 UTC = 19:00 local -> Monday 08:00 local = 01:00 UTC
    assert next_occurrence(HN, utc(2027, 1, 10, 12)) == utc(2027, 1, 11, 1)
    assert next_occurrence(HN, utc(2027, 1, 11, 1)) == utc(2027, 1, 18, 1)
    assert last_occurrence(HN, utc(2027, 1, 13, 5)) == utc(2027, 1, 11, 1)
    assert period_key(HN, date(2027, 1, 11)) == "2027-W02"


def test_other_zone_and_day() -> None:
    berlin = Prefs(weekday=2, minute=18 * 60 + 30, timezone="Europe/Berlin")
    # Wednesday 18:30 in Berlin in winter = 17:30 UTC
    assert next_occurrence(berlin, utc(2027, 1, 11)) == utc(2027, 1, 13, 17, 30)


def test_biweekly_and_monthly() -> None:
    two = Prefs(cadence="biweekly")
    first = next_occurrence(two, utc(2027, 1, 1))
    assert next_occurrence(two, first) - first == (utc(2027, 1, 15) - utc(2027, 1, 1))
    month = Prefs(cadence="monthly", weekday=0)
    assert next_occurrence(month, utc(2027, 1, 5)) == utc(2027, 2, 1, 1)  # first Monday of Feb
    assert period_key(month, date(2027, 2, 1)) == "2027-02"


def test_quiet_hours_and_pause() -> None:
    late = utc(2027, 1, 11, 15)  # 22:00 local
    assert in_quiet(HN, late)
    assert out_of_quiet(HN, late) == utc(2027, 1, 12, 0)  # 07:00 local next day
    early = utc(2027, 1, 11, 22, 30)  # 05:30 local on the 12th
    assert out_of_quiet(HN, early) == utc(2027, 1, 12, 0)
    assert not in_quiet(HN, utc(2027, 1, 11, 1))
    assert not in_quiet(Prefs(quiet_start=0, quiet_end=0), late)
    paused = Prefs(paused_until=date(2027, 1, 20))
    assert after_pause(paused, utc(2027, 1, 11, 1)) == utc(2027, 1, 25, 1)
    assert after_pause(paused, utc(2027, 1, 25, 1)) == utc(2027, 1, 25, 1)
