"""The year's campaigns of a unit, on the web (admins of the unit): open the year (theme,
registration deadline, sơ kết and tổng kết dates), change the theme or a date of the open
one, close it. The same rules, audit and wake-ups as /chiendich (`domain.campaigns`)."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData
from starlette.responses import Response

from bot.web.boundary import Visit, action, back_to, page, path_id
from domain import campaigns, units
from domain.access import require
from domain.errors import DomainError
from locales import dates
from storage.dto import CampaignDTO

DATE_FIELDS = ("deadline", "midyear_review", "yearend_review")


@page()
async def campaigns_page(visit: Visit) -> Response:
    return await _view(visit)


async def _view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    unit = await units.visible(visit.session, visit.actor, path_id(visit.request, "unit_id"))
    require(visit.actor.is_admin_of(unit), "web.console_not_admin")
    found = await campaigns.of_unit(visit.session, visit.actor, unit.id)
    year = visit.local(visit.now).year
    return visit.render(
        "campaigns.html",
        status,
        unit=unit,
        campaigns=found,
        current=next((c for c in found if c.status == "open"), None),
        next_year=year + 1 if visit.local(visit.now).month >= 11 else year,
        day=lambda d: dates.day(d, visit.lang) if d else "",
        error=error,
        values=values or {},
        done=visit.request.query_params.get("done", ""),
    )


def _date(form: FormData, name: str) -> date:
    """A date from the form's date field (yyyy-mm-dd)."""
    try:
        return date.fromisoformat(str(form.get(name, "")).strip())
    except ValueError:
        raise DomainError("campaign.bad_date") from None


def _maybe_date(form: FormData, name: str) -> date | None:
    return _date(form, name) if str(form.get(name, "")).strip() else None


@action(_view)
async def open_year(visit: Visit, form: FormData) -> Response:
    unit = await units.visible(visit.session, visit.actor, path_id(visit.request, "unit_id"))
    raw_year = str(form.get("year", ""))
    if not raw_year.isdigit() or len(raw_year) != 4:
        raise DomainError("campaign.bad_year")
    opens_on, deadline = _date(form, "opens_on"), _date(form, "deadline")
    await campaigns.create(
        visit.session, visit.actor, unit, int(raw_year), str(form.get("theme", "")), opens_on,
        deadline, visit.now, _maybe_date(form, "midyear_review"),
        _maybe_date(form, "yearend_review"),
    )  # fmt: skip
    return back_to(f"/console/campaigns/{unit.id}?done=opened")


async def _managed(visit: Visit) -> CampaignDTO:
    """The campaign in the address, the admin's and set on the unit the address names."""
    current = await campaigns.managed(
        visit.session, visit.actor, path_id(visit.request, "campaign_id")
    )
    if current.unit_id != path_id(visit.request, "unit_id"):
        raise DomainError("error.bad_choice")
    return current


@action(_view)
async def change(visit: Visit, form: FormData) -> Response:
    current = await _managed(visit)
    unit_id, campaign_id = current.unit_id, current.id
    theme = str(form.get("theme", "")).strip()
    if theme and theme != current.theme:
        await campaigns.change(visit.session, visit.actor, campaign_id, "theme", theme, visit.now)
    for field in DATE_FIELDS:
        value = _maybe_date(form, field)
        if value is not None and value != getattr(current, field):
            await campaigns.change(visit.session, visit.actor, campaign_id, field, value, visit.now)
    return back_to(f"/console/campaigns/{unit_id}?done=changed")


@action(_view)
async def close(visit: Visit, _form: FormData) -> Response:
    current = await _managed(visit)
    await campaigns.close(visit.session, visit.actor, current.id, visit.now)
    return back_to(f"/console/campaigns/{current.unit_id}?done=closed")
