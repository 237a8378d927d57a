"""The numbered choices each Zalo chat was last shown, kept in the database (`prompts`) so an
answer typed later, after a restart or on another process, still names the right thing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.numbered import Option
from storage.repos import prompts

CHANNEL = "zalo"
Saved = list[dict[str, object]]


class Choices:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self.sessions = sessions
        self.clock = clock

    async def shown(self, chat_id: str) -> list[Option]:
        async with self.sessions() as session:
            return [Option.from_dict(o) for o in await prompts.load(session, CHANNEL, chat_id)]

    async def show(self, chat_id: str, options: list[Option]) -> Saved:
        """The chat's choices are now these; returns the ones they replace (for `undo`)."""
        async with self.sessions() as session:
            before = await prompts.load(session, CHANNEL, chat_id)
            await prompts.save(
                session, CHANNEL, chat_id, [o.as_dict() for o in options], self.clock()
            )
            await session.commit()
        return before

    async def undo(self, chat_id: str, options: list[Option], before: Saved) -> None:
        """The message showing `options` did not arrive: the chat's choices are again those
        it saw, unless something newer was shown meanwhile."""
        async with self.sessions() as session:
            current = await prompts.load(session, CHANNEL, chat_id)
            if current == [o.as_dict() for o in options]:
                await prompts.save(session, CHANNEL, chat_id, before, self.clock())
                await session.commit()
