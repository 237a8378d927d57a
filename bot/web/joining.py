"""Joining from the web: an invite's link opens a page where the person types their name (or
confirms it, for a personal invite from an imported list) — no code typed by hand. They are
signed in at once and offered a code that connects their Zalo or Telegram account, so that
reminders reach them there."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.flows.registration import tell_leaders
from bot.i18n import t
from bot.web.boundary import Visit, Web, action, address, notice_ctx, page, web_of
from bot.web.signin import set_cookie
from domain import invites, linking, webaccess
from domain.errors import DomainError
from domain.members import actor_of, personal_record, register
from storage.dto import InviteDTO, Role
from storage.repos import users as user_repo

TOKEN_MAX = 64
FORM = {"max_files": 0, "max_fields": 5, "max_part_size": 4096}


def _join_key(token: str) -> str:
    return "join|" + webaccess.digest(token)


async def _invite(web: Web, request: Request, session: AsyncSession) -> tuple[str, InviteDTO]:
    token = str(request.path_params.get("token", ""))[:TOKEN_MAX]
    return token, await invites.check_token(session, token, web.clock())


async def join_page(request: Request) -> Response:
    return await _show(request)


async def _show(request: Request, error: str | None = None, name: str = "") -> Response:
    web = web_of(request)
    lang = web.config.default_language
    if web.guard.blocked(address(request)):
        return web.refuse(lang, "web.too_many_tries", 429)
    async with web.sessions() as session:
        try:
            token, invite = await _invite(web, request, session)
            unit = await invites.invite_unit(session, invite)
            record = await personal_record(session, invite)
        except DomainError as found:
            web.guard.miss(address(request))
            return web.refuse(lang, found.key, 403)
        key = await web.site_key(session)
    return web.render(
        "join.html",
        lang,
        400 if error else 200,
        unit=unit,
        role=invite.role,
        record=record,
        name=name,
        error=error,
        csrf=webaccess.form_token(key, _join_key(token)),
        member_role=Role.MEMBER,
    )


async def join(request: Request) -> Response:
    """Register through the invite as a new person; signed in at once."""
    web = web_of(request)
    lang = web.config.default_language
    async with request.form(**FORM) as form:
        values = {k: str(v) for k, v in form.items()}
    now = web.clock()
    async with web.sessions() as session:
        try:
            token, invite = await _invite(web, request, session)
            key = await web.site_key(session)
            if not webaccess.form_token_ok(key, _join_key(token), values.get("csrf", "")):
                return web.refuse(lang, "web.form_expired", 403)
            raw, until = await _register(web, session, invite, values, now)
            await session.commit()
        except DomainError as error:
            await session.rollback()
            return await _show(request, t(lang, error.key, **error.params), values.get("name", ""))
    web.queued()
    response = RedirectResponse("/welcome", status_code=303)
    set_cookie(web, response, raw, until, now)
    return response


async def _register(
    web: Web, session: AsyncSession, invite: InviteDTO, values: dict[str, str], now: datetime
) -> tuple[str, datetime]:
    lang = web.config.default_language
    account = await user_repo.create_account(
        session, "web", f"web:{secrets.token_hex(8)}", None, "", lang, now
    )
    actor = await actor_of(session, account.user_id)
    profile: dict[str, object] = {
        "name": values.get("name", ""),
        "position": values.get("position") or None,
    }
    done = await register(session, actor, invite.id, profile, now)
    actor = await actor_of(session, account.user_id)
    ctx = notice_ctx(session, actor, now, web.config)
    await tell_leaders(ctx, done.unit, done.role, done.invited_by)
    raw, started = await webaccess.start_session(session, account.user_id, now)
    return raw, started.expires_at


@page()
async def welcome(visit: Visit) -> Response:
    return visit.render("welcome.html", code=None)


async def _welcome_again(visit: Visit, **_: object) -> Response:
    return visit.render("welcome.html", 400, code=None)


@action(_welcome_again)
async def link_code(visit: Visit, _form: object) -> Response:
    """A one-time code to send to the bot on Zalo or Telegram (`/lienket CODE`)."""
    code = await linking.new_code(visit.session, visit.actor, visit.now)
    minutes = int(linking.VALID.total_seconds() // 60)
    return visit.render("welcome.html", code=f"{code[:4]} {code[4:]}", minutes=minutes)
