"""The secretary's desk on the web: the unit's week at a glance with its members, one member's
card, nudges, reports recorded for members without a smartphone, exemption, the meeting day
and the files for the meeting.

Every figure comes from the code the weekly report and the chat desk use (`domain.reports`,
`domain.desk`); every read and write is scoped there — a unit or member the person does not
lead or administer is "not found", whatever id is typed into the address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from bot.flows.commitments import tell_submitted
from bot.web.boundary import Download, Visit, action, back_to, download, page, path_id
from domain import checkins, commitments, desk, meetings, members, reports
from domain.digest import UnitDigest, average_progress, behind, weeks_back
from domain.errors import DomainError, NotFound
from locales import dates
from storage.dto import ItemKind, Progress, State
from storage.repos.digest import MemberFacts

PERCENTS = (0, 25, 50, 75, 100)
SHOWS = ("all", "behind", "waiting", "unreachable", "exempt")
SORTS = ("name", "progress", "last")


@page()
async def desk_home(visit: Visit) -> Response:
    """The units the person leads: straight to the one, or a choice among several."""
    units = await reports.led_units(visit.session, visit.actor)
    if len(units) == 1:
        return RedirectResponse(f"/desk/{units[0].id}", status_code=303)
    if not units:
        return visit.web.refuse(visit.lang, "web.desk_not_leader", 403)
    return visit.render("desk_units.html", units=units)


@dataclass(frozen=True)
class Row:
    """One member in the desk's table."""

    member_id: int
    name: str
    state: str
    progress: int | None  # approved: the average of their items
    last: datetime | None  # their latest report
    mark: str  # ok, behind, waiting, unreachable, exempt


def _row(visit: Visit, facts: MemberFacts) -> Row:
    reported = [i.last_checkin_at for i in facts.items if i.last_checkin_at]
    return Row(
        facts.member_id,
        facts.full_name,
        _state(visit, facts),
        average_progress(facts) if facts.approved else None,
        max(reported) if reported else None,
        _mark(facts, visit.now),
    )


def _state(visit: Visit, facts: MemberFacts) -> str:
    if facts.exempt:
        return visit.t("xlsx.exempt")
    if facts.approved:
        return visit.t("state.approved")
    return visit.t(f"state.{facts.state}") if facts.state else visit.t("xlsx.state_none")


def _mark(facts: MemberFacts, now: datetime) -> str:
    if facts.exempt:
        return "exempt"
    if facts.blocked or facts.chat_id is None:
        return "unreachable"
    if facts.state == "submitted" and not facts.approved:
        return "waiting"
    return "behind" if behind(facts, now) else "ok"


def _table(visit: Visit, digest: UnitDigest) -> tuple[list[Row], str, str]:
    """The members shown, by the filter and order asked for in the address (anything else
    there: everyone, by name)."""
    show = visit.request.query_params.get("show", "all")
    show = show if show in SHOWS else "all"
    order = visit.request.query_params.get("sort", "name")
    order = order if order in SORTS else "name"
    rows = [_row(visit, m) for m in digest.members]  # the report's order: Vietnamese names
    if show != "all":
        rows = [r for r in rows if r.mark == show]
    if order == "progress":
        rows.sort(key=lambda r: -1 if r.progress is None else r.progress)
    elif order == "last":
        rows.sort(key=lambda r: r.last.timestamp() if r.last else 0.0)
    return rows, show, order


@dataclass(frozen=True)
class Bar:
    label: str
    percent: int | None
    height: int  # of 100


def _trend(visit: Visit, digest: UnitDigest) -> list[Bar]:
    """The share who reported, each of the last four weeks (the chart's figures)."""
    weeks = weeks_back(digest.week)
    return [
        Bar(visit.t("chart.week", n=w.number), p, p or 0)
        for w, p in zip(weeks, digest.counts.trend, strict=True)
    ]


@page()
async def unit_desk(visit: Visit) -> Response:
    return await _desk_view(visit)


async def _desk_view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    unit_id = path_id(visit.request, "unit_id")
    digest = await reports.digest_of(
        visit.session, visit.actor, unit_id, visit.now, visit.web.config.zone
    )
    unit = await reports.visible_unit(visit.session, visit.actor, unit_id)
    rows, show, order = _table(visit, digest)
    today = visit.local(visit.now).date()
    upcoming = meetings.next_meeting(unit.meeting_day, today) if unit.meeting_day else None
    last_day = (digest.week.end - timedelta(days=1)).date()
    return visit.render(
        "desk.html",
        status,
        unit=unit,
        digest=digest,
        counts=digest.counts,
        rows=rows,
        show=show,
        order=order,
        shows=SHOWS,
        sorts=SORTS,
        behind_count=sum(1 for m in digest.members if behind(m, visit.now)),
        trend=_trend(visit, digest),
        period=(dates.day(digest.week.start.date(), visit.lang), dates.day(last_day, visit.lang)),
        upcoming=dates.day(upcoming, visit.lang) if upcoming else "",
        days=range(meetings.DAY_MIN, meetings.DAY_MAX + 1),
        when=lambda moment: dates.short_day(visit.local(moment).date(), visit.lang),
        error=error,
        values=values or {},
    )


@action(_desk_view)
async def nudge_unit(visit: Visit, _form: FormData) -> Response:
    unit_id = path_id(visit.request, "unit_id")
    done = await desk.nudge_unit(
        visit.session, visit.actor, unit_id, visit.now, visit.web.config.zone
    )
    visit.told()
    return back_to(f"/desk/{unit_id}?{_nudged(done)}")


def _nudged(done: desk.Nudged) -> str:
    if done.none_due:
        return "nudged=none"
    return f"nudged={done.sent}&already={done.already}"


@action(_desk_view)
async def meeting_day(visit: Visit, form: FormData) -> Response:
    unit_id = path_id(visit.request, "unit_id")
    raw = str(form.get("day", "")).strip()
    if raw and (not raw.isdigit() or len(raw) > 2):
        raise DomainError("meeting.day_range")
    day = int(raw) if raw else None
    await meetings.set_day(visit.session, visit.actor, unit_id, day or None, visit.now)
    return back_to(f"/desk/{unit_id}?meeting=saved#meeting")


# --- one member ------------------------------------------------------------------------------


@page()
async def member_card(visit: Visit) -> Response:
    return await _card_view(visit)


async def _card_view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    found = await desk.card(visit.session, visit.actor, path_id(visit.request, "member_id"))
    sheet = found.sheet
    numbers = {i.id: n for n, i in enumerate(sheet.lines, 1)} if sheet else {}
    can_record = sheet is not None and sheet.commitment.approved_version > 0
    return visit.render(
        "desk_member.html",
        status,
        card=found,
        sheet=sheet,
        items=sheet.lines if sheet else [],
        checkable=checkins.checkable(sheet) if sheet and can_record else [],
        numbers=numbers,
        percents=PERCENTS,
        waiting=sheet is not None and sheet.commitment.state is State.SUBMITTED,
        can_record=can_record,
        when=lambda moment: dates.moment(visit.local(moment), visit.lang),
        error=error,
        values=values or {},
    )


@action(_card_view)
async def nudge_member(visit: Visit, _form: FormData) -> Response:
    member_id = path_id(visit.request, "member_id")
    done = await desk.nudge_member(
        visit.session, visit.actor, member_id, visit.now, visit.web.config.zone
    )
    visit.told()
    return back_to(f"/desk/member/{member_id}?{_nudged(done)}")


@action(_card_view)
async def record_for(visit: Visit, form: FormData) -> Response:
    """A report for a member without a smartphone, kept as recorded by the secretary."""
    member_id = path_id(visit.request, "member_id")
    raw_item = str(form.get("item", ""))
    item_id = int(raw_item) if raw_item.isdigit() and len(raw_item) < 13 else 0
    percent = checkins.parse_progress(str(form.get("progress", "")))
    if percent not in PERCENTS:
        raise DomainError("error.bad_choice")
    status = Progress.DONE if percent == 100 else Progress.IN_PROGRESS
    report = checkins.Report(percent, status)
    done, sheet = await checkins.record_for(visit.session, visit.actor, item_id, report, visit.now)
    if sheet.commitment.member_id != member_id:  # the item of someone else than on the page
        raise DomainError("error.bad_choice")
    owners = [o for o in await desk.owners(visit.session, sheet) if o != visit.actor.user_id]
    await visit.ctx().notify(owners, "notice.proxy", text=done.item.text, progress=percent)
    return back_to(f"/desk/member/{member_id}?recorded={done.checkin.id}")


@action(_card_view)
async def exempt(visit: Visit, form: FormData) -> Response:
    """Record the cell's decision that the member is exempt from activities (or no longer)."""
    member_id = path_id(visit.request, "member_id")
    value = str(form.get("exempt", ""))
    if value not in ("0", "1"):
        raise DomainError("error.bad_choice")
    await members.set_exempt(visit.session, visit.actor, member_id, value == "1", visit.now)
    return back_to(f"/desk/member/{member_id}?exempt={value}")


@action(_card_view)
async def propose(visit: Visit, form: FormData) -> Response:
    """Người tốt, việc tốt: the member proposed to the committee, with the reason."""
    from bot.web.honours import nominate

    member_id = path_id(visit.request, "member_id")
    member = await desk.visible_member(visit.session, visit.actor, member_id)
    await nominate(visit, form, member.unit_id, member.id)
    return back_to(f"/desk/member/{member_id}?proposed=1")


# --- the cell's collective models (mô hình) --------------------------------------------------


@page()
async def models_page(visit: Visit) -> Response:
    return await _models_view(visit)


async def _models_view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    unit_id = path_id(visit.request, "unit_id")
    sheet = await commitments.peek_collective(visit.session, visit.actor, unit_id)
    return visit.render(
        "models.html",
        status,
        sheet=sheet,
        approved=sheet.commitment.approved_version > 0,
        editable=sheet.commitment.state is not State.SUBMITTED,
        text_max=commitments.TEXT_MAX,
        error=error,
        values=values or {},
        done=visit.request.query_params.get("done", ""),
    )


@action(_models_view)
async def model_add(visit: Visit, form: FormData) -> Response:
    unit_id = path_id(visit.request, "unit_id")
    sheet = await commitments.open_collective(visit.session, visit.actor, unit_id, visit.now)
    await commitments.add_item(
        visit.session, visit.actor, sheet.commitment.id, ItemKind.MODEL,
        str(form.get("text", "")), visit.now,
    )  # fmt: skip
    return back_to(f"/desk/{unit_id}/models?done=added")


@action(_models_view)
async def model_submit(visit: Visit, _form: FormData) -> Response:
    unit_id = path_id(visit.request, "unit_id")
    sheet = await commitments.open_collective(visit.session, visit.actor, unit_id, visit.now)
    done = await commitments.submit(visit.session, visit.actor, sheet.commitment.id, visit.now)
    await tell_submitted(visit.ctx(), done)
    return back_to(f"/desk/{unit_id}/models?done=submitted")


# --- the files for the meeting ---------------------------------------------------------------


@download
async def print_file(visit: Visit) -> Download:
    """The unit's commitments and progress, ready to print: XLSX or PDF (as /xuatbaocao)."""
    from render.report_print import Printable, printable_pdf, printable_xlsx

    unit_id = path_id(visit.request, "unit_id")
    kind = str(visit.request.path_params.get("kind", ""))
    if kind not in ("pdf", "xlsx"):
        raise NotFound()
    unit, found = await reports.printable_members(
        visit.session, visit.actor, unit_id, visit.now, visit.web.config.zone
    )
    year = next((m.campaign.year for m in found if m.campaign), None)
    actor = visit.actor
    signer = actor.member.full_name if actor.member and actor.leads(unit) else ""
    report = Printable(unit.name, year, visit.local(visit.now).date(), found, signer)
    stem = f"bao-cao-{report.today.isoformat()}-{unit.id}"
    make = printable_pdf if kind == "pdf" else printable_xlsx
    return Download(f"{stem}.{kind}", make, (visit.lang, report))


@download
async def week_file(visit: Visit) -> Download:
    """The weekly report's workbook (as the Monday report's attachment)."""
    from render.report_files import digest_xlsx

    unit_id = path_id(visit.request, "unit_id")
    digest = await reports.digest_of(
        visit.session, visit.actor, unit_id, visit.now, visit.web.config.zone
    )
    name = f"bao-cao-tuan-{digest.week.key}-{digest.unit_id}.xlsx"
    today = visit.local(visit.now).date()
    return Download(name, digest_xlsx, (visit.lang, digest, today))
