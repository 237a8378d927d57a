"""The Telegram side of the outbox: one sendMessage (or sendPhoto, sendDocument) per row, the
answer mapped to an Outcome.

A plain httpx client (python-telegram-bot's Bot adds nothing here but overhead), sharing the
configured base URL. A connect error means nothing was sent (retry); a read timeout means the
request went out and may have arrived (unknown).
"""

from __future__ import annotations

import json

import httpx

from jobs.channel import Attachment, Markup, Outcome, Result, transport_failure

CHANNEL = "telegram"
CAPTION_MAX = 1024


class TelegramChannel:
    name = CHANNEL

    def __init__(self, token: str, base_url: str, timeout: float = 10.0) -> None:
        self._base = f"{base_url.rstrip('/')}{token}/"
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0), limits=limits)

    async def close(self) -> None:
        await self._client.aclose()

    async def deliver(
        self,
        chat_id: str,
        text: str,
        markup: Markup | None,
        attachment: Attachment | None = None,
        edit: str | None = None,
        start: int = 0,  # one message, one part: nothing to resume
    ) -> Result:
        try:
            if edit is not None:
                response = await self._edit(chat_id, edit, text, markup)
            else:
                response = await self._post(chat_id, text, markup, attachment)
        except httpx.HTTPError as error:
            return transport_failure(error)
        result = _result(response)
        if edit is not None and result.outcome is Outcome.REJECTED and _unchanged(result):
            return Result(Outcome.SENT, message_id=edit)  # the same figures as last time
        return result

    async def _edit(
        self, chat_id: str, message_id: str, text: str, markup: Markup | None
    ) -> httpx.Response:
        body: dict[str, object] = {
            "chat_id": chat_id,
            "message_id": int(message_id),
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        keyboard = _keyboard(markup)
        if keyboard:
            body["reply_markup"] = keyboard
        return await self._client.post(self._base + "editMessageText", json=body)

    async def _post(
        self, chat_id: str, text: str, markup: Markup | None, attachment: Attachment | None
    ) -> httpx.Response:
        keyboard = _keyboard(markup)
        if attachment is None:
            body: dict[str, object] = {
                "chat_id": chat_id,
                "text": text,
                "parse_mode": "HTML",
                "link_preview_options": {"is_disabled": True},
            }
            if keyboard:
                body["reply_markup"] = keyboard
            return await self._client.post(self._base + "sendMessage", json=body)
        method, field = (
            ("sendPhoto", "photo") if attachment.kind == "photo" else ("sendDocument", "document")
        )
        form = {"chat_id": chat_id, "caption": text[:CAPTION_MAX], "parse_mode": "HTML"}
        if keyboard:
            form["reply_markup"] = json.dumps(keyboard)
        if attachment.file_id is not None:  # already on Telegram's servers: by reference
            return await self._client.post(
                self._base + method, data={**form, field: attachment.file_id}
            )
        files = {field: (attachment.filename, attachment.data)}
        return await self._client.post(self._base + method, data=form, files=files)


def _unchanged(result: Result) -> bool:
    return "message is not modified" in result.reason


def _keyboard(markup: Markup | None) -> dict[str, object] | None:
    if not markup:
        return None
    return {"inline_keyboard": [[_button(b) for b in row] for row in markup]}


def _button(found: dict[str, str]) -> dict[str, str]:
    """A choice, or a link to open (the web app's report page)."""
    if "url" in found:
        return {"text": found["text"], "url": found["url"]}
    return {"text": found["text"], "callback_data": found["data"]}


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
