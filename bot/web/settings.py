"""My settings on the web: language, reminders (how often, which day, what time, quiet hours),
a pause, a snooze — the same domain rules as /nhacnho and /ngonngu in chat."""

from __future__ import annotations

from datetime import timedelta

from starlette.datastructures import FormData
from starlette.responses import Response

from bot.flows.reminders import PAUSES, hm, parse_time
from bot.i18n import LANGUAGES
from bot.web.boundary import Visit, action, back_to, page
from domain import preferences
from domain.errors import DomainError
from domain.members import set_language, update_profile
from domain.schedules import CADENCES
from locales import dates


async def _view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    prefs = None
    if visit.actor.member is not None:
        prefs = await preferences.get(
            visit.session, visit.actor, visit.web.config.zone.key, visit.now
        )
    return visit.render(
        "settings.html",
        status,
        prefs=prefs,
        clock=hm,
        cadences=CADENCES,
        languages=LANGUAGES,
        pauses=PAUSES,
        snoozes=preferences.SNOOZE_DAYS,
        paused=dates.day(prefs.paused_until, visit.lang) if prefs and prefs.paused_until else "",
        saved=visit.request.query_params.get("saved") == "1",
        error=error,
        values=values or {},
    )


@page()
async def settings_page(visit: Visit) -> Response:
    return await _view(visit)


@action(_view)
async def profile(visit: Visit, form: FormData) -> Response:
    """Name, position and whether one heads an agency, as in /hoso."""
    await update_profile(visit.session, visit.actor, "name", form.get("name", ""))
    await update_profile(visit.session, visit.actor, "position", form.get("position") or None)
    await update_profile(visit.session, visit.actor, "is_head", form.get("is_head") == "yes")
    return back_to("/settings?saved=1")


@action(_view)
async def language(visit: Visit, form: FormData) -> Response:
    await set_language(visit.session, visit.actor, str(form.get("language", "")))
    return back_to("/settings?saved=1")


def _minute(raw: object) -> int:
    found = parse_time(str(raw or ""))
    if found is None:
        raise DomainError("remind.bad_time")
    return found


def _weekday(raw: object) -> int:
    text = str(raw or "")
    if not (text.isdigit() and len(text) == 1):
        raise DomainError("error.bad_choice")
    return int(text)


@action(_view)
async def reminders(visit: Visit, form: FormData) -> Response:
    await preferences.change(
        visit.session,
        visit.actor,
        visit.now,
        cadence=str(form.get("cadence", "")),
        weekday=_weekday(form.get("weekday")),
        minute=_minute(form.get("time")),
        quiet_start=_minute(form.get("quiet_start")),
        quiet_end=_minute(form.get("quiet_end")),
    )
    return back_to("/settings?saved=1")


@action(_view)
async def pause(visit: Visit, form: FormData) -> Response:
    raw = str(form.get("days", ""))
    if raw != "0" and (not raw.isdigit() or int(raw) not in PAUSES):
        raise DomainError("error.bad_choice")
    today = visit.local(visit.now).date()
    until = today + timedelta(days=int(raw) - 1) if raw != "0" else None
    await preferences.change(visit.session, visit.actor, visit.now, paused_until=until)
    return back_to("/settings?saved=1")


@action(_view)
async def snooze(visit: Visit, form: FormData) -> Response:
    raw = str(form.get("days", ""))
    if not raw.isdigit() or len(raw) > 2:
        raise DomainError("error.bad_choice")
    await preferences.snooze(visit.session, visit.actor, int(raw), visit.now)
    return back_to("/settings?saved=1")
