"""Codes people type (an invite's short code, a /lienket code) cannot be guessed: each account
may get `LIMIT` of a kind wrong in an hour; after that every code of that kind — the right one
too — is refused until the hour has passed. Every refusal is audited (who, which kind), never
the code typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor
from storage.repos import guesses as repo

LIMIT = 10
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Refused:
    """Why a code was not taken, as a catalog key and its parameters (not an exception: the
    attempt is recorded in the same transaction)."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


async def locked(
    session: AsyncSession, actor: Actor, account_id: int, kind: str, now: datetime
) -> Refused | None:
    """Refused (and audited) while the account has used up its wrong attempts."""
    count, first = await repo.since(session, account_id, kind, now - WINDOW)
    if count < LIMIT or first is None:
        return None
    wait = max(1, int((first + WINDOW - now).total_seconds() // 60) + 1)
    await audit.record(
        session, actor, "guess_locked", now, subject=f"account:{account_id}", kind=kind
    )
    return Refused("guess.locked", {"minutes": wait})


async def wrong(
    session: AsyncSession, actor: Actor, account_id: int, kind: str, key: str, now: datetime
) -> Refused:
    """Count a wrong code; the refusal says how many tries are left."""
    await repo.add(session, account_id, kind, now)
    count, _ = await repo.since(session, account_id, kind, now - WINDOW)
    await audit.record(
        session, actor, "guess_wrong", now, subject=f"account:{account_id}", kind=kind
    )
    return Refused(key, {"left": max(0, LIMIT - count)})
