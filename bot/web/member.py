"""A member's pages: home, the registration (đăng ký), progress reports, my progress."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData
from starlette.responses import Response

from bot.flows.checkins import tell_blocked
from bot.flows.commitments import tell_submitted
from bot.web import photos
from bot.web.boundary import Visit, action, back_to, page, path_id
from domain import checkins, commitments
from domain.commitments import Sheet
from domain.errors import DomainError
from domain.reference import manifestations
from locales import dates
from storage.dto import ItemDTO, ItemKind, Progress, State

STATUSES = (Progress.NOT_STARTED, Progress.IN_PROGRESS, Progress.DONE, Progress.BLOCKED)
HISTORY = 20


async def _sheet(visit: Visit, create: bool = False) -> Sheet | None:
    """The member's registration for the open campaign (a page shows one not yet made as
    empty; a change makes it); None for someone who is no member or whose tree has no open
    campaign (the page says so)."""
    if visit.actor.member is None:
        return None
    try:
        if create:
            return await commitments.open_personal(visit.session, visit.actor, visit.now)
        return await commitments.peek_personal(visit.session, visit.actor)
    except DomainError as error:
        if error.key == "commitment.no_campaign":
            return None
        raise


@page()
async def home(visit: Visit) -> Response:
    sheet = await _sheet(visit)
    return visit.render("home.html", sheet=sheet, deadline=_deadline(visit, sheet))


def _deadline(visit: Visit, sheet: Sheet | None) -> str:
    return dates.day(sheet.campaign.deadline, visit.lang) if sheet else ""


# --- progress reports ------------------------------------------------------------------------


@page(narrow_ok=True)
async def report_list(visit: Visit) -> Response:
    sheet = await _sheet(visit)
    if sheet is None:
        raise DomainError("commitment.no_campaign")
    items = checkins.checkable(sheet)
    return visit.render("report_list.html", items=items, steps=checkins.STEPS, statuses=STATUSES)


async def _report_view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    item_id = path_id(visit.request)
    commitment, item = await commitments.owned_item(visit.session, visit.actor, item_id)
    if commitment.approved_version == 0:
        raise DomainError("checkin.not_approved")
    saved = await _correctable(visit, visit.request.query_params.get("saved", ""))
    return visit.render(
        "report_item.html",
        status,
        item=item,
        steps=checkins.STEPS,
        statuses=STATUSES,
        saved=saved,
        error=error,
        values=values or {},
        overdue=checkins.overdue(item, visit.now.astimezone(visit.web.config.zone).date()),
    )


async def _correctable(visit: Visit, raw: str) -> int | None:
    """The report just saved, while it may still be corrected (24 hours, by its author)."""
    if not raw.isdigit() or len(raw) > 12:
        return None
    try:
        return (await checkins.correctable(visit.session, visit.actor, int(raw), visit.now)).id
    except DomainError:
        return None


@page(narrow_ok=True)
async def report_item(visit: Visit) -> Response:
    return await _report_view(visit)


@action(_report_view, narrow_ok=True)
async def report_save(visit: Visit, form: FormData) -> Response:
    item_id = path_id(visit.request)
    progress = checkins.parse_progress(str(form.get("progress", "")))
    status = _status(str(form.get("status", "")), progress)
    note = str(form.get("note", "")).strip() or None
    evidence = await photos.take(visit, form.get("photo"))
    report = checkins.Report(progress, status, note, evidence)
    fixing = str(form.get("correcting", ""))
    correcting = int(fixing) if fixing.isdigit() and len(fixing) < 13 else None
    done = await checkins.record(visit.session, visit.actor, item_id, report, visit.now, correcting)
    if status is Progress.BLOCKED:
        await tell_blocked(visit.ctx(), done.item, note)
    return back_to(f"/report/{item_id}?saved={done.checkin.id}")


def _status(raw: str, progress: int) -> Progress:
    if not raw:
        if progress == 0:
            return Progress.NOT_STARTED
        return Progress.DONE if progress == 100 else Progress.IN_PROGRESS
    if raw not in {s.value for s in STATUSES}:
        raise DomainError("error.bad_choice")
    return Progress(raw)


@page()
async def progress(visit: Visit) -> Response:
    sheet = await _sheet(visit)
    if sheet is None:
        raise DomainError("commitment.no_campaign")
    rows, total = await checkins.reports_of(visit.session, sheet, 0, HISTORY)
    today = visit.now.astimezone(visit.web.config.zone).date()
    texts = {i.id: i.text for i in sheet.items}
    return visit.render(
        "progress.html",
        sheet=sheet,
        items=sheet.lines,
        overdue={i.id for i in sheet.lines if checkins.overdue(i, today)},
        rows=rows,
        total=total,
        texts=texts,
        when=lambda moment: dates.moment(visit.local(moment), visit.lang),
    )


# --- the registration ------------------------------------------------------------------------


async def _commitment_view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    sheet = await _sheet(visit)
    if sheet is None:
        raise DomainError("commitment.no_campaign")
    versions = await commitments.versions_of(visit.session, sheet)
    return visit.render(
        "commitment.html",
        status,
        sheet=sheet,
        kinds=(ItemKind.EXAMPLE, ItemKind.REMEDIAL),
        months=range(1, 13),
        editable=sheet.commitment.state is not State.SUBMITTED,
        versions=versions,
        deadline=_deadline(visit, sheet),
        month_name=lambda m: dates.month(date(sheet.campaign.year, m, 1), visit.lang),
        error=error,
        values=values or {},
        text_max=commitments.TEXT_MAX,
    )


@page()
async def commitment(visit: Visit) -> Response:
    return await _commitment_view(visit)


async def _own_sheet(visit: Visit) -> Sheet:
    sheet = await _sheet(visit, create=True)
    if sheet is None:
        raise DomainError("commitment.no_campaign")
    return sheet


@action(_commitment_view)
async def item_add(visit: Visit, form: FormData) -> Response:
    sheet = await _own_sheet(visit)
    kind = str(form.get("kind", ""))
    if kind not in (ItemKind.EXAMPLE.value, ItemKind.REMEDIAL.value):
        raise DomainError("error.bad_choice")
    text = str(form.get("text", ""))
    item = await commitments.add_item(
        visit.session, visit.actor, sheet.commitment.id, ItemKind(kind), text, visit.now
    )
    await _details(visit, item, form)
    return back_to("/commitment#items")


async def _details(visit: Visit, item: ItemDTO, form: FormData) -> None:
    """The optional target and deadline month typed beside an item."""
    target = str(form.get("target", "")).strip()
    await commitments.edit_item(visit.session, visit.actor, item.id, "target", target, visit.now)
    month = str(form.get("month", "")).strip()
    if month and not month.isdigit():
        raise DomainError("error.bad_choice")
    await commitments.edit_item(
        visit.session, visit.actor, item.id, "deadline", int(month) if month else None, visit.now
    )


@action(_commitment_view)
async def item_edit(visit: Visit, form: FormData) -> Response:
    item_id = path_id(visit.request)
    item = await commitments.edit_item(
        visit.session, visit.actor, item_id, "text", str(form.get("text", "")), visit.now
    )
    await _details(visit, item, form)
    return back_to("/commitment#items")


@action(_commitment_view)
async def item_delete(visit: Visit, form: FormData) -> Response:
    await commitments.delete_item(visit.session, visit.actor, path_id(visit.request), visit.now)
    return back_to("/commitment#items")


async def _pledge_view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    sheet = await _sheet(visit)
    if sheet is None:
        raise DomainError("commitment.no_campaign")
    data = manifestations()
    return visit.render(
        "pledge.html", status, sheet=sheet, groups=data.groups, pledge=data.pledge, error=error
    )


@page()
async def pledge_page(visit: Visit) -> Response:
    return await _pledge_view(visit)


@action(_pledge_view)
async def pledge(visit: Visit, form: FormData) -> Response:
    sheet = await _own_sheet(visit)
    if form.get("confirm") != "yes":
        raise DomainError("web.pledge_tick")
    await commitments.pledge(
        visit.session, visit.actor, sheet.commitment.id, manifestations().pledge, visit.now
    )
    return back_to("/commitment")


@action(_commitment_view)
async def submit(visit: Visit, form: FormData) -> Response:
    sheet = await _own_sheet(visit)
    done = await commitments.submit(visit.session, visit.actor, sheet.commitment.id, visit.now)
    await tell_submitted(visit.ctx(), done)
    return back_to("/commitment?submitted=1")
