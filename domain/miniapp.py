"""Telegram Mini App sign-in: the `initData` Telegram hands the page is checked as Telegram
documents it — HMAC-SHA256 of the sorted `key=value` lines with the key
HMAC-SHA256("WebAppData", bot token), `auth_date` not older than a day — and the Telegram
user it names is mapped to their account here. Nothing else of it is trusted."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from sqlalchemy.ext.asyncio import AsyncSession

from domain import webaccess
from domain.errors import DomainError
from storage.repos import users as user_repo

MAX_AGE = timedelta(days=1)
MAX_LENGTH = 4096


def telegram_user(init_data: str, bot_token: str, now: datetime) -> str:
    """The Telegram user id in a genuine, recent `initData`; DomainError otherwise."""
    if not init_data or len(init_data) > MAX_LENGTH:
        raise DomainError("web.miniapp_invalid")
    fields = dict(parse_qsl(init_data, keep_blank_values=True))
    given = fields.pop("hash", "")
    lines = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, lines.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise DomainError("web.miniapp_invalid")
    stamp = fields.get("auth_date", "")
    if not stamp.isdigit() or now - datetime.fromtimestamp(int(stamp), UTC) > MAX_AGE:
        raise DomainError("web.miniapp_old")
    try:
        user = json.loads(fields.get("user", ""))
        return str(int(user["id"]))
    except (ValueError, KeyError, TypeError):
        raise DomainError("web.miniapp_invalid") from None


async def sign_in(
    session: AsyncSession, init_data: str, bot_token: str, now: datetime
) -> tuple[str, webaccess.Session]:
    """A session for the person behind a genuine `initData` (their Telegram account must be
    known: they have written to the bot before)."""
    telegram_id = telegram_user(init_data, bot_token, now)
    account = await user_repo.find_account(session, "telegram", telegram_id)
    if account is None:
        raise DomainError("web.miniapp_unknown")
    return await webaccess.start_session(session, account.user_id, now)
