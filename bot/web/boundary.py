"""The web surface's boundary: one database session per request, the signed-in person loaded
from their cookie, form tokens checked, one commit, refusals answered on the same page with
what was typed kept. No scope rule lives here: the handlers call `domain/`, which checks."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.context import BotConfig, Ctx, Incoming
from bot.i18n import t
from bot.web.guard import Guard
from domain import webaccess
from domain.access import Actor
from domain.errors import DomainError, NotAllowed, NotFound
from render import offload
from storage.db import READ_ONLY, writing
from storage.dto import AccountDTO

log = logging.getLogger(__name__)
COOKIE = "ng_session"
FORM_LIMIT = 11 * 1024 * 1024  # a photo of up to 10 MB and the fields beside it


@dataclass
class Web:
    """What every request handler shares."""

    sessions: async_sessionmaker[AsyncSession]
    config: BotConfig
    clock: Callable[[], datetime]
    pages: Environment
    secure: bool = False  # served over https: cookies are Secure
    queued: Callable[[], None] = lambda: None  # told when notices were written
    planned: Callable[[], None] = lambda: None  # told when the planner has work (announcements)
    guard: Guard = field(default_factory=Guard)
    key: bytes | None = None  # the site's key, read once
    telegram_token: str | None = None  # checks a Telegram Mini App's initData

    async def site_key(self, session: AsyncSession) -> bytes:
        if self.key is None:
            self.key = await webaccess.site_key(session)
        return self.key

    def render(
        self, template: str, lang: str, status: int = 200, /, **context: Any
    ) -> HTMLResponse:
        def translate(key: str, **params: object) -> Markup:
            return html(lang, key, **params)

        page = self.pages.get_template(template).render(t=translate, lang=lang, **context)
        return HTMLResponse(page, status_code=status)

    def refuse(self, lang: str, key: str, status: int = 400, **params: object) -> HTMLResponse:
        """A page that says what went wrong and what to do next."""
        return self.render("message.html", lang, status, message=html(lang, key, **params))


def html(lang: str, key: str, /, **params: object) -> Markup:
    """A catalog message for a page: the catalog's text is trusted HTML and `t` escapes the
    parameters (a name with "&" or "<" shows as typed, escaped once)."""
    return Markup(t(lang, key, **params))


@dataclass
class Visit:
    """One signed-in request."""

    web: Web
    request: Request
    session: AsyncSession
    now: datetime
    actor: Actor
    signed: webaccess.Session
    form_token: str

    @property
    def lang(self) -> str:
        return self.actor.language

    @property
    def leads(self) -> bool:
        """A secretary or deputy of some unit (the desk and approvals are theirs)."""
        return self.actor.is_leader

    def t(self, key: str, /, **params: object) -> Markup:
        return html(self.lang, key, **params)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.web.config.zone)

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return self.web.render(name, self.lang, status, visit=self, csrf=self.form_token, **context)

    def ctx(self) -> Ctx:
        """A flow context for notices to other people (written in this request's
        transaction, like a chat update's)."""
        found = notice_ctx(self.session, self.actor, self.now, self.web.config)
        self._ctxs.append(found)
        return found

    def __post_init__(self) -> None:
        self._ctxs: list[Ctx] = []
        self._told = False
        self._plan = False

    def told(self) -> None:
        """Messages were queued by a service (nudges): wake the sender after the commit."""
        self._told = True

    def plan_soon(self) -> None:
        """Work for the planner was written (an announcement): run it after the commit."""
        self._plan = True

    @property
    def notified(self) -> bool:
        return self._told or any(c.notices for c in self._ctxs)


def notice_ctx(session: AsyncSession, actor: Actor, now: datetime, config: BotConfig) -> Ctx:
    """What the chat flows' notice helpers need, for a request on the web."""
    uid = actor.user_id
    incoming = Incoming("web", secrets.randbits(62), f"user:{uid}", "")
    account = AccountDTO(0, uid, "web", f"user:{uid}", None, actor.language)
    return Ctx(session, incoming, account, actor, now, config, None)


Handler = Callable[[Visit], Awaitable[Response]]
Action = Callable[[Visit, FormData], Awaitable[Response]]
View = Callable[..., Awaitable[Response]]


def path_id(request: Request, name: str = "item_id") -> int:
    """A number in the path; anything else is a page that does not exist."""
    raw = str(request.path_params.get(name, ""))
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound()
    return int(raw)


def web_of(request: Request) -> Web:
    found: Web = request.app.state.web
    return found


def address(request: Request) -> str:
    return request.client.host if request.client else "?"


async def _visit(request: Request, session: AsyncSession, narrow_ok: bool) -> Visit | Response:
    web = web_of(request)
    now = web.clock()
    cookie = request.cookies.get(COOKIE, "")
    found = await webaccess.current(session, cookie, now, web.config.root_admins)
    lang = web.config.default_language
    if found is None:
        return web.render("signin.html", lang, 401)
    signed, actor = found
    if signed.narrow and not narrow_ok:
        return web.refuse(lang, "web.narrow", 403)
    key = await web.site_key(session)
    return Visit(
        web, request, session, now, actor, signed, webaccess.form_token(key, signed.token_hash)
    )


def page(narrow_ok: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A page for a signed-in person (a narrow session only where `narrow_ok`), read in a
    read-only transaction: on SQLite it takes no write lock and waits for no writer."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            sessions = web_of(request).sessions
            async with sessions() as session:  # a page reads: a snapshot, beside the writers
                await session.connection(execution_options=READ_ONLY)
                visit = await _visit(request, session, narrow_ok)
                if not isinstance(visit, Visit):
                    return visit
                try:
                    return await handler(visit)
                except DomainError as error:
                    return visit.web.refuse(visit.lang, error.key, status_of(error), **error.params)

        return endpoint

    return wrap


def action(
    view: View, narrow_ok: bool = False
) -> Callable[[Action], Callable[[Request], Awaitable[Response]]]:
    """A form's target: the form token checked, the change committed once; a refusal shows
    `view` again with the message and what was typed."""

    def wrap(handler: Action) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            web = web_of(request)
            if int(request.headers.get("content-length") or 0) > FORM_LIMIT:
                return web.refuse(web.config.default_language, "web.too_large", 413)
            limits = {"max_files": 2, "max_fields": 50, "max_part_size": FORM_LIMIT}
            # The body is read before the writers' turn is taken: a photo coming slowly over a
            # phone's network holds up nobody else's change.
            async with (
                request.form(**limits) as form,
                writing(web.sessions),
                web.sessions() as session,
            ):
                visit = await _visit(request, session, narrow_ok)
                if not isinstance(visit, Visit):
                    return visit
                key = await web.site_key(session)
                given = str(form.get("csrf", ""))
                if not webaccess.form_token_ok(key, visit.signed.token_hash, given):
                    return web.refuse(visit.lang, "web.form_expired", 403)
                return await _run(visit, handler, view, form)

        return endpoint

    return wrap


async def _run(visit: Visit, handler: Action, view: View, form: FormData) -> Response:
    try:
        response = await handler(visit, form)
        await visit.session.commit()
    except DomainError as error:
        await visit.session.rollback()
        if isinstance(error, NotFound | NotAllowed):  # nothing of theirs to show again
            return visit.web.refuse(visit.lang, error.key, status_of(error), **error.params)
        message = visit.t(error.key, **error.params)
        try:
            return await view(visit, error=message, values=form, status=400)
        except DomainError as again:
            return visit.web.refuse(visit.lang, again.key, status_of(again), **again.params)
    if visit.notified:
        visit.web.queued()
    if visit._plan:
        visit.web.planned()
    return response


@dataclass(frozen=True)
class Download:
    """A file to make from what a page read: `make(*args)` gives its bytes."""

    name: str
    make: Callable[..., bytes]
    args: tuple[Any, ...]


MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def download(
    handler: Callable[[Visit], Awaitable[Download]],
) -> Callable[[Request], Awaitable[Response]]:
    """A file for a signed-in person: the data read as a page reads it, the file made in a
    worker thread after the transaction is closed (the loop and the database wait for no
    workbook or PDF)."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        sessions = web_of(request).sessions
        async with sessions() as session:
            await session.connection(execution_options=READ_ONLY)
            visit = await _visit(request, session, False)
            if not isinstance(visit, Visit):
                return visit
            try:
                wanted = await handler(visit)
            except DomainError as error:
                return visit.web.refuse(visit.lang, error.key, status_of(error), **error.params)
        data = await offload.run(wanted.make, *wanted.args)
        kind = wanted.name.rsplit(".", 1)[-1]
        disposition = f'attachment; filename="{wanted.name}"'
        return Response(data, media_type=MEDIA[kind], headers={"content-disposition": disposition})

    return endpoint


def status_of(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return 404
    return 403 if isinstance(error, NotAllowed) else 400


def back_to(path: str) -> RedirectResponse:
    """After a change, the page again (a reload does not send the form twice)."""
    return RedirectResponse(path, status_code=303)
