"""Handles one Incoming in one transaction: claim the update, identify, route, commit.

The boundary commits, once: the update claim, the conversation state and the domain change
land together or not at all, so a redelivered update is never applied twice. Replies are
sent by the channel after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import views
from bot.context import BotConfig, Ctx, Incoming
from bot.i18n import t
from bot.router import Router
from bot.screens import Outcome, Screen
from domain.errors import DomainError
from domain.members import Identity, identify
from storage.db import writing
from storage.repos import conversations, updates
from storage.repos.conversations import StaleConversation

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


async def _files_made(outcome: Outcome) -> Outcome:
    """Charts, workbooks and PDFs described by the flows, made now: after the commit (no
    lock held) and off the loop (render/offload.py)."""
    if not any(s.attachment is not None and s.attachment.make for s in outcome.replies):
        return outcome
    made = []
    for screen in outcome.replies:
        if screen.attachment is not None and screen.attachment.make is not None:
            screen = replace(screen, attachment=await screen.attachment.ready())
        made.append(screen)
    outcome.replies = made
    return outcome


class Runtime:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: BotConfig,
        router: Router,
        clock: Clock = utcnow,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.router = router
        self.clock = clock
        self.queued: Callable[[], None] = lambda: None  # told when notices were queued

    async def handle(self, incoming: Incoming) -> Outcome:
        """Handle one update; a conflict with another process is retried once, and a second
        one is logged and answered (nothing changed, the person may try again). Files the
        answer carries are made after the transaction, off the event loop."""
        for attempt in (1, 2):
            try:
                return await _files_made(await self._handle(incoming))
            except (StaleConversation, IntegrityError):
                if attempt == 2:
                    log.exception("update %s conflicted twice; answered", incoming.update_id)
                else:
                    log.info("update %s conflicted; trying again", incoming.update_id)
        text = t(self.config.default_language, "error.internal")
        return Outcome(replies=[Screen(text)], language=self.config.default_language, refusal=True)

    async def _handle(self, incoming: Incoming) -> Outcome:
        async with writing(self.sessions), self.sessions() as session:
            now = self.clock()
            ctx = await self._open(session, incoming, now)
            if ctx is None:
                return Outcome()
            try:
                await self._dispatch(ctx)
                ctx.outcome.home = views.menu_rows(ctx) if ctx.state is None else None
                await session.commit()
                ctx.outcome.language = ctx.lang
                if ctx.notices:
                    self.queued()
            except DomainError as error:
                await session.rollback()
                return await self._refuse(session, incoming, now, error)
            except (StaleConversation, IntegrityError):
                raise
            except Exception:
                log.exception("update %s failed", incoming.update_id)
                await session.rollback()
                return await self._refuse(session, incoming, now, DomainError("error.internal"))
            return ctx.outcome

    async def _open(self, session: AsyncSession, incoming: Incoming, now: datetime) -> Ctx | None:
        if not await updates.claim(session, incoming.channel, incoming.update_id, now):
            log.info("update %s already handled", incoming.update_id)
            return None
        who = await self._identify(session, incoming, now)
        conversation = await conversations.load(session, who.account.id)
        return Ctx(session, incoming, who.account, who.actor, now, self.config, conversation)

    async def _identify(self, session: AsyncSession, incoming: Incoming, now: datetime) -> Identity:
        root = (incoming.channel, incoming.external_id) in self.config.root_admins
        return await identify(
            session,
            incoming.channel,
            incoming.external_id,
            incoming.chat_id,
            incoming.display_name,
            self.config.default_language,
            root,
            now,
        )

    async def _dispatch(self, ctx: Ctx) -> None:
        handler = self.router.route(ctx)
        if handler is not None:
            await handler(ctx)

    async def _refuse(
        self, session: AsyncSession, incoming: Incoming, now: datetime, error: DomainError
    ) -> Outcome:
        """Answer a refusal; the update is still recorded, the conversation stays as it was."""
        ctx = await self._open(session, incoming, now)
        await session.commit()
        if ctx is None:
            return Outcome()
        text = ctx.t(error.key, **error.params)
        return Outcome(replies=[Screen(text)], language=ctx.lang, refusal=True)
