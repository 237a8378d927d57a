"""The Telegram side of the outbox: one sendMessage per row, the answer mapped to an Outcome.

A plain httpx client (python-telegram-bot's Bot adds nothing here but overhead), sharing the
configured base URL. A connect error means nothing was sent (retry); a read timeout means the
request went out and may have arrived (unknown).
"""

from __future__ import annotations

import json

import httpx

from jobs.channel import Markup, Outcome, Result

CHANNEL = "telegram"


class TelegramChannel:
    name = CHANNEL

    def __init__(self, token: str, base_url: str, timeout: float = 10.0) -> None:
        self._url = f"{base_url.rstrip('/')}{token}/sendMessage"
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0), limits=limits)

    async def close(self) -> None:
        await self._client.aclose()

    async def deliver(self, chat_id: str, text: str, markup: Markup | None) -> Result:
        body: dict[str, object] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if markup:
            body["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": b["text"], "callback_data": b["data"]} for b in row] for row in markup
                ]
            }
        try:
            response = await self._client.post(self._url, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            return Result(Outcome.RETRY, reason=f"network: {type(error).__name__}")
        except httpx.TimeoutException as error:
            return Result(Outcome.UNKNOWN, reason=f"no answer: {type(error).__name__}")
        except httpx.HTTPError as error:
            return Result(Outcome.UNKNOWN, reason=f"broken answer: {type(error).__name__}")
        return _result(response)


def _result(response: httpx.Response) -> Result:
    try:
        payload = response.json()
    except json.JSONDecodeError:
        payload = {}
    status = response.status_code
    reason = f"{status} {payload.get('description', '')}".strip()
    if status == 200 and payload.get("ok"):
        return Result(Outcome.SENT, message_id=str(payload["result"].get("message_id")))
    if status == 429:
        retry = (payload.get("parameters") or {}).get("retry_after", 1)
        return Result(Outcome.RATE_LIMITED, retry_after=float(retry), reason=reason)
    if status == 403:
        return Result(Outcome.BLOCKED, reason=reason)
    if status >= 500 or status in (408, 409):
        return Result(Outcome.RETRY, reason=reason)
    return Result(Outcome.REJECTED, reason=reason)
