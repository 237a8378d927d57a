"""The Zalo side of the outbox: one row, one or more sendMessage calls (texts over 2,000
bytes are cut between paragraphs, lines, sentences or words; a failed part is resumed, the
parts before it not sent again), buttons as numbered lines remembered for the answer,
no editing (an edit is sent anew), files announced in words.

Error mapping, conservative until the platform's codes are documented: 429 waits; 5xx, 403
(an internal server error in Zalo's error table) and network errors before the answer are
retried, for hours, then dead-lettered; a timeout after sending is "unknown"; only an answer
whose words say the person blocked the bot or cannot receive marks that account unreachable;
anything else is rejected.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from typing import Any

import httpx

from bot.numbered import render
from bot.screens import Choice, Screen
from bot.zalo.choices import Choices
from bot.zalo.client import TEXT_MAX, ZaloClient, ZaloError
from bot.zalo.files import FileLinks, attach
from jobs.channel import Attachment, Markup, Outcome, Result, transport_failure

CHANNEL = "zalo"
BLOCKED_WORDS = ("block", "not follow", "unfollow", "not allowed to send", "user not found")


class ZaloChannel:
    name = CHANNEL

    def __init__(
        self,
        client: ZaloClient,
        choices: Choices,
        language: str = "vi",
        links: FileLinks | None = None,
    ) -> None:
        self.client = client
        self.choices = choices
        self.language = language
        self.links = links

    async def deliver(
        self,
        chat_id: str,
        text: str,
        markup: Markup | None,
        attachment: Attachment | None = None,
        edit: str | None = None,
        start: int = 0,
    ) -> Result:
        """Send the parts from `start` on, in order; a failure says how many have gone, and
        the sender resumes from the next. The photo, if any, is the part after the text."""
        choices = tuple(  # a link's button is left out: the link is in the text itself
            tuple(Choice(b["text"], b["data"]) for b in row if "data" in b) for row in markup or ()
        )
        choices = tuple(row for row in choices if row)
        parts, options = render(Screen(text, choices), self.language, TEXT_MAX)
        photo = await attach(parts, attachment, self.links, self.language)
        message_id = ""
        for n in range(start, len(parts)):
            last = n == len(parts) - 1
            before = None
            if last and options:  # saved before the part that shows them goes: an answer
                before = await self.choices.show(chat_id, options)  # may come back at once
            result = await self.call(self.client.send_message(chat_id, parts[n]))
            if result.outcome is not Outcome.SENT:
                if before is not None:  # not seen: the chat's choices are those it saw
                    await self.choices.undo(chat_id, options, before)
                return replace(result, parts=n)
            message_id = result.message_id or message_id
        if photo is not None and start <= len(parts):
            result = await self.call(self.client.send_photo(chat_id, photo))
            if result.outcome is not Outcome.SENT:
                return replace(result, parts=len(parts))
        return Result(Outcome.SENT, message_id=message_id, parts=len(parts) + (photo is not None))

    @staticmethod
    async def call(request: Awaitable[dict[str, Any]]) -> Result:
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
    if any(word in error.description.lower() for word in BLOCKED_WORDS):
        return Result(Outcome.BLOCKED, reason=reason)
    if error.code == 403 or error.status == 403:  # Zalo's table: an internal server error
        return Result(Outcome.RETRY, reason=reason)
    return Result(Outcome.REJECTED, reason=reason)
