"""Charts and spreadsheets for Zalo, which takes photos only as links and no documents: in
webhook mode the bot serves them itself, each under a random link that works for 24 hours
(`<webhook URL>/files/<token>/<name>`; only the token's SHA-256 is stored)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from render.attachment import Attachment
from storage.repos import files as repo

VALID = timedelta(hours=24)
TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".png": "image/png",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class FileLinks:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        base_url: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.base = base_url.rstrip("/") + "/files/"
        self.clock = clock

    async def share(self, attachment: Attachment) -> str | None:
        """A link to the file, or None for a file the bot does not hold (another network's)."""
        if not attachment.data:
            return None
        name = attachment.filename or ("anh.png" if attachment.kind == "photo" else "tep")
        mime = TYPES.get(name[name.rfind(".") :].lower(), "application/octet-stream")
        token = secrets.token_urlsafe(24)
        now = self.clock()
        async with self.sessions() as session:
            await repo.put(session, token_hash(token), name, mime, attachment.data, now + VALID)
            await session.commit()
        return f"{self.base}{token}/{quote(name)}"

    async def fetch(self, token: str) -> tuple[str, str, bytes] | None:
        async with self.sessions() as session:
            return await repo.get(session, token_hash(token), self.clock())


async def attach(
    parts: list[str], attachment: Attachment | None, links: FileLinks | None, lang: str
) -> str | None:
    """Add the file to the message: a photo's link is returned (sent as a photo after the
    text), a document's link goes into the text; without links, the text says where it is."""
    from locales.catalog import t

    if attachment is None:
        return None
    url = await links.share(attachment) if links is not None else None
    if url is None:
        parts[-1] += "\n\n" + t(lang, "zalo.file_elsewhere")
        return None
    if attachment.kind == "photo":
        return url
    parts[-1] += "\n\n" + t(
        lang, "zalo.file_link", url=url, hours=int(VALID.total_seconds() // 3600)
    )
    return None
