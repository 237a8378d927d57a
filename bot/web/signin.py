"""Opening a link: a one-time sign-in link (`/s/<token>`) or a reminder's link
(`/r/<token>`) starts a session cookie; signing out ends every session of the person."""

from __future__ import annotations

from datetime import datetime

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.web.boundary import COOKIE, Visit, Web, action, address, web_of
from domain import audit, webaccess
from domain.access import Actor
from domain.errors import DomainError
from domain.miniapp import sign_in as miniapp_sign_in

TOKEN_MAX = 160


async def signin_link(request: Request) -> Response:
    return await _open(request, "/", webaccess.redeem)


async def reminder_link(request: Request) -> Response:
    return await _open(request, "/report", webaccess.redeem_reminder)


async def _open(request: Request, target: str, redeem: webaccess.Redeem) -> Response:
    web = web_of(request)
    lang = web.config.default_language
    where = address(request)
    if web.guard.blocked(where):
        return web.refuse(lang, "web.too_many_tries", 429)
    token = str(request.path_params.get("token", ""))[:TOKEN_MAX]
    now = web.clock()
    async with web.sessions() as session:
        try:
            raw, started = await redeem(session, token, now)
            who = Actor(started.user_id, lang, None)
            await audit.record(session, who, "web_signin", now, narrow=started.narrow or None)
            await session.commit()
        except DomainError as error:
            await session.rollback()
            web.guard.miss(where)
            return web.refuse(lang, error.key, 403)
    response = RedirectResponse(target, status_code=303)
    set_cookie(web, response, raw, started.expires_at, now)
    return response


def set_cookie(web: Web, response: Response, raw: str, until: datetime, now: datetime) -> None:
    response.set_cookie(
        COOKIE,
        raw,
        max_age=max(1, int((until - now).total_seconds())),
        httponly=True,
        samesite="lax",
        secure=web.secure,
        path="/",
    )


async def miniapp(request: Request) -> Response:
    """The Mini App's address (set in @BotFather): its script sends Telegram's initData."""
    web = web_of(request)
    return web.render("miniapp.html", web.config.default_language)


async def miniapp_signin(request: Request) -> Response:
    web = web_of(request)
    lang = web.config.default_language
    where = address(request)
    if web.guard.blocked(where):
        return web.refuse(lang, "web.too_many_tries", 429)
    if not web.telegram_token:
        return web.refuse(lang, "web.miniapp_invalid", 403)
    async with request.form(max_files=0, max_fields=2, max_part_size=8192) as form:
        given = str(form.get("init_data", ""))
    now = web.clock()
    async with web.sessions() as session:
        try:
            raw, started = await miniapp_sign_in(session, given, web.telegram_token, now)
            who = Actor(started.user_id, lang, None)
            await audit.record(session, who, "web_signin", now, miniapp=True)
            await session.commit()
        except DomainError as error:
            await session.rollback()
            web.guard.miss(where)
            return web.refuse(lang, error.key, 403)
    response = Response(status_code=204)
    set_cookie(web, response, raw, started.expires_at, now)
    return response


async def _nothing(visit: Visit, **_: object) -> Response:
    return visit.web.refuse(visit.lang, "error.internal", 500)


@action(_nothing, narrow_ok=True)
async def sign_out(visit: Visit, form: FormData) -> Response:
    """Sign out on every device: every session and unused link of the person ends."""
    await webaccess.sign_out_everywhere(visit.session, visit.actor.user_id, visit.now)
    await audit.record(visit.session, visit.actor, "web_signout", visit.now)
    response = visit.web.render("message.html", visit.lang, message=visit.t("web.signed_out"))
    response.delete_cookie(COOKIE, path="/")
    return response
