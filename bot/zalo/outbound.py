"""The Zalo side of the outbox: one row, one or more sendMessage calls (texts over 2,000
characters are cut on line boundaries), buttons as numbered lines remembered for the answer,
no editing (an edit is sent anew), files announced in words.

Error mapping, conservative until the platform's codes are documented: 429 waits, 5xx and
network errors before the answer retry, a timeout after sending is "unknown", an answer that
says the person blocked or cannot receive marks them unreachable, anything else is rejected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bot.numbered import Option, render
from bot.screens import Choice, Screen
from bot.zalo.client import TEXT_MAX, ZaloClient, ZaloError
from bot.zalo.files import FileLinks, attach
from jobs.channel import Attachment, Markup, Outcome, Result, transport_failure

CHANNEL = "zalo"
BLOCKED_WORDS = ("block", "not follow", "unfollow", "not allowed to send", "user not found")
Remember = Callable[[str, list[Option]], Awaitable[None]]


class ZaloChannel:
    name = CHANNEL

    def __init__(
        self,
        client: ZaloClient,
        remember: Remember,
        language: str = "vi",
        links: FileLinks | None = None,
    ) -> None:
        self.client = client
        self.remember = remember
        self.language = language
        self.links = links

    async def deliver(
        self,
        chat_id: str,
        text: str,
        markup: Markup | None,
        attachment: Attachment | None = None,
        edit: str | None = None,
    ) -> Result:
        choices = tuple(tuple(Choice(b["text"], b["data"]) for b in row) for row in markup or ())
        parts, options = render(Screen(text, choices), self.language, TEXT_MAX)
        photo = await attach(parts, attachment, self.links, self.language)
        if options:  # before sending: the answer may come back faster than we could save
            await self.remember(chat_id, options)
        message_id = ""
        for n, part in enumerate(parts):
            result = await self._call(self.client.send_message(chat_id, part))
            if result.outcome is not Outcome.SENT:
                # a later part failing after the first went: do not send the first again
                return result if n == 0 else Result(Outcome.UNKNOWN, reason=result.reason)
            message_id = result.message_id or message_id
        if photo is not None:
            result = await self._call(self.client.send_photo(chat_id, photo))
            if result.outcome is not Outcome.SENT:
                return Result(Outcome.UNKNOWN, reason=result.reason)  # the text went already
        return Result(Outcome.SENT, message_id=message_id)

    @staticmethod
    async def _call(request: Awaitable[dict[str, Any]]) -> Result:
        """One platform call, its answer mapped to an outcome."""
        try:
            sent = await request
        except httpx.HTTPError as error:
            return transport_failure(error)
        except ZaloError as error:
            return _refused(error)
        return Result(Outcome.SENT, message_id=str(sent.get("message_id") or ""))


def _refused(error: ZaloError) -> Result:
    reason = f"{error.code} {error.description}".strip()[:280]
    if error.code == 429 or error.status == 429:
        return Result(Outcome.RATE_LIMITED, retry_after=1.0, reason=reason)
    if error.status >= 500 or error.code >= 500:
        return Result(Outcome.RETRY, reason=reason)
    described = error.description.lower()
    if error.code == 403 or any(word in described for word in BLOCKED_WORDS):
        return Result(Outcome.BLOCKED, reason=reason)
    return Result(Outcome.REJECTED, reason=reason)
