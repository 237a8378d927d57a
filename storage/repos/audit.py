"""The audit log: one row per admin or secretary action."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, User


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


async def latest(
    session: AsyncSession, paths: Sequence[str] | None, limit: int, before_id: int | None = None
) -> list[AuditDTO]:
    """Newest first; `paths` limits to entries in those subtrees (None: everything)."""
    query = (
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if paths is not None:
        query = query.where(
            or_(*(AuditEntry.unit_path.startswith(p, autoescape=True) for p in paths))
        )
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows = await session.execute(query)
    return [
        AuditDTO(
            e.id, e.at, e.user_id, name or "", e.action, e.unit_path, e.subject, dict(e.detail)
        )
        for e, name in rows
    ]
