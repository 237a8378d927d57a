"""The committee's console on the web (admins, their subtree only): statistics drilled down
the tree with a search and the workbook; announcements composed, counted, previewed, sent now
or later, cancelled, and watched as they are delivered, with who was not reached.

The figures and the scope are `domain.stats`, `domain.units.search` and `domain.broadcasts`,
the services /thongke and /thongbao use: a unit or announcement outside the admin's subtree is
"not found", whatever id is typed."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from bot.web.boundary import Download, Visit, action, back_to, download, page, path_id
from domain import broadcasts, stats, units
from domain.access import require
from domain.errors import DomainError
from locales import dates
from storage.repos import units as unit_repo
from storage.repos.broadcasts import AUDIENCES

BAR_ROWS = 15  # the weakest units drawn in the page's chart
UNITS_OFFERED = 300  # units to tick in an announcement's form (search finds the rest)


@page()
async def console_home(visit: Visit) -> Response:
    require(visit.actor.is_admin, "web.console_not_admin")
    tops = await stats.top_units(visit.session, visit.actor)
    if len(tops) == 1:
        return RedirectResponse(f"/console/stats/{tops[0].id}", status_code=303)
    return visit.render("console_units.html", units=tops, query="", searched=False)


@page()
async def search(visit: Visit) -> Response:
    """Units by name, diacritics optional ("chi bo van phong")."""
    require(visit.actor.is_admin, "web.console_not_admin")
    query = visit.request.query_params.get("q", "")[:100]
    found = await units.search(visit.session, visit.actor, query)
    return visit.render("console_units.html", units=found, query=query, searched=True)


@page()
async def unit_stats(visit: Visit) -> Response:
    unit_id = path_id(visit.request, "unit_id")
    found = await stats.rollup(visit.session, visit.actor, unit_id, visit.now)
    weakest = found.children[:BAR_ROWS]
    return visit.render(
        "console_stats.html",
        found=found,
        total=found.total,
        children=found.children,
        bars=weakest,
        parent=_parent(visit, found),
        number=lambda n: dates.number(n, visit.lang),
        pct=lambda p: dates.decimal(p, visit.lang),
        counted_at=dates.moment(visit.local(found.counted_at), visit.lang)
        if found.counted_at
        else "",
    )


def _parent(visit: Visit, found: stats.Rollup) -> int | None:
    """The unit above, if the admin's scope reaches it (a link up the tree)."""
    parts = found.unit.path.strip("/").split("/")
    if found.unit.parent_id is None or len(parts) < 2:
        return None
    path = "/" + "".join(f"{p}/" for p in parts[:-1])
    roots = visit.actor.admin_roots()
    return found.unit.parent_id if roots is None or any(path.startswith(r) for r in roots) else None


@download
async def stats_file(visit: Visit) -> Download:
    from render.admin_files import stats_xlsx

    unit_id = path_id(visit.request, "unit_id")
    found = await stats.rollup(visit.session, visit.actor, unit_id, visit.now)
    title = " / ".join(found.path)
    name = f"thong-ke-{visit.local(visit.now).date().isoformat()}-{found.unit.id}.xlsx"
    return Download(name, stats_xlsx, (visit.lang, title, [found.total, *found.children]))


# --- announcements ---------------------------------------------------------------------------


@page()
async def announcements(visit: Visit) -> Response:
    return await _compose(visit)


async def _compose(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    require(visit.actor.is_admin, "web.console_not_admin")
    recent = await broadcasts.recent(visit.session, visit.actor)
    offered = await _offered(visit)
    return visit.render(
        "broadcasts.html",
        status,
        recent=recent,
        offered=offered,
        audiences=AUDIENCES,
        picked=set(values.getlist("unit")) if values else set(),
        error=error,
        values=values or {},
        text_max=broadcasts.TEXT_MAX,
        when=lambda moment: dates.moment(visit.local(moment), visit.lang),
    )


async def _offered(visit: Visit) -> list[tuple[int, str, int]]:
    """The units to tick: the admin's own top units, each followed by its direct children
    (id, name, depth)."""
    offered: list[tuple[int, str, int]] = []
    for top in await stats.top_units(visit.session, visit.actor):
        offered.append((top.id, top.name, 0))
        for child in await unit_repo.children(visit.session, top.id, 0, UNITS_OFFERED):
            offered.append((child.unit.id, child.unit.name, 1))
        if len(offered) >= UNITS_OFFERED:
            break
    return offered[:UNITS_OFFERED]


def _units(form: FormData) -> list[int]:
    picked = []
    for raw in form.getlist("unit")[: UNITS_OFFERED + 1]:
        text = str(raw)
        if not text.isdigit() or len(text) > 12:
            raise DomainError("error.bad_choice")
        picked.append(int(text))
    if not picked:
        raise DomainError("web.bc_pick_units")
    return picked


def _when(visit: Visit, form: FormData) -> datetime | None:
    """The time typed in the form's date-and-time field (local time), or None: now."""
    if str(form.get("timing", "now")) == "now":
        return None
    raw = str(form.get("at", "")).strip()
    try:
        moment = datetime.strptime(raw, "%Y-%m-%dT%H:%M").replace(tzinfo=visit.web.config.zone)
    except ValueError:
        raise DomainError("web.bc_bad_time") from None
    return moment.astimezone(UTC)


@action(_compose)
async def preview(visit: Visit, form: FormData) -> Response:
    """The announcement as members will read it, the exact number who will get it, and
    where: nothing is written until it is confirmed."""
    from render.broadcast_text import announcement_text

    unit_ids = _units(form)
    audience = broadcasts.check_audience(str(form.get("audience", "")))
    text = broadcasts.check_text(str(form.get("text", "")), False)
    at = _when(visit, form)
    n = await broadcasts.count(visit.session, visit.actor, unit_ids, audience)
    if n == 0:
        raise DomainError("web.bc_nobody")
    named = await broadcasts.units_named(visit.session, visit.actor, unit_ids)
    return visit.render(
        "broadcast_preview.html",
        shown=Markup(announcement_text(visit.lang, text)),  # escaped by it, as sent
        n=n,
        where=named,
        audience=audience,
        at=dates.moment(visit.local(at), visit.lang) if at else "",
        values=form,
    )


@action(_compose)
async def send(visit: Visit, form: FormData) -> Response:
    at = _when(visit, form)
    created = await broadcasts.create(
        visit.session,
        visit.actor,
        text=str(form.get("text", "")),
        attachment=None,
        unit_ids=_units(form),
        audience=str(form.get("audience", "")),
        send_at=at or visit.now,
        report_to=None,  # the admin watches it on its page
        now=visit.now,
    )
    visit.plan_soon()
    return back_to(f"/console/broadcasts/{created.id}")


@page()
async def delivery(visit: Visit) -> Response:
    return await _delivery_view(visit)


async def _delivery_view(visit: Visit, error: str | None = None, **_: object) -> Response:
    """Where an announcement stands, refreshed every few seconds while it is going out, and
    who it did not reach."""
    broadcast_id = path_id(visit.request, "broadcast_id")
    found = await broadcasts.status_of(visit.session, visit.actor, broadcast_id)
    missed = await broadcasts.not_reached(visit.session, visit.actor, broadcast_id)
    return visit.render(
        "broadcast.html",
        found=found,
        b=found.broadcast,
        missed=missed,
        refresh=not found.finished and error is None,
        when=lambda moment: dates.moment(visit.local(moment), visit.lang),
        error=error,
    )


@action(_delivery_view)
async def cancel(visit: Visit, _form: FormData) -> Response:
    broadcast_id = path_id(visit.request, "broadcast_id")
    await broadcasts.cancel(visit.session, visit.actor, broadcast_id, visit.now)
    return back_to(f"/console/broadcasts/{broadcast_id}")
