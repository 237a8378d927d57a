"""The audit log: one row per admin or secretary action."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Member, User


@dataclass(frozen=True)
class AuditDTO:
    id: int
    at: datetime
    user_id: int | None
    user_name: str
    action: str
    unit_path: str | None
    subject: str | None
    detail: dict[str, object]


async def add(
    session: AsyncSession,
    at: datetime,
    user_id: int | None,
    action: str,
    unit_path: str | None,
    subject: str | None,
    detail: dict[str, object],
) -> None:
    session.add(
        AuditEntry(
            at=at,
            user_id=user_id,
            action=action,
            unit_path=unit_path,
            subject=subject,
            detail=detail,
        )
    )
    await session.flush()


@dataclass(frozen=True)
class Filter:
    """What an admin narrows the log to (each part optional)."""

    action: str | None = None
    person: str | None = None  # part of the author's name
    unit_path: str | None = None  # entries in this subtree
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self, name: ColumnElement[str]) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.action:
            found.append(AuditEntry.action == self.action)
        if self.person:
            found.append(func.lower(name).contains(self.person.lower(), autoescape=True))
        if self.unit_path:
            found.append(AuditEntry.unit_path.startswith(self.unit_path, autoescape=True))
        if self.since is not None:
            found.append(AuditEntry.at >= self.since)
        if self.until is not None:
            found.append(AuditEntry.at < self.until)
        return found


async def latest(
    session: AsyncSession,
    paths: Sequence[str] | None,
    limit: int,
    before_id: int | None = None,
    author: int | None = None,
    only: Filter | None = None,
) -> list[AuditDTO]:
    """Newest first; `paths` limits to entries in those subtrees (None: everything), plus the
    entries `author` made (one's own actions are always one's to read). Each entry names its
    author as the people around them know them: their name as a member, else the name their
    chat account shows."""
    name = func.coalesce(Member.full_name, User.display_name)
    query = (
        select(AuditEntry, name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .outerjoin(Member, and_(Member.user_id == AuditEntry.user_id, Member.status == "active"))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if paths is not None:
        mine = [AuditEntry.user_id == author] if author is not None else []
        query = query.where(
            or_(*(AuditEntry.unit_path.startswith(p, autoescape=True) for p in paths), *mine)
        )
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if only is not None:
        query = query.where(*only.conditions(name))
    rows = await session.execute(query)
    return [
        AuditDTO(
            e.id, e.at, e.user_id, name or "", e.action, e.unit_path, e.subject, dict(e.detail)
        )
        for e, name in rows
    ]
