"""What the sender needs from a chat network: deliver one message, say how it went."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import httpx

from render.attachment import Attachment

Markup = list[list[dict[str, str]]]


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # not delivered (5xx, network before sending): try again later
    RATE_LIMITED = "rate_limited"  # 429: wait retry_after, then the same message again
    BLOCKED = "blocked"  # 403: the person blocked the bot or never started it
    REJECTED = "rejected"  # 400 and the like: sending again will not help
    UNKNOWN = "unknown"  # the request went out and no answer came back


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    message_id: str | None = None
    retry_after: float = 0.0
    reason: str = ""
    parts: int = 0  # a message in parts: how many have gone, counting those sent before


def transport_failure(error: httpx.HTTPError) -> Result:
    """A request that failed on the way: nothing went (connecting failed: try again later), or
    it went and no proper answer came back (unknown: never sent again)."""
    name = type(error).__name__
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Result(Outcome.RETRY, reason=f"network: {name}")
    if isinstance(error, httpx.TimeoutException):
        return Result(Outcome.UNKNOWN, reason=f"no answer: {name}")
    return Result(Outcome.UNKNOWN, reason=f"broken answer: {name}")


def takes_files(channel: str | None, files: frozenset[str]) -> bool:
    """Whether reports to this network carry their chart and spreadsheets (`files`: the
    networks the settings say take them — Telegram always, Zalo when the bot serves files by
    link); elsewhere the reports go as text that says where to get the files."""
    return channel in files


__all__ = ["Attachment", "Channel", "Markup", "Outcome", "Result", "takes_files"]


class Channel(Protocol):
    name: str

    async def deliver(
        self,
        chat_id: str,
        text: str,
        markup: Markup | None,
        attachment: Attachment | None = None,
        edit: str | None = None,
        start: int = 0,
    ) -> Result:
        """Send a message; with `edit` (a message id sent before), replace that message's
        text instead, where the network allows editing (else send it anew). A network that
        sends a long message in parts starts from part `start` (those before went already)
        and says in `Result.parts` how many have gone."""
        ...
