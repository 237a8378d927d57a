"""The planner on real databases, with the clock in the test's hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import campaigns, commitments
from domain.members import identify
from jobs import planner
from jobs.compose import compose
from storage.dto import Role
from storage.models import CommitmentItem, Member, OutboxMessage, Schedule
from storage.repos import outbox
from storage.repos.outbox import OutboxRow
from tests.e2e.conftest import CELL, START, THEME, seed_commitment
from tests.e2e.helpers import enrol

Sessions = async_sessionmaker[AsyncSession]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HANOI).astimezone(UTC)


async def keys(sessions: Sessions) -> list[str]:
    async with sessions() as s:
        return list(await s.scalars(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id)))


async def setup(sessions: Sessions, deadline: date) -> None:
    cell, _ = await enrol(
        sessions, CELL, [(51, Role.MEMBER, "Nguyễn Văn An"), (52, Role.MEMBER, "Lê Thị Cúc")]
    )
    async with sessions() as s:
        opened = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # before any tick of these tests
        await campaigns.create(s, None, cell, 2027, THEME, date(2027, 1, 4), deadline, opened)
        await s.commit()


async def test_registration_reminders_until_submitted(sessions: Sessions) -> None:
    deadline = date(2027, 2, 26)
    await setup(sessions, deadline)
    await planner.tick(sessions, at(date(2027, 2, 1)))  # baseline
    sent_days = []
    day = date(2027, 2, 15)
    while day <= deadline + timedelta(days=1):
        for hour in (7, 8, 12):
            await planner.tick(sessions, at(day, hour))
        day += timedelta(days=1)
        got = {k.rsplit(":", 1)[-1] for k in await keys(sessions) if k.startswith("registration")}
        sent_days = sorted(got)
    assert sent_days == ["2027-02-19", "2027-02-24", "2027-02-25", "2027-02-26"]
    async with sessions() as s:
        rows = (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "registration"))
        ).all()
    assert len(rows) == 8  # two members, four days each
    assert {r.not_before for r in rows if r.dedupe_key.endswith("2027-02-19")} == {
        at(date(2027, 2, 19))
    }
    async with sessions() as s:
        done = await compose(s, [outbox.to_row(rows[0])], START, HANOI)
    ready, obsolete = done.ready, done.obsolete
    assert not obsolete
    assert ready[0].text is not None
    assert ready[0].text.startswith("📝 Kính gửi đồng chí")
    assert ready[0].markup == [[{"text": "📝 Đăng ký ngay", "data": "cm:open"}]]


async def test_submitted_members_get_no_registration_reminder(sessions: Sessions) -> None:
    await setup(sessions, date(2027, 2, 26))
    await seed_commitment(sessions, 51, 1)
    async with sessions() as s:
        who = (await identify(s, "telegram", "51", "51", "", "vi", False, START)).actor
        sheet = await commitments.open_personal(s, who, START)
        await commitments.submit(s, who, sheet.commitment.id, START)
        await s.commit()
    await planner.tick(sessions, at(date(2027, 2, 19)))
    assert [k.split(":")[1] for k in await keys(sessions) if k.startswith("registration")] == ["2"]


async def test_deadline_reminder_a_week_before(sessions: Sessions) -> None:
    await setup(sessions, date(2027, 1, 9))
    ids = await seed_commitment(sessions, 51, 1, approve_by=None)
    async with sessions() as s:
        who = (await identify(s, "telegram", "51", "51", "", "vi", False, START)).actor
        await commitments.edit_item(s, who, ids[0], "deadline", 3, START)
        sheet = await commitments.open_personal(s, who, START)
        await commitments.submit(s, who, sheet.commitment.id, START)
        await s.commit()
    await seed_approve(sessions)
    await planner.tick(sessions, at(date(2027, 3, 23)))
    assert not [k for k in await keys(sessions) if k.startswith("deadline")]
    await planner.tick(sessions, at(date(2027, 3, 24), 8, 1))
    assert [k for k in await keys(sessions) if k.startswith("deadline")] == [
        f"deadline:{ids[0]}:2027-03-31"
    ]


async def seed_approve(sessions: Sessions) -> None:
    from storage.models import Commitment

    async with sessions() as s:
        await s.execute(update(Commitment).values(state="approved", approved_version=1))
        await s.commit()


async def test_downtime_is_coalesced_and_disabled_members_are_skipped(sessions: Sessions) -> None:
    await setup(sessions, date(2027, 1, 9))
    await seed_commitment(sessions, 51, 1)
    await seed_commitment(sessions, 52, 1)
    await seed_approve(sessions)
    monday = date(2027, 1, 11)
    await planner.tick(sessions, at(monday, 9))  # baseline for both
    async with sessions() as s:
        await s.execute(update(Member).where(Member.full_name == "Lê Thị Cúc").values(exempt=True))
        await s.commit()
    # The bot was down for five weeks; on start-up each member gets one reminder, not five.
    await planner.tick(sessions, at(monday + timedelta(weeks=5), 10))
    reminders = [k for k in await keys(sessions) if k.startswith("reminder")]
    assert reminders == ["reminder:1:2027-W07"]
    async with sessions() as s:
        due = dict((await s.execute(select(Schedule.member_id, Schedule.next_due_at))).all())
    assert due[1] == at(monday + timedelta(weeks=6))
    assert due[2] is None  # exempt: the planner no longer looks at it


async def test_idle_tick_does_nothing(sessions: Sessions) -> None:
    await setup(sessions, date(2027, 1, 9))
    first = await planner.tick(sessions, at(date(2027, 1, 11)))
    second = await planner.tick(sessions, at(date(2027, 1, 11), 8, 1))
    assert (first.members, second.members, second.queued) == (2, 0, 0)


async def composed(sessions: Sessions, kind: str) -> tuple[list[OutboxRow], list[OutboxRow]]:
    async with sessions() as s:
        rows = (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))).all()
        done = await compose(s, [outbox.to_row(r) for r in rows], START, HANOI)
        return done.ready, done.obsolete


async def test_reminders_are_composed_when_sent(sessions: Sessions) -> None:
    """A reminder waiting out quiet hours shows the items as they are when it goes, and is
    not sent at all once nothing is left to remind."""
    await setup(sessions, date(2027, 1, 9))
    ids = await seed_commitment(sessions, 51, 2)
    await seed_approve(sessions)
    monday = date(2027, 1, 11)
    await planner.tick(sessions, at(monday, 9))  # baseline
    await planner.tick(sessions, at(monday + timedelta(weeks=1), 22))  # quiet: waits to 07:00
    async with sessions() as s:
        waiting = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "checkin"))
        assert waiting is not None
        assert waiting.text is None
        assert waiting.not_before == at(monday + timedelta(days=8), 7)
        await s.execute(
            update(CommitmentItem).where(CommitmentItem.id == ids[0]).values(progress=100)
        )
        await s.commit()
    ready, _ = await composed(sessions, "checkin")
    assert ready[0].text is not None
    assert "số 1" not in ready[0].text
    assert "số 2" in ready[0].text
    assert [row[0]["data"] for row in ready[0].markup or []] == [f"k:i:{ids[1]}", "r:sn:1"]
    async with sessions() as s:
        await s.execute(update(CommitmentItem).values(progress=100))
        await s.commit()
    ready, obsolete = await composed(sessions, "checkin")
    assert (ready, len(obsolete)) == ([], 1)
