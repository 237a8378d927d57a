"""A local Zalo Bot Platform server for tests, shaped like the public API the bot uses.

`POST /bot<TOKEN>/<method>` with JSON; answers `{"ok": true, "result": …}` or
`{"ok": false, "error_code": …, "description": …}`. `getUpdates` long-polls for a short while
and returns one event, or `ok: false, error_code: 408` when idle. Texts over 2,000 characters
are refused as the platform refuses them. Faults on demand; blocked users; and a helper that
posts events to the bot's webhook with or without the right secret.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web

TOKEN = "3512345678901234567:zalo-TEST-secret-for-local-server"
TEXT_MAX = 2000


@dataclass
class Sent:
    chat_id: str
    text: str
    method: str = "sendMessage"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fault:
    method: str
    code: int
    description: str
    times: int
    status: int = 200
    after: int = 0  # calls of this method (to this chat) let through first
    chat: str | None = None  # only calls to this chat


class FakeZaloAPI:
    def __init__(self, token: str = TOKEN, poll_wait: float = 0.3, port: int = 0) -> None:
        self.token = token
        self.down = False  # every call answers 503, as a platform in trouble
        self.poll_wait = poll_wait
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: dict[str, list[Sent]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.blocked: set[str] = set()
        self.faults: list[Fault] = []
        self.webhook: dict[str, Any] | None = None
        self.polls = 0
        self.inbox: list[dict[str, Any]] = []  # what users sent, unwrapped
        self.journal: list[tuple[str, Any]] = []  # ("user", message id) | ("bot", Sent), in order
        self.message_ids = itertools.count(1)
        self.changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        params = dict(await request.json()) if request.can_read_body else {}
        self.calls.append((method, params))
        if self.down:
            return self._error(503, "Service Unavailable", 503)
        fault = self._fault(method, str(params.get("chat_id", "")))
        if fault is not None:
            return self._error(fault.code, fault.description, fault.status)
        handler = getattr(self, f"m_{method}", None)
        if handler is None:
            return self._error(404, f"unknown method {method}")
        answer = await handler(params)
        async with self.changed:
            self.changed.notify_all()
        return answer if isinstance(answer, web.Response) else self._ok(answer)

    def _fault(self, method: str, chat: str) -> Fault | None:
        for fault in self.faults:
            if fault.method != method or fault.times <= 0 or fault.chat not in (None, chat):
                continue
            if fault.after > 0:
                fault.after -= 1
                return None
            fault.times -= 1
            return fault
        return None

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str, status: int = 200) -> web.Response:
        body = {"ok": False, "error_code": code, "description": description}
        return web.json_response(body, status=status)

    async def m_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "3512345678901234567",
            "account_name": "bot.neuguong",
            "display_name": "Nêu Gương",
        }

    async def m_getUpdates(self, _params: dict[str, Any]) -> Any:
        self.polls += 1
        try:
            event = await asyncio.wait_for(self.events.get(), self.poll_wait)
        except TimeoutError:
            return self._error(408, "Request timeout")
        return event

    async def m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat, text = str(params.get("chat_id", "")), str(params.get("text", ""))
        if chat in self.blocked:
            return self._error(403, "The user has blocked the bot or has not followed it")
        if not 1 <= len(text) <= TEXT_MAX:
            return self._error(400, f"text must be 1-{TEXT_MAX} characters")
        sent = Sent(chat, text, "sendMessage", params)
        self.sent.setdefault(chat, []).append(sent)
        self.journal.append(("bot", sent))
        return {"message_id": f"m{next(self.message_ids)}", "date": int(time.time() * 1000)}

    async def m_sendPhoto(self, params: dict[str, Any]) -> Any:
        chat = str(params.get("chat_id", ""))
        if not str(params.get("photo", "")).startswith(("http://", "https://")):
            return self._error(400, "photo must be a URL")
        self.sent.setdefault(chat, []).append(
            Sent(chat, str(params.get("caption", "")), "sendPhoto", params)
        )
        return {"message_id": f"m{next(self.message_ids)}"}

    async def m_sendChatAction(self, _params: dict[str, Any]) -> bool:
        return True

    async def m_setWebhook(self, params: dict[str, Any]) -> Any:
        secret = str(params.get("secret_token", ""))
        if not 8 <= len(secret) <= 256:
            return self._error(400, "secret_token must be 8-256 characters")
        self.webhook = {"url": params.get("url"), "secret_token": secret}
        return {"url": params.get("url")}

    async def m_deleteWebhook(self, _params: dict[str, Any]) -> Any:
        self.webhook = None
        return {"url": ""}

    async def m_getWebhookInfo(self, _params: dict[str, Any]) -> Any:
        return self.webhook or {"url": ""}

    # --- the test's side ----------------------------------------------------------------
    def user(self, user_id: str, name: str) -> ZaloUser:
        return ZaloUser(self, user_id, name)

    def fail(
        self,
        method: str,
        code: int,
        description: str,
        times: int = 1,
        status: int = 200,
        after: int = 0,
        chat: str | None = None,
    ) -> None:
        self.faults.append(Fault(method, code, description, times, status, after, chat))

    def texts(self, chat: str) -> list[str]:
        return [s.text for s in self.sent.get(chat, [])]

    async def wait_for(self, predicate: Any, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        async with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for the bot")
                try:
                    await asyncio.wait_for(self.changed.wait(), left)
                except TimeoutError:
                    continue

    async def post_webhook(self, event: dict[str, Any], secret: str | None) -> int:
        """Deliver an event to the bot's webhook the way the platform does; the HTTP status."""
        assert self.webhook is not None, "no webhook set"
        headers = {"X-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with httpx.AsyncClient() as client:
            answer = await client.post(str(self.webhook["url"]), json=event, headers=headers)
        return answer.status_code


class ZaloUser:
    """A person chatting with the bot on Zalo."""

    counter = itertools.count(1)

    def __init__(self, api: FakeZaloAPI, user_id: str, name: str) -> None:
        self.api, self.id, self.name = api, user_id, name
        self.seen = 0

    def event(
        self, text: str, name: str = "message.text.received", wrap: bool = False
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "from": {"id": self.id, "display_name": self.name, "is_bot": False},
            "chat": {"id": self.id, "chat_type": "PRIVATE"},
            "message_id": f"u{self.id}-{next(self.counter)}",
            "date": int(time.time() * 1000),
        }
        if name == "message.text.received":
            message["text"] = text
        elif name == "message.image.received":
            message["photo"] = text
        event = {"event_name": name, "message": message}
        return {"ok": True, "result": event} if wrap else event

    async def send(self, text: str, wrap: bool = False) -> dict[str, Any]:
        event = self.event(text, wrap=wrap)
        await self._put(event)
        return event

    async def send_event(self, name: str, value: str = "") -> None:
        await self._put(self.event(value, name))

    async def _put(self, event: dict[str, Any]) -> None:
        bare = event.get("result", event)
        self.api.inbox.append(bare)
        self.api.journal.append(("user", bare["message"]["message_id"]))
        if self.api.webhook is not None:  # as the platform does: posted, one after another
            status = await self.api.post_webhook(event, self.api.webhook.get("secret_token"))
            assert status == 200, status
            return
        await self.api.events.put(event)

    async def expect(self, count: int = 1, within: float = 10.0) -> list[str]:
        target = self.seen + count
        try:
            await self.api.wait_for(lambda: len(self.api.sent.get(self.id, [])) >= target, within)
        except AssertionError:
            tail = self.api.texts(self.id)[self.seen :]
            raise AssertionError(f"zalo {self.id}: wanted {count} new, got {tail}") from None
        got = self.api.texts(self.id)[self.seen : target]
        self.seen = target
        return got

    async def reply(self, within: float = 10.0) -> str:
        return (await self.expect(1, within))[0]
