"""Numbered choices shown in chats without buttons: the last set per chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Prompt


async def load(session: AsyncSession, channel: str, chat_id: str) -> list[dict[str, object]]:
    found = await session.get(Prompt, (channel, chat_id))
    return list(found.options) if found is not None else []


async def save(
    session: AsyncSession,
    channel: str,
    chat_id: str,
    options: list[dict[str, object]],
    now: datetime,
) -> None:
    """Replace the chat's choices (none: forget them)."""
    await session.execute(
        delete(Prompt).where(Prompt.channel == channel, Prompt.chat_id == chat_id)
    )
    if options:
        session.add(Prompt(channel=channel, chat_id=chat_id, options=options, updated_at=now))
    await session.flush()
