"""A local Telegram Bot API server for tests: a real HTTP server on 127.0.0.1.

It implements the methods the bot uses, keeps a transcript per chat (messages sent and edits),
lets a test type as a user and press buttons, and can be told to fail: 429 with retry_after,
403 "bot was blocked by the user", 5xx, or a delay.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
    "media",
}
INT_FIELDS = {"offset", "limit", "timeout", "message_id", "retry_after"}
SENDING = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "sendMediaGroup"}


CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance"
    " is running"
)


@dataclass
class Event:
    """One thing the user sees arrive: a new message, or an edit of an earlier one."""

    kind: str  # "send" or "edit"
    chat_id: int
    message_id: int
    text: str
    markup: dict[str, Any] | None
    method: str = "sendMessage"
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    @property
    def keyboard(self) -> list[str] | None:
        """Reply-keyboard labels, [] when the keyboard is removed, None when untouched."""
        if self.markup is None:
            return None
        if self.markup.get("remove_keyboard"):
            return []
        rows = self.markup.get("keyboard")
        if rows is None:
            return None
        return [b["text"] if isinstance(b, dict) else b for row in rows for b in row]


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass
class Fault:
    method: str
    status: int
    times: int
    retry_after: int | None = None
    description: str = ""
    delay: float = 0.0
    chat: int | None = None  # only requests to this chat


class FakeBotAPI:
    def __init__(
        self,
        token: str = "123456789:TEST-token-for-local-server-abcdef",
        username: str = "neuguong_test_bot",
    ) -> None:
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":")[0])
        self.updates: list[dict[str, Any]] = []
        self.offset = 0
        self.update_ids = itertools.count(1000)
        self.message_ids: dict[int, itertools.count[int]] = {}
        self.events: dict[int, list[Event]] = {}
        self.messages: dict[tuple[int, int], Event] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.blocked: set[int] = set()
        self.delays: dict[str, float] = {}
        self.polls = 0
        self.draining = False
        self.pushed: dict[int, dict[str, Any]] = {}
        self.chaos: dict[str, tuple[float, float, float]] = {}  # method -> (p5xx, p_slow, delay)
        self.rng = random.Random(7)
        self.files: dict[str, bytes] = {}  # file id -> what a user uploaded (getFile serves it)
        self.rate_limit: float = 0.0  # answer 429 above this many sendMessage calls a second
        self.chat_rate: float = 0.0  # answer 429 to a chat written to within this many seconds
        self._last_in_chat: dict[int, float] = {}
        self.conflicts = 0  # 409s answered to overlapping pollers
        self.on_bot_message: Any = None  # called with the chat id of each message the bot sends
        self.record_calls = True  # benchmarks sending 150,000 messages keep no call log
        self._poll_generation = 0
        self._recent: deque[float] = deque()
        self.journal: list[tuple[int, str, Any]] = []  # (chat, "user"|"bot", what), in order
        self.changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- server -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.*}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        params = await self._params(request)
        if self.record_calls:
            self.calls.append((method, params))
        refusal = await self._refusal(method, params)
        if refusal is not None:
            async with self.changed:  # a test may be waiting to see the refused call
                self.changed.notify_all()
            return refusal
        handler = getattr(self, f"m_{method}", None)
        if handler is None:
            return self._error(404, f"Not Found: method {method} is not in the local server")
        p5xx, p_slow, delay = self.chaos.get(method, (0.0, 0.0, 0.0))
        roll = self.rng.random()
        if roll < p5xx:
            return self._error(500, "Internal Server Error")
        try:
            result = await handler(params)
        except ApiError as error:
            return self._error(error.status, error.description)
        if roll < p5xx + p_slow:
            await asyncio.sleep(delay)  # done, but the answer comes too late for the client
        async with self.changed:
            self.changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    async def m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    async def _refusal(self, method: str, params: dict[str, Any]) -> web.Response | None:
        """Faults the test asked for, delays, rate limits and blocked chats."""
        fault = self._fault(method, params.get("chat_id"))
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status:
                return self._error(fault.status, fault.description, fault.retry_after)
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        limited = self._rate_limited(method) or self._chat_limited(method, params)
        if limited is not None:
            return limited
        chat = params.get("chat_id")
        if method in SENDING and chat is not None and int(chat) in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        return None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        raw = dict(request.query)
        if request.method == "POST":
            form = await request.post()
            for key, value in form.items():
                raw[key] = value if isinstance(value, str) else value  # FileField kept as is
        return {k: self._decode(k, v) for k, v in raw.items()}

    @staticmethod
    def _decode(key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if key in JSON_FIELDS:
            return json.loads(value)
        if key in INT_FIELDS or key == "chat_id" and value.lstrip("-").isdigit():
            return int(value)
        return value

    def _rate_limited(self, method: str) -> web.Response | None:
        """Like Telegram: more than `rate_limit` sends in the last second earns a 429."""
        if not self.rate_limit or method != "sendMessage":
            return None
        now = time.monotonic()
        while self._recent and now - self._recent[0] > 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.rate_limit:
            self.too_many = getattr(self, "too_many", 0) + 1
            return self._error(429, "Too Many Requests: retry after 1", 1)
        self._recent.append(now)
        return None

    def _chat_limited(self, method: str, params: dict[str, Any]) -> web.Response | None:
        """Like Telegram: more than one message a second to one chat earns that chat a 429."""
        chat = params.get("chat_id")
        if not self.chat_rate or method not in SENDING or chat is None:
            return None
        now, key = time.monotonic(), int(chat)
        if now - self._last_in_chat.get(key, -1e9) < self.chat_rate:
            self.too_many = getattr(self, "too_many", 0) + 1
            self.too_many_in_chat = getattr(self, "too_many_in_chat", 0) + 1
            return self._error(429, "Too Many Requests: retry after 1", 1)
        self._last_in_chat[key] = now
        return None

    def _fault(self, method: str, chat: Any = None) -> Fault | None:
        for fault in self.faults:
            wrong_chat = fault.chat is not None and (chat is None or int(chat) != fault.chat)
            if fault.times > 0 and fault.method in (method, "*") and not wrong_chat:
                fault.times -= 1
                return fault
        return None

    @staticmethod
    def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    # --- Bot API methods --------------------------------------------------------------------
    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Nêu Gương",
            "username": self.username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def m_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_user()

    async def m_deleteWebhook(self, _params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def m_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    async def m_setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = (params.get("scope") or {"type": "default"})["type"]
        self.commands[(scope, params.get("language_code", ""))] = params["commands"]
        return True

    async def m_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = (params.get("scope") or {"type": "default"})["type"]
        return self.commands.get((scope, params.get("language_code", "")), [])

    async def m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling, as Telegram does it: a second poller's request ends the first one's
        with 409 Conflict ("terminated by other getUpdates request")."""
        self.polls += 1
        self._poll_generation += 1
        mine = self._poll_generation
        found = await self._poll(params, mine)
        if mine != self._poll_generation:  # another poller came meanwhile: this one ends
            self.conflicts += 1
            raise ApiError(409, CONFLICT)
        return found

    async def _poll(self, params: dict[str, Any], mine: int) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        if offset:
            self.offset = max(self.offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout", 0) or 0)
        async with self.changed:
            self.changed.notify_all()
            while (
                not self.updates
                and not self.draining
                and mine == self._poll_generation
                and time.monotonic() < deadline
            ):
                try:
                    await asyncio.wait_for(self.changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
        return list(self.updates[: int(params.get("limit", 100) or 100)])

    def _message(
        self, chat_id: int, text: str, markup: Any, from_bot: bool = True
    ) -> dict[str, Any]:
        counter = self.message_ids.setdefault(chat_id, itertools.count(1))
        message_id = next(counter)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "User"},
            "text": text,
        }
        if from_bot:
            message["from"] = self._bot_user()
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    async def m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup")
        message = self._message(chat_id, params["text"], markup)
        event = Event(
            "send", chat_id, message["message_id"], params["text"], markup, "sendMessage", params
        )
        self.events.setdefault(chat_id, []).append(event)
        self.messages[(chat_id, message["message_id"])] = event
        self.journal.append((chat_id, "bot", event))
        if self.on_bot_message is not None:
            self.on_bot_message(chat_id)
        return message

    async def m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._file_message("sendPhoto", "photo", params)

    async def m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._file_message("sendDocument", "document", params)

    def _file_message(self, method: str, field_name: str, params: dict[str, Any]) -> dict[str, Any]:
        """A photo or document upload: the event's text is the caption; the bytes are kept in
        params["data"] and the name in params["file_name"] for the test to open."""
        chat_id = int(params["chat_id"])
        upload = params.get(field_name)
        if isinstance(upload, str) and upload.startswith(("PHOTO-", "DOC-")):
            # a file a user sent before, sent on by its id
            kept = {**params, field_name: None, "data": None, "file_id": upload}
        elif upload is None or isinstance(upload, str):
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        else:
            data = upload.file.read()
            kept = {**params, field_name: None, "data": data, "file_name": upload.filename}
        markup = params.get("reply_markup")
        caption = params.get("caption", "")
        message = self._message(chat_id, caption, markup)
        message.pop("text")
        message["caption"] = caption
        event = Event("send", chat_id, message["message_id"], caption, markup, method, kept)
        self.events.setdefault(chat_id, []).append(event)
        self.messages[(chat_id, message["message_id"])] = event
        self.journal.append((chat_id, "bot", event))
        if self.on_bot_message is not None:
            self.on_bot_message(chat_id)
        return message

    async def m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        if (chat_id, message_id) not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        event = Event(
            "edit", chat_id, message_id, params["text"], markup, "editMessageText", params
        )
        self.events.setdefault(chat_id, []).append(event)
        self.messages[(chat_id, message_id)] = event
        self.journal.append((chat_id, "bot", event))
        if self.on_bot_message is not None:
            self.on_bot_message(chat_id)
        message = self._message(chat_id, params["text"], markup)
        message["message_id"] = message_id
        return message

    async def m_answerCallbackQuery(self, _params: dict[str, Any]) -> bool:
        return True

    # --- what a test does as a user ---------------------------------------------------------
    def user(self, user_id: int, first_name: str, language_code: str = "vi") -> FakeUser:
        return FakeUser(self, user_id, first_name, language_code)

    async def push(self, update: dict[str, Any]) -> int:
        update_id = next(self.update_ids)
        update["update_id"] = update_id
        self.pushed[update_id] = update
        async with self.changed:
            self.updates.append(update)
            self.changed.notify_all()
        return update_id

    async def redeliver(self, update_id: int) -> None:
        """Send an update again with its old id, as Telegram does after an unacknowledged poll."""
        async with self.changed:
            self.updates.append(dict(self.pushed[update_id]))
            self.changed.notify_all()

    async def wait_for(self, predicate: Any, within: float = 10.0) -> None:
        """Wait until predicate() holds; the server wakes us on every request it answers."""
        deadline = time.monotonic() + within
        async with self.changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("the bot did not do what the test waited for")
                try:
                    await asyncio.wait_for(self.changed.wait(), remaining)
                except TimeoutError:
                    continue

    async def wait_polling(self, within: float = 20.0) -> None:
        await self.wait_for(lambda: self.polls > 0, within)

    async def wait_handled(self, update_id: int, within: float = 10.0) -> None:
        """Until the bot acknowledged the update (asked for updates past it)."""
        await self.wait_for(lambda: self.offset > update_id, within)

    async def release_polls(self) -> None:
        """Answer pending long polls at once (the bot is being stopped)."""
        self.draining = True
        async with self.changed:
            self.changed.notify_all()

    async def resume_polls(self) -> None:
        self.draining = False

    def transcript(self, chat_id: int) -> list[Event]:
        return list(self.events.get(chat_id, []))

    def fail(
        self,
        method: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        description: str = "Internal Server Error",
        delay: float = 0.0,
        chat: int | None = None,
    ) -> None:
        self.faults.append(Fault(method, status, times, retry_after, description, delay, chat))


class FakeUser:
    """A person in a private chat with the bot."""

    def __init__(self, api: FakeBotAPI, user_id: int, first_name: str, language_code: str) -> None:
        self.api = api
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.seen = 0

    def _from(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    async def send(self, text: str) -> int:
        """Type a message (a command if it starts with /)."""
        self.api.journal.append((self.id, "user", f"gõ: {text}"))
        message = self.api._message(self.id, text, None, from_bot=False)
        message["from"] = self._from()
        message["chat"]["first_name"] = self.first_name
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}
            ]
        return await self.api.push({"message": message})

    async def send_sticker(self) -> int:
        message = self.api._message(self.id, "", None, from_bot=False)
        del message["text"]
        message["from"] = self._from()
        message["sticker"] = {
            "file_id": "STK",
            "file_unique_id": "STKU",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return await self.api.push({"message": message})

    async def send_photo(self, caption: str | None = None) -> int:
        """Send a picture (Telegram gives several sizes)."""
        self.api.journal.append((self.id, "user", "gửi ảnh"))
        message = self._bare()
        if caption is not None:
            message["caption"] = caption
        message["photo"] = [
            {"file_id": f"PHOTO-S-{self.id}", "file_unique_id": "ps", "width": 90, "height": 90},
            {"file_id": f"PHOTO-L-{self.id}", "file_unique_id": "pl", "width": 1280, "height": 960},
        ]
        return await self.api.push({"message": message})

    async def send_document(
        self, name: str, mime_type: str, data: bytes | None = None, caption: str | None = None
    ) -> int:
        """Send a file; with `data`, the bot can fetch it (getFile and the file URL)."""
        self.api.journal.append((self.id, "user", f"gửi tệp {name}"))
        message = self._bare()
        file_id = f"DOC-{name}"
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u-{name}",
            "file_name": name,
            "mime_type": mime_type,
        }
        if data is not None:
            self.api.files[file_id] = data
            message["document"]["file_size"] = len(data)
        if caption is not None:
            message["caption"] = caption
        return await self.api.push({"message": message})

    def _bare(self) -> dict[str, Any]:
        message = self.api._message(self.id, "", None, from_bot=False)
        del message["text"]
        message["from"] = self._from()
        return message

    async def press(
        self, label: str | None = None, data: str | None = None, event: Event | None = None
    ) -> int:
        """Press a button (by its label or data) on the latest message that has it."""
        target = event or self._find(label, data)
        found = [
            d
            for t, d in target.buttons
            if (label is None or t == label) and (data is None or d == data)
        ]
        payload = data if data is not None else (found[0] if found else None)
        if payload is None:
            raise AssertionError(f"no button {label!r} on: {target.text!r} {target.buttons}")
        shown = next((t for t, d in target.buttons if d == payload), payload)
        self.api.journal.append((self.id, "user", f"bấm [{shown}]"))
        message = self.api._message(self.id, target.text, target.markup)
        message["message_id"] = target.message_id
        query = {
            "id": f"cq{self.id}{len(self.api.calls)}",
            "from": self._from(),
            "message": message,
            "chat_instance": f"ci{self.id}",
            "data": payload,
        }
        return await self.api.push({"callback_query": query})

    def _find(self, label: str | None, data: str | None) -> Event:
        for event in reversed(self.api.transcript(self.id)):
            if any(
                (label is None or t == label) and (data is None or d == data)
                for t, d in event.buttons
            ):
                return event
        raise AssertionError(f"no message in chat {self.id} has the button {label!r}/{data!r}")

    async def expect(self, count: int = 1, within: float = 10.0) -> list[Event]:
        """The next `count` things this user sees (new messages or edits)."""
        target = self.seen + count
        try:
            await self.api.wait_for(lambda: len(self.api.events.get(self.id, [])) >= target, within)
        except AssertionError:
            tail = [e.text[:120] for e in self.api.events.get(self.id, [])[self.seen :]]
            raise AssertionError(f"chat {self.id}: wanted {count} new, got {tail}") from None
        got = self.api.events[self.id][self.seen : target]
        self.seen = target
        return got

    async def reply(self, within: float = 10.0) -> Event:
        return (await self.expect(1, within))[0]

    def unseen(self) -> list[Event]:
        return self.api.events.get(self.id, [])[self.seen :]

    @property
    def last(self) -> Event:
        return self.api.events[self.id][-1]
