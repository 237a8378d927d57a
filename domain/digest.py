"""A unit's weekly report (báo cáo tuần) as data: who registered, who reported, who needs a
word, what was achieved. Pure: the loader gives the facts, channels and files render them.

Weeks run Monday to Sunday in the organisation's time zone. The report sent on a Monday
morning is about the week that just ended; asked for mid-week, it covers the week so far.

A cell's report lists its members. A unit with sub-units gets the roll-up of its subtree:
the same counts, a line per child unit, and for each list a sample of names with the number
of the rest ("và 12 đồng chí khác"), so a report of 150,000 members stays small.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from storage.repos.digest import ItemFacts, MemberFacts

TREND_WEEKS = 4
SAMPLE = 10  # names kept per list; the text shows five, the spreadsheet has everyone
T = TypeVar("T")


@dataclass(frozen=True)
class Week:
    start: datetime  # Monday 00:00 local, aware
    end: datetime  # the next Monday 00:00 local
    # The same bounds in UTC, as stored times are: comparing datetimes of one tzinfo is fast.
    utc_start: datetime = field(init=False, compare=False)
    utc_end: datetime = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "utc_start", self.start.astimezone(UTC))
        object.__setattr__(self, "utc_end", self.end.astimezone(UTC))

    def holds(self, moment: datetime) -> bool:
        return self.utc_start <= moment < self.utc_end

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    @property
    def key(self) -> str:
        year, number, _ = self.first_day.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def number(self) -> int:
        return self.first_day.isocalendar()[1]


def week_containing(moment: datetime, zone: ZoneInfo) -> Week:
    local = moment.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0), zone)
    return Week(start, datetime.combine(monday + timedelta(days=7), time(0), zone))


def reported_week(now: datetime, zone: ZoneInfo, scheduled: bool) -> Week:
    """The week a report covers: the one that just ended for the Monday report, else this."""
    week = week_containing(now, zone)
    if scheduled:
        return week_containing(week.start - timedelta(days=1), zone)
    return week


@lru_cache(maxsize=64)
def weeks_back(week: Week, count: int = TREND_WEEKS) -> list[Week]:
    """`count` weeks ending with `week`, oldest first."""
    zone = week.start.tzinfo
    assert isinstance(zone, ZoneInfo)
    return [
        week_containing(week.start - timedelta(weeks=n), zone) for n in range(count - 1, -1, -1)
    ]


@dataclass
class Group(Generic[T]):
    """How many, and the first few of them by name."""

    count: int = 0
    sample: list[T] = field(default_factory=list)

    def add(self, entry: T) -> None:
        self.count += 1
        if len(self.sample) < SAMPLE:
            self.sample.append(entry)

    def merge(self, other: Group[T]) -> None:
        self.count += other.count
        self.sample.extend(other.sample[: max(SAMPLE - len(self.sample), 0)])


@dataclass(frozen=True)
class Mention:
    """A member named in a report, with the item concerned if any."""

    member_id: int
    name: str
    unit_name: str
    item: ItemFacts | None = None
    missed: int = 0


@dataclass
class Counts:
    members: int = 0
    approved: Group[Mention] = field(default_factory=Group)
    awaiting: Group[Mention] = field(default_factory=Group)  # submitted, not yet approved
    drafting: Group[Mention] = field(default_factory=Group)  # draft, returned, amending
    not_started: Group[Mention] = field(default_factory=Group)
    expected: int = 0  # approved, with open items: who should report each week
    reported: Group[Mention] = field(default_factory=Group)  # of those, this week
    silent: Group[Mention] = field(default_factory=Group)  # of those, not this week
    trend_reported: list[int] = field(default_factory=lambda: [0] * TREND_WEEKS)
    missed: Group[Mention] = field(default_factory=Group)
    overdue: Group[Mention] = field(default_factory=Group)
    blocked: Group[Mention] = field(default_factory=Group)
    unreachable: Group[Mention] = field(default_factory=Group)
    completed: Group[Mention] = field(default_factory=Group)  # items finished this week

    @property
    def registered(self) -> int:
        return self.approved.count + self.awaiting.count

    @property
    def trend(self) -> list[int | None]:
        """Share of the members due to report (approved, with open items) who reported, per
        week, oldest first: the same base as the week's headline rate, whose last point it is."""
        if not self.expected:
            return [None] * TREND_WEEKS
        return [round(100 * n / self.expected) for n in self.trend_reported]

    def merge(self, other: Counts) -> None:
        self.members += other.members
        self.expected += other.expected
        for name in GROUPS:
            getattr(self, name).merge(getattr(other, name))
        self.trend_reported = [
            a + b for a, b in zip(self.trend_reported, other.trend_reported, strict=True)
        ]


GROUPS = (
    "approved",
    "awaiting",
    "drafting",
    "not_started",
    "reported",
    "silent",
    "missed",
    "overdue",
    "blocked",
    "unreachable",
    "completed",
)


@dataclass
class UnitDigest:
    unit_id: int
    unit_name: str
    week: Week
    year: int | None
    counts: Counts
    members: list[MemberFacts] = field(default_factory=list)  # direct members, report order
    children: list[tuple[str, Counts]] = field(default_factory=list)  # roll-up: child units

    @property
    def rollup(self) -> bool:
        return bool(self.children)


def count(facts: list[MemberFacts], week: Week, today: date) -> Counts:
    """The counts for these members (exempt ones are left out of every figure)."""
    counts = Counts()
    weeks = weeks_back(week)
    for member in facts:
        if not member.exempt:
            _count_member(counts, member, weeks, today)
    return counts


def _count_member(counts: Counts, member: MemberFacts, weeks: list[Week], today: date) -> None:
    counts.members += 1
    mention = Mention(member.member_id, member.full_name, member.unit_name)
    _registration(counts, member, mention)
    if member.approved:
        hit = _weeks_reported(member, weeks)
        if any(i.progress < 100 for i in member.items):
            counts.expected += 1
            for n in hit:
                counts.trend_reported[n] += 1
            target = counts.reported if len(weeks) - 1 in hit else counts.silent
            target.add(mention)
        if member.missed > 0:
            counts.missed.add(Mention(*_who(member), missed=member.missed))
    if member.blocked or member.chat_id is None:
        counts.unreachable.add(mention)
    _items(counts, member, weeks[-1], today)


def _who(member: MemberFacts) -> tuple[int, str, str]:
    return member.member_id, member.full_name, member.unit_name


def _registration(counts: Counts, member: MemberFacts, mention: Mention) -> None:
    if member.approved:
        counts.approved.add(mention)
    elif member.state == "submitted":
        counts.awaiting.add(mention)
    elif member.state is not None:
        counts.drafting.add(mention)
    else:
        counts.not_started.add(mention)


def _items(counts: Counts, member: MemberFacts, week: Week, today: date) -> None:
    finished = {c.item_id for c in member.checkins if c.progress >= 100 and week.holds(c.at)}
    for item in member.items:
        if item.progress >= 100:
            if item.id in finished:
                counts.completed.add(Mention(*_who(member), item=item))
            continue
        if item.deadline is not None and item.deadline < today:
            counts.overdue.add(Mention(*_who(member), item=item))
        if item.status == "blocked":
            counts.blocked.add(Mention(*_who(member), item=item))


def _weeks_reported(member: MemberFacts, weeks: list[Week]) -> set[int]:
    """Which of these consecutive weeks (by index) the member reported in, counting only
    reports made since they are counted in this cell (a transferred member's earlier
    reports belong to the cell they were in)."""
    starts = [w.utc_start for w in weeks]
    first = max(starts[0], member.since) if member.since is not None else starts[0]
    end = weeks[-1].utc_end
    return {bisect_right(starts, c.at) - 1 for c in member.checkins if first <= c.at < end}


def week_starting(monday: date, zone: ZoneInfo) -> Week:
    return week_containing(datetime.combine(monday, time(12), zone), zone)


def behind(member: MemberFacts, now: datetime) -> bool:
    """Whether a nudge is for this member: not registered (nothing submitted), or approved
    with open items and no report in the last seven days."""
    if member.exempt or member.blocked or member.chat_id is None:
        return False
    if not member.approved:
        return member.state != "submitted"
    recent = any(c.at >= now - timedelta(days=7) for c in member.checkins)
    return any(i.progress < 100 for i in member.items) and not recent


def laggards(facts: list[MemberFacts], now: datetime) -> list[MemberFacts]:
    return [m for m in facts if behind(m, now)]


def average_progress(member: MemberFacts) -> int:
    if not member.items:
        return 0
    return round(sum(i.progress for i in member.items) / len(member.items))
