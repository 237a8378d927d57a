"""Người tốt, việc tốt on the web: a secretary proposes a member (or the whole cell) from the
desk; the committee's admins decide the nominations waiting in their subtree, announcing an
approved one to the cell, the unit above or their whole scope; the year's roll. The rules,
audit and announcement are `domain.honours`, as /bieuduong."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.responses import Response

from bot.flows.honours import root_admin_ids
from bot.i18n import plain
from bot.web.boundary import Visit, action, back_to, page, path_id
from domain import honours
from domain.access import require
from domain.errors import DomainError
from locales import dates
from storage.repos.honours import HonourDTO


@page()
async def honours_page(visit: Visit) -> Response:
    return await _view(visit)


async def _view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    require(visit.actor.is_admin, "web.console_not_admin")
    year = visit.local(visit.now).year
    return visit.render(
        "honours.html",
        status,
        pending=await honours.pending(visit.session, visit.actor),
        roll=await honours.roll(visit.session, visit.actor, year),
        year=year,
        announce=honours.ANNOUNCE,
        when=lambda moment: dates.moment(visit.local(moment), visit.lang),
        error=error,
        done=visit.request.query_params.get("done", ""),
    )


@action(_view)
async def decide(visit: Visit, form: FormData) -> Response:
    found = await honours.visible(visit.session, visit.actor, path_id(visit.request, "honour_id"))
    choice = str(form.get("decision", ""))
    if choice not in ("approve", "decline"):
        raise DomainError("error.bad_choice")
    announce = str(form.get("announce", "unit"))
    who = _who(visit, found)
    text = plain(visit.lang, "honour.announcement", who=who, unit=found.unit_name,
                 reason=found.reason)  # fmt: skip
    approve = choice == "approve"
    await honours.decide(visit.session, visit.actor, found.id, approve, announce, text, visit.now)
    if found.nominated_by is not None:
        notice = "honour.notice_approved" if approve else "honour.notice_declined"
        await visit.ctx().notify([found.nominated_by], notice, who=who, unit=found.unit_name)
    if approve:
        visit.plan_soon()  # the announcement goes out with the planner
    return back_to(f"/console/honours?done={choice}")


def _who(visit: Visit, found: HonourDTO) -> str:
    return found.member_name or plain(visit.lang, "honour.whole_cell")


async def nominate(visit: Visit, form: FormData, unit_id: int, member_id: int | None) -> None:
    """A secretary's proposal from the desk, with the admins over the cell told."""
    found = await honours.nominate(
        visit.session, visit.actor, unit_id, member_id, str(form.get("reason", "")), None,
        visit.local(visit.now).year, visit.now,
    )  # fmt: skip
    ctx = visit.ctx()
    reviewers = await honours.reviewers(visit.session, found) + await root_admin_ids(ctx)
    await ctx.notify(
        reviewers, "honour.notice_nominated", who=_who(visit, found), unit=found.unit_name,
        reason=found.reason,
    )  # fmt: skip
