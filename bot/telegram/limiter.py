"""Replies under the same budget as the outbox: every Bot API call python-telegram-bot makes
(answers, edits, callback answers) waits its turn in the network's Limiter — ahead of the
outbox, which keeps room for replies — and is retried on a 429 or a failure before sending.

A timeout after the request went out is not retried (the message may have arrived); a
request that still fails raises to the handler, which logs it with the update id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from jobs.limits import Limiter

log = logging.getLogger(__name__)
ATTEMPTS = 5
PATIENCE = 60.0  # seconds a reply may wait for flood waits before it is given up


def seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ReplyLimiter(BaseRateLimiter[None]):
    def __init__(self, limiter: Limiter) -> None:
        self.limiter = limiter

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = str(data.get("chat_id", "")) if data.get("chat_id") is not None else ""
        give_up = time.monotonic() + PATIENCE
        failures = 0
        while True:
            taken = await self.limiter.wait(chat, reply=True) if chat else 0.0
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as error:  # not delivered: again, as long as patience lasts
                wait = seconds(error)
                self.limiter.rate_limited(chat or "*", wait)
                if time.monotonic() + wait > give_up:
                    raise
                log.info("%s: 429, again in %.1f s", endpoint, wait)
                await asyncio.sleep(wait)
                continue
            except (BadRequest, TimedOut):
                raise  # refused, or it may have arrived: not sent again
            except NetworkError as error:  # 5xx, or no connection: nothing was delivered
                failures += 1
                if failures == ATTEMPTS:
                    raise
                log.info("%s failed (%s), again", endpoint, error)
                await asyncio.sleep(min(0.5 * 2**failures, 8.0))
                continue
            finally:
                self.limiter.answered(taken)
            self.limiter.succeeded()
            return result
