"""Files an admin hands the web app between two steps (an import checked, then applied) and
files made for them to download once (the personal-links workbook). Each is theirs alone and
kept a day; anyone else's, or an older one, does not exist."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor, require
from domain.errors import NotFound
from storage.repos import web as repo
from storage.repos.web import UploadDTO

KEEP = timedelta(days=1)
KINDS = ("import", "links")


async def keep(
    session: AsyncSession, actor: Actor, kind: str, name: str, data: bytes, now: datetime
) -> int:
    require(actor.is_admin)
    assert kind in KINDS
    return await repo.add_upload(session, actor.user_id, kind, name[:200], data, now)


async def kept(
    session: AsyncSession, actor: Actor, upload_id: int, kind: str, now: datetime
) -> UploadDTO:
    found = await repo.upload(session, upload_id)
    if (
        found is None
        or found.user_id != actor.user_id
        or found.kind != kind
        or found.created_at < now - KEEP
    ):
        raise NotFound()
    return found


async def prune(session: AsyncSession, now: datetime) -> int:
    return await repo.prune_uploads(session, now - KEEP)
