"""The year-end review (tổng kết): on the campaign's review date each member receives a summary
of their year — items, progress, how many progress reports and how much evidence — to use in
their self-criticism (kiểm điểm), and each secretary and deputy an XLSX of their unit.

Queued once per campaign by the planner tick (job_runs "yearend"/campaign id) at the report
time of that day, or on a later day within a week if the bot was down; composed when sent,
so the figures are those of the day the member reads them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.campaigns import followed, followed_by_units
from domain.digest import average_progress
from domain.names import sort_key
from jobs.channel import Attachment, Markup
from locales.catalog import plain, t
from storage.dto import CampaignDTO
from storage.repos import campaigns as campaign_repo
from storage.repos import digest as digest_repo
from storage.repos import members as member_repo
from storage.repos import outbox as outbox_repo
from storage.repos import runs as run_repo
from storage.repos import units as unit_repo
from storage.repos import users as user_repo
from storage.repos.digest import MemberFacts
from storage.repos.outbox import OutboxRow

JOB = "yearend"
KINDS = ("yearend_member", "yearend_unit")
CATCH_UP = timedelta(days=7)
MEMBER_COLUMNS = ("n", "name", "unit", "state", "items", "progress", "reports", "evidence")
ITEM_COLUMNS = ("n", "name", "item", "progress", "status", "reports", "evidence")


async def plan(
    sessions: async_sessionmaker[AsyncSession], now: datetime, zone: ZoneInfo, minute: int
) -> int:
    """Queue the review of every open campaign whose review day has come (from `minute`)."""
    local = now.astimezone(zone)
    if local.hour * 60 + local.minute < minute:
        return 0
    queued = 0
    async with sessions() as session:
        for campaign in await campaign_repo.open_all(session):
            day = campaign.yearend_review
            if day is None or not day <= local.date() <= day + CATCH_UP:
                continue
            if await run_repo.done(session, JOB, str(campaign.id)):
                continue
            n = await _queue(session, campaign, now)
            await run_repo.mark(session, JOB, str(campaign.id), now, n)
            queued += n
        await session.commit()
    return queued


async def _queue(session: AsyncSession, campaign: CampaignDTO, now: datetime) -> int:
    root = await unit_repo.get(session, campaign.unit_id)
    if root is None:
        return 0
    # Only the units that follow this campaign (a nested one has its own review day).
    follows = await followed_by_units(session, await unit_repo.subtree(session, root))
    units = {u for u, c in follows.items() if c is not None and c.id == campaign.id}
    payload: dict[str, object] = {"campaign": campaign.id}
    rows = [
        outbox_repo.pending(
            f"yearend_member:{campaign.id}:{member_id}",
            "yearend_member",
            (channel, chat, user),
            now,
            subject=member_id,
            payload=payload,
        )  # fmt: skip
        for member_id, user, channel, chat, unit in await member_repo.reachable_under(
            session, root.path
        )
        if unit in units
    ]
    rows += [
        outbox_repo.pending(
            f"yearend_unit:{campaign.id}:{unit_id}:{a.user_id}",
            "yearend_unit",
            (a.channel, a.chat_id, a.user_id),
            now,
            subject=unit_id,
            payload=payload,
        )  # fmt: skip
        for unit_id, a in await user_repo.leaders_everywhere(session)
        if unit_id in units
    ]
    return await outbox_repo.add_many(session, rows)


Composed = tuple[str, Markup | None, Attachment | None, str | None] | None


async def compose(
    session: AsyncSession,
    rows: Sequence[OutboxRow],
    languages: dict[int, str],
    zone: ZoneInfo,
    fallback: str = "vi",
) -> dict[int, Composed]:
    """Row id -> the member's summary, or the unit's spreadsheet; None when there is none."""
    member_rows = [r for r in rows if r.kind == "yearend_member"]
    members = await member_repo.many(session, [r.subject_id or 0 for r in member_rows])
    units = {m.unit_id for m in members.values()} | {
        r.subject_id or 0 for r in rows if r.kind == "yearend_unit"
    }
    facts = await _facts(session, sorted(units), rows)
    done: dict[int, Composed] = {}
    for row in rows:
        lang = languages.get(row.user_id or 0, fallback)
        if row.kind == "yearend_member":
            found = facts.by_member.get(row.subject_id or 0)
            done[row.id] = (member_summary(lang, found), None, None, None) if found else None
        else:
            cell = facts.by_unit.get(row.subject_id or 0, [])
            unit = facts.unit_names.get(row.subject_id or 0, "")
            year = facts.year
            caption = t(lang, "yearend.unit_caption", unit=unit, year=year, n=len(cell))
            file = Attachment.later(
                "document", f"tong-ket-{year}-{row.subject_id}.xlsx", yearend_xlsx,
                lang, unit, year, cell,
            )  # fmt: skip
            done[row.id] = (caption, None, file, None)
    return done


class _Facts:
    def __init__(self) -> None:
        self.by_member: dict[int, MemberFacts] = {}
        self.by_unit: dict[int, list[MemberFacts]] = {}
        self.unit_names: dict[int, str] = {}
        self.year = 0


async def _facts(session: AsyncSession, unit_ids: list[int], rows: Sequence[OutboxRow]) -> _Facts:
    facts = _Facts()
    campaign_ids = {int(str((r.payload or {}).get("campaign", 0))) for r in rows}
    campaigns = [await campaign_repo.get(session, c) for c in campaign_ids]
    opened = [c for c in campaigns if c is not None]
    if not opened:
        return facts
    facts.year = opened[0].year
    since = datetime.combine(min(c.opens_on for c in opened), datetime.min.time(), ZoneInfo("UTC"))
    units = await unit_repo.many(session, unit_ids)
    facts.unit_names = {u.id: u.name for u in units.values()}
    for member in await digest_repo.load(session, unit_ids, since - timedelta(days=1), followed):
        if member.exempt:
            continue
        facts.by_member[member.member_id] = member
        facts.by_unit.setdefault(member.unit_id, []).append(member)
    return facts


def member_summary(lang: str, member: MemberFacts) -> str:
    year = member.campaign.year if member.campaign else ""
    parts = [
        t(lang, "yearend.member_title", year=year, name=member.full_name, unit=member.unit_name)
    ]
    if member.state is None:
        parts.append(t(lang, "yearend.no_commitment"))
        return "\n\n".join(parts)
    parts.append(t(lang, "yearend.state", state=t(lang, f"state.{member.state}")))
    lines = []
    for n, item in enumerate(member.items, 1):
        reports = [c for c in member.checkins if c.item_id == item.id]
        lines.append(
            t(
                lang,
                "yearend.item",
                n=n,
                text=item.text,
                progress=item.progress,
                status=t(lang, f"status.{item.status}"),
                reports=len(reports),
                evidence=sum(c.evidence for c in reports),
            )
        )
    parts.append("\n".join(lines) if lines else t(lang, "yearend.no_items"))
    total = len(member.checkins)
    evidence = sum(c.evidence for c in member.checkins)
    proxy = sum(c.by_proxy for c in member.checkins)
    parts.append(t(lang, "yearend.totals", reports=total, evidence=evidence, proxy=proxy))
    parts.append(t(lang, "yearend.use_it"))
    return "\n\n".join(parts)


def yearend_xlsx(lang: str, unit: str, year: object, members: list[MemberFacts]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    people = book.active
    assert people is not None
    people.title = plain(lang, "yearend.sheet_members")
    items = book.create_sheet(plain(lang, "yearend.sheet_items"))
    title = plain(lang, "yearend.xlsx_title", unit=unit, year=year)
    for sheet, columns in ((people, MEMBER_COLUMNS), (items, ITEM_COLUMNS)):
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([])
        sheet.append([plain(lang, f"yearend.col_{c}") for c in columns])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
    ordered = sorted(members, key=lambda m: sort_key(m.full_name))
    row = 0
    for n, m in enumerate(ordered, 1):
        state = plain(lang, f"state.{m.state}") if m.state else plain(lang, "xlsx.state_none")
        evidence = sum(c.evidence for c in m.checkins)
        people.append(
            [n, m.full_name, m.unit_name, state, len(m.items), average_progress(m),
             len(m.checkins), evidence]
        )  # fmt: skip
        for item in m.items:
            row += 1
            reports = [c for c in m.checkins if c.item_id == item.id]
            items.append(
                [row, m.full_name, item.text, item.progress, plain(lang, f"status.{item.status}"),
                 len(reports), sum(c.evidence for c in reports)]
            )  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
