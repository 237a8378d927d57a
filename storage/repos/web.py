"""The web app's tokens (sign-in links, sessions), its uploaded photos and the site's key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import core_rows
from storage.dto import MemberDTO
from storage.models import Member, OutboxMessage, SiteKey, User, WebPhoto, WebToken, WebUpload


@dataclass(frozen=True)
class TokenDTO:
    token_hash: str
    kind: str
    user_id: int
    narrow: bool
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


def _dto(row: WebToken) -> TokenDTO:
    return TokenDTO(
        row.token_hash,
        row.kind,
        row.user_id,
        row.narrow,
        row.created_at,
        row.expires_at,
        row.used_at,
        row.revoked_at,
    )


async def add(
    session: AsyncSession,
    token_hash: str,
    kind: str,
    user_id: int,
    now: datetime,
    expires_at: datetime,
    narrow: bool = False,
) -> None:
    session.add(
        WebToken(
            token_hash=token_hash,
            kind=kind,
            user_id=user_id,
            narrow=narrow,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def get(session: AsyncSession, token_hash: str) -> TokenDTO | None:
    row = await session.get(WebToken, token_hash)
    return _dto(row) if row is not None else None


@dataclass(frozen=True)
class Visitor:
    """A token, with its person's language and active membership."""

    token: TokenDTO
    language: str
    member: MemberDTO | None


_TOKEN = WebToken.__table__.c
_MEMBER = Member.__table__.alias("member").c
_VISITOR = (
    select(
        *(_TOKEN[name] for name in TokenDTO.__dataclass_fields__),
        User.language,
        *(_MEMBER[name].label(f"member_{name}") for name in MemberDTO.__dataclass_fields__),
    )
    .join(User, User.id == _TOKEN.user_id)
    .outerjoin(
        _MEMBER.id.table, and_(_MEMBER.user_id == _TOKEN.user_id, _MEMBER.status == "active")
    )
    .where(_TOKEN.token_hash == bindparam("token_hash"))
)


async def visitor(session: AsyncSession, token_hash: str) -> Visitor | None:
    """`get`, with what every page needs of the person: one query."""
    rows = await core_rows(session, _VISITOR, token_hash=token_hash)
    if not rows:
        return None
    row = rows[0]._mapping
    token = TokenDTO(**{name: row[name] for name in TokenDTO.__dataclass_fields__})
    member = None
    if row["member_id"] is not None:
        fields = MemberDTO.__dataclass_fields__
        member = MemberDTO(**{name: row[f"member_{name}"] for name in fields})
    return Visitor(token, row["language"] or "vi", member)


async def use(session: AsyncSession, token_hash: str, now: datetime) -> bool:
    """Mark a one-time link used; False when it was used already (a concurrent opening)."""
    done = await session.execute(
        update(WebToken)
        .where(WebToken.token_hash == token_hash, WebToken.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def revoke_user(session: AsyncSession, user_id: int, now: datetime) -> int:
    done = await session.execute(
        update(WebToken)
        .where(WebToken.user_id == user_id, WebToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


async def created_since(session: AsyncSession, user_id: int, kind: str, start: datetime) -> int:
    found = await session.scalar(
        select(func.count()).where(
            WebToken.user_id == user_id, WebToken.kind == kind, WebToken.created_at >= start
        )
    )
    return int(found or 0)


async def prune(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(WebToken).where(WebToken.expires_at <= now))


async def add_photo(
    session: AsyncSession, user_id: int, mime: str, digest: str, data: bytes, now: datetime
) -> int:
    row = WebPhoto(user_id=user_id, mime=mime, digest=digest, data=data, created_at=now)
    session.add(row)
    await session.flush()
    return row.id


async def photo(session: AsyncSession, photo_id: int) -> tuple[int | None, str, bytes] | None:
    """(who sent it, type, bytes)."""
    row = await session.get(WebPhoto, photo_id)
    return (row.user_id, row.mime, row.data) if row is not None else None


async def site_key(session: AsyncSession, name: str, fresh: str) -> str:
    """The key by this name; `fresh` is stored when there is none (the first process wins)."""
    found = await session.get(SiteKey, name)
    if found is not None:
        return found.value
    try:
        async with session.begin_nested():
            session.add(SiteKey(name=name, value=fresh))
    except IntegrityError:
        found = await session.get(SiteKey, name, populate_existing=True)
        assert found is not None
        return found.value
    return fresh


async def reminder_for(session: AsyncSession, outbox_id: int, kinds: tuple[str, ...]) -> int | None:
    """The person a reminder of these kinds went to (None: no such reminder)."""
    row = await session.get(OutboxMessage, outbox_id)
    if row is None or row.kind not in kinds:
        return None
    return row.user_id


async def newer_reminder(
    session: AsyncSession, user_id: int, outbox_id: int, kinds: tuple[str, ...]
) -> bool:
    """Whether a reminder sent to this person after that one has gone."""
    found = await session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.user_id == user_id,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.state == "sent",
            OutboxMessage.id > outbox_id,
        )
        .limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class UploadDTO:
    id: int
    user_id: int
    kind: str
    name: str
    data: bytes
    created_at: datetime


async def add_upload(
    session: AsyncSession, user_id: int, kind: str, name: str, data: bytes, now: datetime
) -> int:
    row = WebUpload(user_id=user_id, kind=kind, name=name, data=data, created_at=now)
    session.add(row)
    await session.flush()
    return row.id


async def upload(session: AsyncSession, upload_id: int) -> UploadDTO | None:
    row = await session.get(WebUpload, upload_id)
    if row is None:
        return None
    return UploadDTO(row.id, row.user_id, row.kind, row.name, row.data, row.created_at)


async def prune_uploads(session: AsyncSession, before: datetime) -> int:
    done = await session.execute(delete(WebUpload).where(WebUpload.created_at < before))
    return int(getattr(done, "rowcount", 0) or 0)
