"""Photos uploaded as a report's evidence: the type is read from the bytes (never from the
name or the browser's word), at most 10 MB, stored in the database and served back only to
the person who sent it, as an attachment of that type."""

from __future__ import annotations

import hashlib

from starlette.datastructures import UploadFile
from starlette.responses import Response

from bot.web.boundary import Visit, page, path_id
from domain.errors import DomainError, NotFound
from storage.repos import web as repo

MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


def sniff(head: bytes) -> str | None:
    """The image type these first bytes begin, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


async def take(visit: Visit, upload: object) -> tuple[str, str, str] | None:
    """The evidence tuple (channel, file id, digest) for an uploaded photo; None when no file
    was chosen."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(MAX_BYTES + 1)
    if not data:
        return None
    if len(data) > MAX_BYTES:
        raise DomainError("web.photo_too_large", mb=MAX_BYTES // (1024 * 1024))
    mime = sniff(data[:16])
    if mime is None:
        raise DomainError("checkin.not_image")
    digest = hashlib.sha256(data).hexdigest()
    photo_id = await repo.add_photo(
        visit.session, visit.actor.user_id, mime, digest, data, visit.now
    )
    return ("web", f"photo:{photo_id}", digest)


@page()
async def photo(visit: Visit) -> Response:
    found = await repo.photo(visit.session, path_id(visit.request, "photo_id"))
    if found is None or found[0] != visit.actor.user_id:
        raise NotFound()
    _owner, mime, data = found
    name = f"anh.{EXTENSIONS.get(mime, 'bin')}"
    return Response(
        data,
        media_type=mime,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
