"""Conversation state per account, with a version for concurrent writers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import ConversationDTO
from storage.models import Conversation


class StaleConversation(Exception):
    """Another process moved this conversation on since it was read."""


async def load(session: AsyncSession, account_id: int) -> ConversationDTO | None:
    row = await session.get(Conversation, account_id)
    if row is None:
        return None
    return ConversationDTO(row.state, dict(row.data), row.version)


async def save(
    session: AsyncSession,
    account_id: int,
    before: ConversationDTO | None,
    state: str,
    data: dict[str, object],
    now: datetime,
) -> None:
    """Write the new state if nobody else wrote since `before` was read."""
    if before is None:
        session.add(
            Conversation(account_id=account_id, state=state, data=data, version=1, updated_at=now)
        )
        await session.flush()
        return
    result = await session.execute(
        update(Conversation)
        .where(Conversation.account_id == account_id, Conversation.version == before.version)
        .values(state=state, data=data, version=before.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise StaleConversation(account_id)


async def clear(session: AsyncSession, account_id: int) -> None:
    await session.execute(delete(Conversation).where(Conversation.account_id == account_id))
