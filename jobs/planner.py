"""The planner tick: select due schedules, write outbox rows, advance the next due time.

Runs every 30 seconds and at start-up, in every process: on PostgreSQL the due rows are
locked with SKIP LOCKED, so two planners never take the same member; the outbox's unique
dedupe key makes a repeated plan harmless anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import reminders
from domain.members import leaders_along
from locales.catalog import Raw, t
from storage.repos import outbox as outbox_repo
from storage.repos import reminders as reminder_repo
from storage.repos import schedules as schedule_repo
from storage.repos import users as user_repo
from storage.repos.reminders import MemberYear

BATCH = 5000
MAX_BATCHES = 10_000


@dataclass
class TickResult:
    members: int = 0
    queued: int = 0
    batches: int = 0


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    batch: int = BATCH,
    escalate_after: int = 2,
) -> TickResult:
    """Plan everything due at `now`, a batch per transaction."""
    result = TickResult()
    while result.batches < MAX_BATCHES:
        async with sessions() as session:
            rows = await schedule_repo.claim_due(session, now, batch)
            if not rows:
                break
            years = await reminder_repo.load(session, [r.member_id for r in rows])
            plan = reminders.plan(rows, years, now, escalate_after)
            messages = await render_all(session, plan.notices, now)
            result.queued += await outbox_repo.add_many(session, messages)
            await schedule_repo.save_many(session, plan.updates)
            await session.commit()
        result.members += len(rows)
        result.batches += 1
        if len(rows) < batch:
            break
    return result


async def render_all(
    session: AsyncSession, notices: list[reminders.Notice], now: datetime
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for notice in notices:
        if notice.kind == "escalation":
            rows += await _escalation(session, notice, now)
        else:
            member = notice.member
            to = (member.channel, member.chat_id, member.user_id)
            rows.append(_row(to, notice, *_member_message(notice), now))
    return rows


Recipient = tuple[str | None, str | None, int | None]  # channel, chat id, user id


def _row(
    to: Recipient,
    notice: reminders.Notice,
    text: str,
    markup: list[list[dict[str, str]]] | None,
    now: datetime,
    suffix: str = "",
) -> dict[str, object]:
    return {
        "dedupe_key": notice.dedupe_key + suffix,
        "kind": notice.kind,
        "channel": to[0],
        "chat_id": to[1],
        "user_id": to[2],
        "text": text,
        "markup": markup,
        "state": outbox_repo.PENDING,
        "attempts": 0,
        "not_before": notice.not_before,
        "created_at": now,
    }


def _numbers(year: MemberYear) -> dict[int, int]:
    """Each item's number as the member sees it in /tiendo."""
    return {item.id: n for n, item in enumerate(year.items, 1)}


def _short(text: str, limit: int = 36) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


@cache
def _snooze_row(lang: str) -> list[dict[str, str]]:
    return [
        _button(t(lang, "remind.snooze_1"), "r:sn:1"),
        _button(t(lang, "remind.snooze_3"), "r:sn:3"),
    ]


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "data": data}


def _member_message(notice: reminders.Notice) -> tuple[str, list[list[dict[str, str]]] | None]:
    year, lang = notice.member, notice.member.language
    if notice.kind == "registration":
        assert year.campaign is not None
        text = t(
            lang,
            "remind.registration",
            name=year.full_name,
            year=year.campaign.year,
            deadline=year.campaign.deadline.strftime("%d/%m/%Y"),
            days=notice.days_left,
        )
        return text, [[_button(t(lang, "remind.register_now"), "cm:open")]]
    if notice.kind == "deadline":
        item = notice.items[0]
        deadline = item.deadline.strftime("%d/%m/%Y") if item.deadline else ""
        text = t(
            lang,
            "remind.deadline",
            name=year.full_name,
            text=item.text,
            deadline=deadline,
            progress=item.progress,
        )
        return text, [[_button(t(lang, "remind.report"), f"k:i:{item.id}")]]
    numbers = _numbers(year)
    lines = "\n".join(
        t(lang, "remind.item_line", n=numbers[i.id], text=i.text, progress=i.progress)
        for i in notice.items
    )
    text = t(lang, "remind.checkin", name=year.full_name, items=Raw(lines))
    markup = [
        [_button(f"📈 {numbers[i.id]}. {_short(i.text)}", f"k:i:{i.id}")] for i in notice.items[:8]
    ]
    markup.append(_snooze_row(lang))
    return text, markup


async def _escalation(
    session: AsyncSession, notice: reminders.Notice, now: datetime
) -> list[dict[str, object]]:
    year = notice.member
    leaders = await leaders_along(session, year.unit_path)
    rows = []
    for account in await user_repo.reach(session, leaders):
        text = t(account.language, "remind.escalation", name=year.full_name, missed=notice.missed)
        to = (account.channel, account.chat_id, account.user_id)
        rows.append(_row(to, notice, text, None, now, suffix=f":{account.user_id}"))
    return rows
