"""Composing outbox messages when they are sent, not when they are planned.

A reminder planned at 21:00 waits out the quiet hours until 07:00; composed at 07:00 it lists
the member's open items as they are then, and it is not sent at all if nothing is left to
remind (items finished, commitment submitted, member left or exempted in the meantime).
Composition also keeps the planner's burst cheap: it writes who, what kind and a small payload.

A row with its text already set (notices written by handlers) is sent as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from jobs.channel import Markup
from locales.catalog import Raw, t
from storage.repos import reminders as reminder_repo
from storage.repos import users as user_repo
from storage.repos.outbox import OutboxRow
from storage.repos.reminders import MemberYear, OpenItem

Message = tuple[str, Markup | None]
Compose = Callable[[OutboxRow, MemberYear, str], Message | None]


async def compose(
    session: AsyncSession, rows: Sequence[OutboxRow], now: datetime
) -> tuple[list[OutboxRow], list[OutboxRow]]:
    """The rows ready to send (texts filled in) and the rows with nothing left to say."""
    todo = [r for r in rows if r.text is None]
    if not todo:
        return list(rows), []
    years = await reminder_repo.load(session, sorted({r.subject_id for r in todo if r.subject_id}))
    languages = await user_repo.languages(session, [r.user_id for r in todo if r.user_id])
    ready, obsolete = [], []
    for row in rows:
        message = _one(row, years, languages) if row.text is None else (row.text, row.markup)
        if message is None:
            obsolete.append(row)
        else:
            ready.append(replace(row, text=message[0], markup=message[1]))
    return ready, obsolete


def _one(row: OutboxRow, years: dict[int, MemberYear], languages: dict[int, str]) -> Message | None:
    composer = COMPOSERS.get(row.kind)
    year = years.get(row.subject_id) if row.subject_id is not None else None
    if composer is None or year is None or not year.active:
        return None
    language = languages.get(row.user_id, year.language) if row.user_id else year.language
    return composer(row, year, language)


def _payload_int(row: OutboxRow, name: str) -> int:
    value = (row.payload or {}).get(name, 0)
    return value if isinstance(value, int) else 0


def _checkin(row: OutboxRow, year: MemberYear, lang: str) -> Message | None:
    open_items = [i for i in year.items if i.progress < 100]
    if not (year.approved and open_items) or year.exempt:
        return None
    numbers = {item.id: n for n, item in enumerate(year.items, 1)}
    lines = "\n".join(
        t(lang, "remind.item_line", n=numbers[i.id], text=i.text, progress=i.progress)
        for i in open_items
    )
    text = t(lang, "remind.checkin", name=year.full_name, items=Raw(lines))
    markup = [
        [_button(f"📈 {numbers[i.id]}. {_short(i.text)}", f"k:i:{i.id}")] for i in open_items[:8]
    ]
    markup.append(_snooze_row(lang))
    return text, markup


def _registration(row: OutboxRow, year: MemberYear, lang: str) -> Message | None:
    if year.submitted or year.exempt or year.campaign is None:
        return None
    text = t(
        lang,
        "remind.registration",
        name=year.full_name,
        year=year.campaign.year,
        deadline=year.campaign.deadline.strftime("%d/%m/%Y"),
        days=_payload_int(row, "days"),
    )
    return text, [[_button(t(lang, "remind.register_now"), "cm:open")]]


def _deadline(row: OutboxRow, year: MemberYear, lang: str) -> Message | None:
    item = _item(year.items, _payload_int(row, "item"))
    if item is None or item.progress >= 100 or year.exempt:
        return None
    text = t(
        lang,
        "remind.deadline",
        name=year.full_name,
        text=item.text,
        deadline=item.deadline.strftime("%d/%m/%Y") if item.deadline else "",
        progress=item.progress,
    )
    return text, [[_button(t(lang, "remind.report"), f"k:i:{item.id}")]]


def _escalation(row: OutboxRow, year: MemberYear, lang: str) -> Message | None:
    if year.exempt:
        return None
    missed = _payload_int(row, "missed")
    return t(lang, "remind.escalation", name=year.full_name, missed=missed), None


def _item(items: list[OpenItem], item_id: int) -> OpenItem | None:
    return next((i for i in items if i.id == item_id), None)


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


COMPOSERS: dict[str, Compose] = {
    "checkin": _checkin,
    "registration": _registration,
    "deadline": _deadline,
    "escalation": _escalation,
}
