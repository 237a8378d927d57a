"""Composing outbox messages when they are sent, not when they are planned.

A reminder planned at 21:00 waits out the quiet hours until 07:00; composed at 07:00 it lists
the member's open items as they are then, and it is not sent at all if nothing is left to
remind (items finished, commitment submitted, member left or exempted in the meantime).
Composition also keeps the planner's burst cheap: it writes who, what kind and a small payload.

A row with its text already set (notices written by handlers) is sent as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain import webaccess
from domain.campaigns import followed
from domain.digest import UnitDigest, week_starting
from domain.errors import DomainError
from domain.reports import build, members_for_print
from jobs import broadcasts, yearend
from jobs.channel import Attachment, Markup
from locales import dates
from locales.catalog import Raw, t
from render.report_text import LIMIT, digest_buttons, digest_text, shorten
from storage.repos import members as member_repo
from storage.repos import reminders as reminder_repo
from storage.repos import units as unit_repo
from storage.repos import users as user_repo
from storage.repos.outbox import OutboxRow
from storage.repos.reminders import MemberYear, OpenItem

if TYPE_CHECKING:  # the file makers load openpyxl, numpy and matplotlib: only when used
    from render.report_print import Printable

Message = tuple[str, Markup | None]
Compose = Callable[[OutboxRow, MemberYear, str], Message | None]
REPORTS = ("digest", "digest_chart", "digest_xlsx", "meeting", "meeting_xlsx", "meeting_pdf")
PRINTED = ("meeting_xlsx", "meeting_pdf")


@dataclass
class Composition:
    ready: list[OutboxRow] = field(default_factory=list)  # texts filled in, in claim order
    obsolete: list[OutboxRow] = field(default_factory=list)  # nothing left to say
    attachments: dict[int, Attachment] = field(default_factory=dict)  # by row id
    edits: dict[int, str] = field(default_factory=dict)  # row id -> message id to replace


async def compose(
    session: AsyncSession,
    rows: Sequence[OutboxRow],
    now: datetime,
    zone: ZoneInfo,
    fallback: str = "vi",
    site: str | None = None,
) -> Composition:
    """Fill in the rows written without text; rows with text are sent as they are. A row
    for nobody known is written in `fallback` (the organisation's language). With the web
    app's address (`site`), a progress reminder carries a link to the report page."""
    todo = [r for r in rows if r.text is None]
    result = Composition()
    if not todo:
        result.ready = list(rows)
        return result
    languages = await user_repo.languages(session, [r.user_id for r in todo if r.user_id])
    announced = await broadcasts.compose(
        session, [r for r in todo if r.kind in broadcasts.KINDS], languages, fallback
    )
    announced |= await yearend.compose(
        session, [r for r in todo if r.kind in yearend.KINDS], languages, zone, fallback
    )
    own = (*broadcasts.KINDS, *yearend.KINDS)
    about = [r for r in todo if r.kind not in REPORTS and r.kind not in own]
    subjects = sorted({r.subject_id for r in about if r.subject_id})
    years = await reminder_repo.load(session, subjects, followed)
    reports = await _reports(session, [r for r in todo if r.kind in REPORTS], now, zone)
    printed = await _printables(session, [r for r in todo if r.kind in PRINTED], reports, now, zone)
    for row in rows:
        if row.text is not None:
            result.ready.append(row)
            continue
        lang = languages.get(row.user_id or 0, fallback)
        if row.id in announced:
            message = _announced(row, announced[row.id], result)
        elif row.kind in PRINTED:
            printable = printed.get(row.subject_id or 0)
            message = _printed(row, printable, lang, result) if printable else None
        elif row.kind in REPORTS:
            report = reports.get((row.subject_id or 0, _week_of(row)))
            message = _report(row, report, lang, now, result) if report else None
        else:
            message = _one(row, years, languages)
            if message is not None and site and _reports_progress(row, years):
                message = await _with_link(session, row, message, site, lang, now)
        if message is None:
            result.obsolete.append(row)
        else:
            result.ready.append(replace(row, text=message[0], markup=message[1]))
    return result


def _announced(
    row: OutboxRow,
    found: tuple[str, Markup | None, Attachment | None, str | None] | None,
    result: Composition,
) -> Message | None:
    if found is None:
        return None
    text, markup, attachment, edit = found
    if attachment is not None:
        result.attachments[row.id] = attachment
    if edit is not None:
        result.edits[row.id] = edit
    return text, markup


def _reports_progress(row: OutboxRow, years: dict[int, MemberYear]) -> bool:
    """A reminder (or a nudge) to report progress, for someone whose registration is approved."""
    year = years.get(row.subject_id or 0)
    return row.kind in webaccess.REPORT_KINDS and year is not None and year.approved


async def _with_link(
    session: AsyncSession, row: OutboxRow, message: Message, site: str, lang: str, now: datetime
) -> Message:
    """The reminder's own link: opens the report page signed in, until a newer one goes."""
    if row.user_id is None:
        return message
    key = await webaccess.site_key(session)
    token = webaccess.reminder_link(key, row.id, row.user_id, now)
    url = f"{site}/r/{token}"
    markup = message[1]
    if site.startswith("https://"):  # Telegram takes link buttons to public https addresses
        markup = [[{"text": t(lang, "remind.web_button"), "url": url}], *(markup or [])]
    return message[0] + "\n\n" + t(lang, "remind.web_link", link=url), markup


def _week_of(row: OutboxRow) -> str:
    value = (row.payload or {}).get("week")
    return value if isinstance(value, str) else ""


async def _reports(
    session: AsyncSession, rows: list[OutboxRow], now: datetime, zone: ZoneInfo
) -> dict[tuple[int, str], UnitDigest]:
    """Each unit's report once per batch, however many leaders and parts it goes to."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(_week_of(row), set()).add(row.subject_id or 0)
    built: dict[tuple[int, str], UnitDigest] = {}
    for monday, unit_ids in wanted.items():
        try:
            week = week_starting(date.fromisoformat(monday), zone)
        except ValueError:
            continue
        units = list((await unit_repo.many(session, sorted(unit_ids))).values())
        for report in await build(session, units, now, week):
            built[(report.unit_id, monday)] = report
    return built


async def _printables(
    session: AsyncSession,
    rows: list[OutboxRow],
    reports: dict[tuple[int, str], UnitDigest],
    now: datetime,
    zone: ZoneInfo,
) -> dict[int, Printable]:
    """The printable list of each unit meeting soon (its whole subtree for a unit with
    sub-units), signed by its secretary."""
    from render.report_print import Printable

    found: dict[int, Printable] = {}
    for row in rows:
        unit_id = row.subject_id or 0
        report = reports.get((unit_id, _week_of(row)))
        if unit_id in found or report is None:
            continue
        unit = await unit_repo.get(session, unit_id)
        if unit is None:
            continue
        members = report.members
        if report.rollup:
            try:
                members = await members_for_print(session, unit, now, zone)
            except DomainError:
                continue
        signer = await member_repo.secretary_name(session, unit_id)
        today = now.astimezone(zone).date()
        found[unit_id] = Printable(unit.name, report.year, today, members, signer)
    return found


def _printed(row: OutboxRow, printable: Printable, lang: str, result: Composition) -> Message:
    from render.report_print import printable_pdf, printable_xlsx

    stem = f"bao-cao-{printable.today.isoformat()}-{row.subject_id}"
    key = (row.kind, row.subject_id, printable.today, lang)  # one file for every reader
    if row.kind == "meeting_pdf":
        result.attachments[row.id] = Attachment.later(
            "document", f"{stem}.pdf", printable_pdf, lang, printable, key=key
        )
        return t(lang, "export.caption_pdf", unit=printable.unit_name), None
    result.attachments[row.id] = Attachment.later(
        "document", f"{stem}.xlsx", printable_xlsx, lang, printable, key=key
    )
    return t(lang, "export.caption_xlsx", unit=printable.unit_name), None


def _report(
    row: OutboxRow, report: UnitDigest, lang: str, now: datetime, result: Composition
) -> Message:
    from render.report_files import chart_png, digest_xlsx

    unit, week = report.unit_name, report.week
    if row.kind == "meeting":
        on = (row.payload or {}).get("on")
        when = date.fromisoformat(on).strftime("%d/%m/%Y") if isinstance(on, str) else ""
        text = t(lang, "meeting.soon", date=when) + "\n\n" + digest_text(lang, report)
        return _files_elsewhere(row, text[:LIMIT], lang), None
    once = (row.kind, report.unit_id, week.key, lang)  # one chart per unit, week and language
    if row.kind == "digest_chart":
        key = "digest.chart_caption_rollup" if report.rollup else "digest.chart_caption"
        result.attachments[row.id] = Attachment.later(
            "photo", "bieu-do.png", chart_png, lang, report, process=True, key=once
        )
        return t(lang, key, unit=unit), None
    if row.kind == "digest_xlsx":
        today = now.astimezone(week.start.tzinfo).date()
        name = f"bao-cao-tuan-{week.key}-{report.unit_id}.xlsx"
        result.attachments[row.id] = Attachment.later(
            "document", name, digest_xlsx, lang, report, today, key=once
        )
        return t(lang, "digest.xlsx_caption", week=week.number, unit=unit), None
    text = _files_elsewhere(row, digest_text(lang, report), lang)
    return text, digest_buttons(lang, report, now)


def _files_elsewhere(row: OutboxRow, text: str, lang: str) -> str:
    """Where no file rows were queued with the report (a network that takes no files), it
    says where the chart and sheets are; the planner decided, and wrote it in the payload."""
    if (row.payload or {}).get("files", True):
        return text
    return shorten(text, LIMIT - 300) + "\n\n" + t(lang, "report.files_elsewhere")


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
    text = t(lang, "remind.checkin", name=year.full_name, items=Raw(_item_lines(year, lang)))
    markup = [
        [_button(f"📈 {numbers[i.id]}. {shorten(i.text, 36)}", f"k:i:{i.id}")]
        for i in open_items[:8]
    ]
    markup.append(_snooze_row(lang))
    return text, markup


def _nudge(row: OutboxRow, year: MemberYear, lang: str) -> Message | None:
    """The secretary's nudge: register, or report — whichever is still missing when sent."""
    if year.exempt:
        return None
    campaign = year.campaign
    if campaign is not None and not year.submitted:
        deadline = dates.day(campaign.deadline, lang)
        text = t(
            lang, "nudge.registration", name=year.full_name, year=campaign.year, deadline=deadline
        )
        return text, [[_button(t(lang, "remind.register_now"), "cm:open")]]
    found = _checkin(row, year, lang)
    if found is None:
        return None
    lines = _item_lines(year, lang)
    return t(lang, "nudge.checkin", name=year.full_name, items=Raw(lines)), found[1]


def _item_lines(year: MemberYear, lang: str) -> str:
    numbers = {item.id: n for n, item in enumerate(year.items, 1)}
    return "\n".join(
        t(lang, "remind.item_line", n=numbers[i.id], text=i.text, progress=i.progress)
        for i in year.items
        if i.progress < 100
    )


def _registration(row: OutboxRow, year: MemberYear, lang: str) -> Message | None:
    if year.submitted or year.exempt or year.campaign is None:
        return None
    text = t(
        lang,
        "remind.registration",
        name=year.full_name,
        year=year.campaign.year,
        deadline=dates.day(year.campaign.deadline, lang),
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
        deadline=dates.day(item.deadline, lang) if item.deadline else "",
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
    "nudge": _nudge,
}
