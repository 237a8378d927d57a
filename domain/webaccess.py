"""Ways into the web app, without passwords (none is ever stored).

- A **sign-in link** (`/web` in chat, the operator's link at start, the demo's links): random,
  one use, valid 15 minutes; only its SHA-256 is stored. Opening it starts a session.
- A **session**: a random cookie token, valid 30 days, stored hashed; ended from the page
  ("sign out on every device") or by the CLI. A session that came from a reminder's link is
  *narrow*: it opens only that member's report page.
- A **reminder's link**: signed with the site's key, not stored — `r.<outbox id>.<expiry>.<mac>`;
  valid at most 14 days, and no longer once a newer reminder has gone to the person.
- **Form tokens** (CSRF): an HMAC of the session's hash with the site's key.

Sign-in links are limited per person (`LINKS_PER_HOUR`); wrong links per address are limited
by the surface, which knows the address (bot/web/guard.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor
from domain.errors import DomainError
from domain.members import actor_with
from storage.dto import Role
from storage.repos import users as user_repo
from storage.repos import web as repo

SIGNIN_VALID = timedelta(minutes=15)
SESSION_VALID = timedelta(days=30)
REMINDER_VALID = timedelta(days=14)
LINKS_PER_HOUR = 5
REPORT_KINDS = ("checkin", "nudge")
KEY_NAME = "web"


@dataclass(frozen=True)
class Session:
    token_hash: str
    user_id: int
    narrow: bool
    expires_at: datetime


Redeem = Callable[[AsyncSession, str, datetime], Awaitable[tuple[str, Session]]]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def site_key(session: AsyncSession) -> bytes:
    """The key every process of this database signs with (made at first use)."""
    value = await repo.site_key(session, KEY_NAME, secrets.token_hex(32))
    return bytes.fromhex(value)


def _mac(key: bytes, message: str) -> str:
    raw = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:24]


def form_token(key: bytes, token_hash: str) -> str:
    """The token every form of this session carries (CSRF)."""
    return _mac(key, f"form|{token_hash}")


def form_token_ok(key: bytes, token_hash: str, given: str) -> bool:
    return hmac.compare_digest(form_token(key, token_hash), given or "")


async def signin_link(
    session: AsyncSession, user_id: int, now: datetime, limited: bool = True
) -> str:
    """A new one-time sign-in token for this person (at most LINKS_PER_HOUR an hour)."""
    if limited:
        made = await repo.created_since(session, user_id, "signin", now - timedelta(hours=1))
        if made >= LINKS_PER_HOUR:
            raise DomainError("web.too_many_links", n=LINKS_PER_HOUR)
    token = secrets.token_urlsafe(32)
    await repo.add(session, digest(token), "signin", user_id, now, now + SIGNIN_VALID)
    return token


async def _start(
    session: AsyncSession, user_id: int, now: datetime, until: datetime, narrow: bool
) -> tuple[str, Session]:
    token = secrets.token_urlsafe(32)
    hashed = digest(token)
    await repo.add(session, hashed, "session", user_id, now, until, narrow)
    return token, Session(hashed, user_id, narrow, until)


async def redeem(session: AsyncSession, token: str, now: datetime) -> tuple[str, Session]:
    """Open a sign-in link: used once, within 15 minutes; a new session (raw token) results."""
    found = await repo.get(session, digest(token)) if 20 <= len(token) <= 64 else None
    if found is None or found.kind != "signin" or found.revoked_at is not None:
        raise DomainError("web.link_invalid")
    if found.used_at is not None:
        raise DomainError("web.link_used")
    if found.expires_at <= now:
        raise DomainError("web.link_expired")
    if not await repo.use(session, found.token_hash, now):
        raise DomainError("web.link_used")
    return await _start(session, found.user_id, now, now + SESSION_VALID, narrow=False)


async def start_session(session: AsyncSession, user_id: int, now: datetime) -> tuple[str, Session]:
    """A full session for a person whose identity another check has proved (a Mini App)."""
    return await _start(session, user_id, now, now + SESSION_VALID, narrow=False)


def reminder_link(key: bytes, outbox_id: int, user_id: int, now: datetime) -> str:
    """The token in a reminder: opens that person's report page until it expires or a newer
    reminder has gone."""
    expiry = int((now + REMINDER_VALID).timestamp())
    return f"r.{outbox_id}.{expiry}.{_mac(key, f'r|{outbox_id}|{user_id}|{expiry}')}"


async def redeem_reminder(session: AsyncSession, token: str, now: datetime) -> tuple[str, Session]:
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != "r" or not (parts[1].isdigit() and parts[2].isdigit()):
        raise DomainError("web.link_invalid")
    outbox_id, expiry = int(parts[1]), int(parts[2])
    user_id = await repo.reminder_for(session, outbox_id, REPORT_KINDS)
    key = await site_key(session)
    if user_id is None:
        raise DomainError("web.link_invalid")
    if not hmac.compare_digest(_mac(key, f"r|{outbox_id}|{user_id}|{expiry}"), parts[3]):
        raise DomainError("web.link_invalid")
    until = datetime.fromtimestamp(expiry, UTC)
    if until <= now:
        raise DomainError("web.link_expired")
    if await repo.newer_reminder(session, user_id, outbox_id, REPORT_KINDS):
        raise DomainError("web.link_replaced")
    return await _start(session, user_id, now, until, narrow=True)


async def current(
    session: AsyncSession,
    token: str,
    now: datetime,
    root_admins: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[Session, Actor] | None:
    """The session behind a cookie, if it is still valid, and what its person may do."""
    if not 20 <= len(token) <= 64:
        return None
    found = await repo.visitor(session, digest(token))
    if found is None or not _live(found.token, now):
        return None
    token_row = found.token
    signed = Session(
        token_row.token_hash, token_row.user_id, token_row.narrow, token_row.expires_at
    )
    actor = await actor_with(session, signed.user_id, found.language, found.member, root_admins)
    return signed, actor


def _live(found: repo.TokenDTO, now: datetime) -> bool:
    return found.kind == "session" and found.revoked_at is None and found.expires_at > now


async def sign_out_everywhere(session: AsyncSession, user_id: int, now: datetime) -> int:
    """End every session and unused link of this person; how many were ended."""
    return await repo.revoke_user(session, user_id, now)


OPERATOR = ("web", "operator")  # the account of the person at the console (no messenger)


async def operator_link(session: AsyncSession, language: str, now: datetime) -> str:
    """A sign-in link for the operator at the console: admin of the whole tree, made on first
    use (an account on no network, reached only through the web app)."""
    account = await user_repo.find_account(session, *OPERATOR)
    if account is None:
        account = await user_repo.create_account(
            session, *OPERATOR, None, "Operator", language, now
        )
    if await user_repo.add_grant(session, account.user_id, Role.ADMIN, None, None, now):
        await audit.record(
            session, None, "admin_grant", now, subject=f"user:{account.user_id}", channel="web"
        )
    return await signin_link(session, account.user_id, now, limited=False)
