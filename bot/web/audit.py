"""The audit log on the web (admins): who did what, when and where in their subtree (and
their own actions), narrowed by action, author's name, unit and dates; older entries page by
page; the same selection as a workbook. Scoped by `domain.audit`, as /nhatky."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.responses import Response

from bot.web.boundary import Download, Visit, download, page
from domain import audit
from domain.errors import DomainError
from locales import dates
from storage.repos.audit import Filter

PAGE = 50


@dataclass(frozen=True)
class Asked:
    only: Filter
    values: dict[str, str]  # as typed, to show again and to carry to the next page


async def _asked(visit: Visit) -> Asked:
    query = visit.request.query_params
    values = {k: query.get(k, "")[:100] for k in ("action", "person", "unit", "since", "until")}
    action = values["action"] if values["action"] in audit.ACTIONS else None
    unit = values["unit"]
    path = None
    if unit:
        if not unit.isdigit() or len(unit) > 12:
            raise DomainError("error.bad_choice")
        path = await audit.narrowed_to(visit.session, visit.actor, int(unit))
    since, until = _day(visit, values["since"]), _day(visit, values["until"])
    only = Filter(
        action, values["person"].strip() or None, path, since,
        until + timedelta(days=1) if until else None,
    )  # fmt: skip
    return Asked(only, values)


def _day(visit: Visit, raw: str) -> datetime | None:
    """A date from the form's date field (yyyy-mm-dd), as the start of that day here."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise DomainError("web.audit_bad_date") from None
    return datetime.combine(day, time(), tzinfo=visit.web.config.zone).astimezone(UTC)


@page()
async def log(visit: Visit) -> Response:
    asked = await _asked(visit)
    raw = visit.request.query_params.get("before", "")
    before = int(raw) if raw.isdigit() and len(raw) < 13 else None
    entries = await audit.search(visit.session, visit.actor, asked.only, PAGE, before)
    more = ""
    if len(entries) == PAGE:
        more = urlencode({**asked.values, "before": entries[-1].id})
    return visit.render(
        "audit.html",
        entries=entries,
        actions=audit.ACTIONS,
        values=asked.values,
        more=more,
        export=urlencode(asked.values),
        when=lambda moment: dates.moment(visit.local(moment), visit.lang),
    )


@download
async def export(visit: Visit) -> Download:
    from render.admin_files import audit_xlsx

    asked = await _asked(visit)
    entries = await audit.search(visit.session, visit.actor, asked.only, audit.EXPORT_LIMIT)
    name = f"nhat-ky-{visit.local(visit.now):%Y%m%d-%H%M}.xlsx"
    return Download(name, audit_xlsx, (visit.lang, entries, visit.web.config.zone))
