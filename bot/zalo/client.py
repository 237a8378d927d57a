"""A small client for the Zalo Bot Platform's HTTP API, on httpx.

`https://bot-api.zaloplatforms.com/bot<TOKEN>/<method>`, JSON in and out, answers shaped
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...}`.
`getUpdates` long-polls and returns one event (no offset); an idle poll answers
`ok: false, error_code: 408`, which is not an error here. Ids are strings.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)
DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
TEXT_MAX = 2000  # sendMessage's text limit
IDLE = 408


class ZaloError(Exception):
    """The platform said no (ok: false), or answered something that is not its JSON."""

    def __init__(self, code: int, description: str, status: int = 200) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.status = status


class ZaloClient:
    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 15.0):
        self._base = f"{base_url.rstrip('/')}/bot{token}/"
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0))

    async def close(self) -> None:
        await self._client.aclose()

    async def call(self, method: str, http_timeout: float | None = None, **params: Any) -> Any:
        """One method; the `result`, or ZaloError. Network errors are httpx's."""
        if http_timeout is not None:
            response = await self._client.post(
                self._base + method, json=params, timeout=http_timeout
            )
        else:
            response = await self._client.post(self._base + method, json=params)
        try:
            body = response.json()
        except ValueError:
            raise ZaloError(response.status_code, "not JSON", response.status_code) from None
        if not isinstance(body, dict):
            raise ZaloError(response.status_code, "unexpected answer", response.status_code)
        if not body.get("ok"):
            code = int(body.get("error_code") or response.status_code)
            raise ZaloError(code, str(body.get("description", "")), response.status_code)
        return body.get("result")

    async def get_updates(self, wait: int = 30) -> list[dict[str, Any]]:
        """The next event(s), or [] after an idle long poll."""
        try:
            # the platform takes the long-poll timeout in seconds, as a string
            found = await self.call("getUpdates", http_timeout=wait + 10, timeout=str(wait))
        except ZaloError as error:
            if error.code == IDLE:
                return []
            raise
        if isinstance(found, list):
            return [e for e in found if isinstance(e, dict)]
        return [found] if isinstance(found, dict) else []

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        found = await self.call("sendMessage", chat_id=chat_id, text=text)
        return found if isinstance(found, dict) else {}

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> dict[str, Any]:
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        found = await self.call("sendPhoto", **params)
        return found if isinstance(found, dict) else {}

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", url=url, secret_token=secret_token)

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")
