"""Zalo's webhook: our own small server (tornado, which python-telegram-bot's webhook extra
brings). The platform sends the secret we gave it in `X-Bot-Api-Secret-Token`; it is compared
in constant time and a request without it is refused with nothing done. The answer is
immediate; the event is handled after it, and a repeated event (same message id) is handled
once, by the runtime's claim on the update."""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Any
from urllib.parse import quote

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.zalo.adapter import ZaloBot
from bot.zalo.files import FileLinks

log = logging.getLogger(__name__)
HEADER = "X-Bot-Api-Secret-Token"
BODY_MAX = 1024 * 1024


class ZaloWebhook:
    def __init__(
        self,
        bot: ZaloBot,
        secret: str,
        listen: str,
        port: int,
        path: str = "/zalo",
        links: FileLinks | None = None,
    ):
        self.links = links
        self.bot = bot
        self.secret = secret
        self.listen = listen
        self.port = port
        self.path = path
        self.server: HTTPServer | None = None

    async def start(self) -> None:
        routes: list[Any] = [(self.path, _Handler, {"hook": self})]
        if self.links is not None:
            routes.append(
                (self.path + r"/files/([A-Za-z0-9_-]{16,64})/[^/]*", _File, {"links": self.links})
            )
        app = Application(routes, log_function=_access)
        self.server = app.listen(self.port, address=self.listen, max_body_size=BODY_MAX)
        if self.port == 0:  # tests ask for any free port
            sockets = list(self.server._sockets.values())  # noqa: SLF001 - tornado keeps them
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        await self.bot.drain()

    def accepts(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.secret.encode())

    def take(self, payload: Any) -> None:
        """Handled after the answer, in order for each person (bot/ordering.py)."""
        self.bot.take(payload)


SECRET_PART = re.compile(r"/files/[^/]+/")


def _access(handler: RequestHandler) -> None:
    """Tornado's access line without the file links' secret part (they are keys)."""
    request = handler.request
    path = SECRET_PART.sub("/files/…/", request.path)
    log.debug("%s %s %s %.1f ms", handler.get_status(), request.method, path,
              1000 * request.request_time())  # fmt: skip


class _File(RequestHandler):
    """A chart or spreadsheet by its link, while the link lasts (404 after, or if unknown)."""

    links: FileLinks

    def initialize(self, links: FileLinks) -> None:
        self.links = links

    async def get(self, token: str) -> None:
        found = await self.links.fetch(token)
        if found is None:
            self.set_status(404)
            self.finish()
            return
        name, mime, data = found
        self.set_header("Content-Type", mime)
        self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(name)}")
        self.set_header("Cache-Control", "private, max-age=3600")
        self.finish(data)


class _Handler(RequestHandler):
    hook: ZaloWebhook

    def initialize(self, hook: ZaloWebhook) -> None:
        self.hook = hook

    def post(self) -> None:
        if not self.hook.accepts(self.request.headers.get(HEADER)):
            log.warning("zalo webhook: wrong or missing secret from %s", self.request.remote_ip)
            self.set_status(403)
            self.finish({"ok": False})
            return
        try:
            payload = json.loads(self.request.body or b"null")
        except ValueError:
            self.set_status(400)
            self.finish({"ok": False})
            return
        self.hook.take(payload)
        self.finish({"ok": True})
