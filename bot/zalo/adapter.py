"""Zalo events in, screens out: the same runtime and flows as Telegram.

Events look like `{"event_name": "message.text.received", "message": {"from": {"id": "6ede…",
"display_name": …}, "chat": {"id": …, "chat_type": "PRIVATE"}, "text": …, "message_id": …,
"date": <ms>}}`, sometimes wrapped in `{"ok": true, "result": …}`; both are accepted. Events
this bot does not know are ignored; content Zalo withholds gets a polite answer.

Zalo has no buttons and no editing: a screen's choices become numbered lines (bot/numbered.py)
remembered per chat, an answer is matched back to its choice, an edit is a new message, and a
file is announced in words (the platform takes only photo links).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx

from bot.context import Incoming
from bot.i18n import t
from bot.numbered import Option, listed, match, render
from bot.ordering import InOrder
from bot.runtime import Runtime
from bot.screens import Outcome as Answer
from bot.screens import Screen
from bot.zalo.choices import Choices
from bot.zalo.client import TEXT_MAX, ZaloClient, ZaloError
from bot.zalo.files import FileLinks, attach
from bot.zalo.outbound import ZaloChannel
from domain.invites import token_in
from jobs.channel import Outcome
from jobs.limits import Limiter, Limits

log = logging.getLogger(__name__)
CHANNEL = "zalo"
REPLY_ATTEMPTS = 4
INVITE = re.compile(r"^(?:/start\s+)?([A-Za-z0-9_-]{32})$")  # a link's token, typed or pasted
CONTENT = {
    "message.image.received": "photo",
    "message.sticker.received": "sticker",
    "message.voice.received": "voice",
    "message.unsupported.received": "unsupported",
}


def unwrap(payload: Any) -> dict[str, Any] | None:
    if isinstance(payload, dict) and "result" in payload and "ok" in payload:
        payload = payload["result"]
    return payload if isinstance(payload, dict) else None


def update_number(message_id: str) -> int:
    """Zalo's message ids are strings; the claim table keys updates by a 60-bit number."""
    return int(hashlib.sha256(f"zalo:{message_id}".encode()).hexdigest()[:15], 16)


def to_incoming(payload: Any) -> Incoming | None:
    """The parts of an event the flows use; None for what the bot ignores."""
    event = unwrap(payload)
    message = event.get("message") if event else None
    if event is None or not isinstance(message, dict):
        return None
    sender = _part(message, "from")
    chat = _part(message, "chat")
    user_id = str(sender.get("id") or "")
    message_id = str(message.get("message_id") or "")
    if not user_id or not message_id or chat.get("chat_type", "PRIVATE") != "PRIVATE":
        return None
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "update_id": update_number(message_id),
        "external_id": user_id,
        "chat_id": str(chat.get("id") or user_id),
        "display_name": str(sender.get("display_name") or sender.get("name") or "")[:200],
    }
    name = event.get("event_name")
    if name == "message.text.received":
        return Incoming(**base, **_text_parts(str(message.get("text") or "")))
    if name in CONTENT:
        photo = message.get("photo") if name == "message.image.received" else None
        return Incoming(
            **base,
            content=CONTENT[str(name)],
            file_id=str(photo) if photo else None,
            mime_type="image/jpeg" if photo else None,
            caption=str(message.get("caption") or "") or None,
        )
    return None  # an event this bot does not know (yet): ignored safely


def _part(message: dict[str, Any], name: str) -> dict[str, Any]:
    found = message.get(name)
    return found if isinstance(found, dict) else {}


def _text_parts(text: str) -> dict[str, Any]:
    text = text.strip()
    token = token_in(text)
    if token and (INVITE.match(text) or "://" in text):  # the token, or a pasted invite link
        return {"command": "start", "args": token}
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        return {"command": head.lower(), "args": args.strip()}
    return {"text": text}


Rendered = tuple[list[str], list[Option], str | None]  # parts, choices, a photo's link


class ZaloBot:
    """Receives events (long polling or webhook), runs them, shows the outcome."""

    def __init__(
        self,
        client: ZaloClient,
        runtime: Runtime,
        choices: Choices,
        links: FileLinks | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self.links = links
        self.client = client
        self.runtime = runtime
        self.choices = choices
        self.limiter = limiter or Limiter(Limits(0))
        self.order = InOrder()
        self.tasks: set[asyncio.Task[None]] = set()

    def take(self, payload: Any) -> None:
        """An event from the webhook or the poller: handled in its own task, after the same
        person's earlier events and beside everyone else's."""
        incoming = to_incoming(payload)
        if incoming is None:
            return
        task = asyncio.create_task(self.order.run(incoming.external_id, self._safely(incoming)))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _safely(self, incoming: Incoming) -> None:
        try:
            await self._process(incoming)
        except Exception:  # one bad event must not stop the channel; it is logged
            log.exception("zalo event failed")

    async def drain(self) -> None:
        """Wait for the events in hand (stopping)."""
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def handle(self, payload: Any) -> None:
        """One event, now (tests); the networks use `take`."""
        incoming = to_incoming(payload)
        if incoming is not None:
            await self._process(incoming)

    async def _process(self, incoming: Incoming) -> None:
        incoming, shown = await self._resolve(incoming)
        outcome = await self.runtime.handle(incoming)
        await self._show_outcome(incoming.chat_id, outcome, shown)

    async def _resolve(self, incoming: Incoming) -> tuple[Incoming, list[Option]]:
        """A typed answer to numbered choices becomes the choice it names."""
        shown = await self.choices.shown(incoming.chat_id)
        if incoming.text is None or not shown:
            return incoming, shown
        picked = match(incoming.text, shown)
        if picked is None:
            return replace(incoming, pending_choices=True), shown
        if picked.data is not None:
            return replace(incoming, text=None, callback=picked.data), shown
        return replace(incoming, text=picked.text or picked.label), shown

    async def _show_outcome(self, chat_id: str, outcome: Answer, shown: list[Option]) -> None:
        """Send the answer; its choices become the chat's once it has arrived (this person's
        next event waits for this one, so the answer cannot outrun them). A last screen
        that asks nothing shows the home menu: Zalo keeps no keyboard between messages."""
        again = (outcome.refusal or outcome.repeat_choices) and bool(shown)
        screens = list(outcome.replies)
        if screens and not again and outcome.home and not _offers(screens[-1]):
            screens[-1] = replace(screens[-1], menu=outcome.home)
        rendered = [await self._render(screen, outcome.language) for screen in screens]
        arrived = await self._send_all(chat_id, rendered)
        if rendered and arrived and not again:
            await self.choices.show(chat_id, rendered[-1][1])
        if again:
            await self._repeat(chat_id, shown, outcome.language)

    async def _render(self, screen: Screen, lang: str) -> Rendered:
        parts, options = render(screen, lang, TEXT_MAX)
        photo = await attach(parts, screen.attachment, self.links, lang)
        return parts, options, photo

    async def _send_all(self, chat_id: str, rendered: list[Rendered]) -> bool:
        """Send every part in order; False when one did not arrive (the rest are not sent:
        a message missing its middle would mislead)."""
        for parts, _options, photo in rendered:
            for part in parts:
                if not await self._send(chat_id, part):
                    return False
            if photo is not None:
                try:
                    await self.client.send_photo(chat_id, photo)
                except (ZaloError, httpx.HTTPError) as error:
                    log.warning("sending a photo to zalo chat %s failed: %s", chat_id, error)
        return True

    async def _repeat(self, chat_id: str, shown: list[Option], lang: str) -> None:
        await self._send(chat_id, t(lang, "numbered.again") + "\n\n" + listed(shown))

    async def _send(self, chat_id: str, text: str) -> bool:
        """A reply: ahead of the outbox in the shared budget, retried on a 429, a 5xx (Zalo
        answers 403 for its own errors too) or a failure before sending. True once it went;
        one that still fails is logged."""
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            taken = await self.limiter.wait(chat_id, reply=True)
            try:
                result = await ZaloChannel.call(self.client.send_message(chat_id, text))
            finally:
                self.limiter.answered(taken)
            if result.outcome is Outcome.SENT:
                self.limiter.succeeded()
                return True
            if result.outcome is Outcome.RATE_LIMITED:
                self.limiter.rate_limited(chat_id, result.retry_after)
            elif result.outcome is not Outcome.RETRY or attempt == REPLY_ATTEMPTS:
                log.warning("the answer to zalo chat %s was not sent: %s", chat_id, result.reason)
                return False
            await asyncio.sleep(min(0.5 * 2**attempt, 8.0))
        return False

    async def poll(
        self,
        stop: asyncio.Event,
        wait: int = 30,
        report: Callable[[str, str], None] = lambda *_: None,
    ) -> None:
        """Long polling until `stop`; errors back off and are retried, never fatal, and are
        reported (state, error) as they begin and end."""
        delay = 1.0
        while not stop.is_set():
            try:
                events = await self.client.get_updates(wait)
                if delay > 1.0:
                    report("up", "")
                delay = 1.0
            except (ZaloError, httpx.HTTPError) as error:
                log.warning("zalo getUpdates failed: %s", error)
                report("down", f"{type(error).__name__}: {error}")
                await _sleep(stop, delay)
                delay = min(delay * 2, 60.0)
                continue
            for event in events:
                self.take(event)


def _offers(screen: Screen) -> bool:
    return bool(screen.choices or screen.menu)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
