"""The web app's routes and the headers every answer carries."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web import (
    approvals,
    audit,
    campaigns,
    console,
    desk,
    honours,
    imports,
    joining,
    member,
    photos,
    settings,
    signin,
    tree,
)
from bot.web.boundary import Web

HERE = Path(__file__).parent
TELEGRAM_ORIGINS = "https://web.telegram.org https://*.telegram.org"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    f"frame-ancestors 'self' {TELEGRAM_ORIGINS}"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"permissions-policy", b"geolocation=(), microphone=()"),
]


def pages() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(("html",)),
        auto_reload=False,
    )


class SecurityHeaders:
    """The same headers on every answer; pages are never cached (they are personal)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def health(_request: Request) -> Response:
    return PlainTextResponse("ok")


def routes() -> list[Route | Mount]:
    return [
        Route("/", member.home),
        Route("/healthz", health),
        Route("/s/{token}", signin.signin_link),
        Route("/r/{token}", signin.reminder_link),
        Route("/signout", signin.sign_out, methods=["POST"]),
        Route("/tg", signin.miniapp),
        Route("/tg/signin", signin.miniapp_signin, methods=["POST"]),
        Route("/report", member.report_list),
        Route("/report/{item_id}", member.report_item),
        Route("/report/{item_id}", member.report_save, methods=["POST"]),
        Route("/progress", member.progress),
        Route("/commitment", member.commitment),
        Route("/commitment/items", member.item_add, methods=["POST"]),
        Route("/commitment/items/{item_id}", member.item_edit, methods=["POST"]),
        Route("/commitment/items/{item_id}/delete", member.item_delete, methods=["POST"]),
        Route("/commitment/pledge", member.pledge_page),
        Route("/commitment/pledge", member.pledge, methods=["POST"]),
        Route("/commitment/submit", member.submit, methods=["POST"]),
        Route("/photo/{photo_id}", photos.photo),
        Route("/settings", settings.settings_page),
        Route("/settings/profile", settings.profile, methods=["POST"]),
        Route("/settings/language", settings.language, methods=["POST"]),
        Route("/settings/reminders", settings.reminders, methods=["POST"]),
        Route("/settings/pause", settings.pause, methods=["POST"]),
        Route("/settings/snooze", settings.snooze, methods=["POST"]),
        Route("/desk", desk.desk_home),
        Route("/desk/{unit_id}", desk.unit_desk),
        Route("/desk/{unit_id}/nudge", desk.nudge_unit, methods=["POST"]),
        Route("/desk/{unit_id}/meeting", desk.meeting_day, methods=["POST"]),
        Route("/desk/{unit_id}/print.{kind:str}", desk.print_file),
        Route("/desk/{unit_id}/week.xlsx", desk.week_file),
        Route("/desk/{unit_id}/models", desk.models_page),
        Route("/desk/{unit_id}/models", desk.model_add, methods=["POST"]),
        Route("/desk/{unit_id}/models/submit", desk.model_submit, methods=["POST"]),
        Route("/desk/member/{member_id}", desk.member_card),
        Route("/desk/member/{member_id}/nudge", desk.nudge_member, methods=["POST"]),
        Route("/desk/member/{member_id}/record", desk.record_for, methods=["POST"]),
        Route("/desk/member/{member_id}/exempt", desk.exempt, methods=["POST"]),
        Route("/desk/member/{member_id}/propose", desk.propose, methods=["POST"]),
        Route("/approvals", approvals.waiting_list),
        Route("/approvals", approvals.approve_picked, methods=["POST"]),
        Route("/approvals/{commitment_id}", approvals.one),
        Route("/approvals/{commitment_id}", approvals.decide, methods=["POST"]),
        Route("/console", console.console_home),
        Route("/console/search", console.search),
        Route("/console/stats/{unit_id:int}", console.unit_stats),
        Route("/console/stats/{unit_id:int}.xlsx", console.stats_file),
        Route("/console/tree/{unit_id:int}", tree.unit_page),
        Route("/console/tree/{unit_id:int}/rename", tree.rename, methods=["POST"]),
        Route("/console/tree/{unit_id:int}/ask", tree.ask, methods=["POST"]),
        Route("/console/tree/{unit_id:int}/confirm", tree.confirm, methods=["POST"]),
        Route("/console/campaigns/{unit_id:int}", campaigns.campaigns_page),
        Route("/console/campaigns/{unit_id:int}", campaigns.open_year, methods=["POST"]),
        Route(
            "/console/campaigns/{unit_id:int}/{campaign_id:int}",
            campaigns.change,
            methods=["POST"],
        ),
        Route(
            "/console/campaigns/{unit_id:int}/{campaign_id:int}/close",
            campaigns.close,
            methods=["POST"],
        ),
        Route("/console/honours", honours.honours_page),
        Route("/console/honours/{honour_id:int}", honours.decide, methods=["POST"]),
        Route("/console/audit", audit.log),
        Route("/console/audit.xlsx", audit.export),
        Route("/console/import", imports.import_page),
        Route("/console/import", imports.check, methods=["POST"]),
        Route("/console/import/template.xlsx", imports.template_file),
        Route("/console/import/{upload_id:int}", imports.apply, methods=["POST"]),
        Route("/console/import/{upload_id:int}/plan.xlsx", imports.plan_file),
        Route("/console/import/{upload_id:int}/links.xlsx", imports.links_file),
        Route("/console/broadcasts", console.announcements),
        Route("/console/broadcasts", console.send, methods=["POST"]),
        Route("/console/broadcasts/preview", console.preview, methods=["POST"]),
        Route("/console/broadcasts/{broadcast_id:int}", console.delivery),
        Route("/console/broadcasts/{broadcast_id:int}/cancel", console.cancel, methods=["POST"]),
        Route("/join/{token}", joining.join_page),
        Route("/join/{token}", joining.join, methods=["POST"]),
        Route("/welcome", joining.welcome),
        Route("/link", joining.link_code, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def make_app(web: Web) -> Starlette:
    app = Starlette(
        routes=routes(),
        middleware=[Middleware(SecurityHeaders), Middleware(GZipMiddleware, minimum_size=500)],
        exception_handlers={404: _not_found, 405: _not_found},
    )
    app.state.web = web
    return app


async def _not_found(request: Request, _exc: Exception) -> Response:
    web: Web = request.app.state.web
    return web.refuse(web.config.default_language, "web.no_page", 404)
