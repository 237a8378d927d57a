"""Zalo as one of `neuguong run`'s networks (bot/networks.py): the webhook (production: our
own small server checking the secret header; the platform is told where it is, and told again
until it accepts) or long polling (for trying it out: one process at a time), the outbox's
channel, and the numbered choices remembered per chat."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.networks import Fatal, Report, as_poller
from bot.runtime import Runtime
from bot.settings import Settings
from bot.zalo.adapter import CHANNEL, ZaloBot
from bot.zalo.choices import Choices
from bot.zalo.client import ZaloClient, ZaloError
from bot.zalo.files import FileLinks
from bot.zalo.outbound import ZaloChannel
from bot.zalo.webhook import ZaloWebhook
from jobs.limits import Limiter

UNAUTHORIZED = (401,)


class ZaloNetwork:
    name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        runtime: Runtime,
        sessions: async_sessionmaker[AsyncSession],
        engine: AsyncEngine,
        limiter: Limiter,
        clock: Callable[[], datetime],
    ) -> None:
        token = settings.zalo_token()
        assert token is not None
        self.settings = settings
        self.engine = engine
        self.limiter = limiter
        self.sessions = sessions
        self.clock = clock
        self.client = ZaloClient(token, settings.zalo_api_base_url)
        self.links = (
            FileLinks(sessions, settings.zalo_webhook_url, clock)
            if settings.zalo_webhook_url
            else None
        )
        choices = Choices(sessions, clock)
        self.bot = ZaloBot(self.client, runtime, choices, self.links, limiter)
        self.channel = ZaloChannel(self.client, choices, settings.default_language, self.links)
        self.server: ZaloWebhook | None = None
        self.report: Report = lambda *_: None

    async def connect(self) -> None:
        webhook = self.settings.zalo_webhook_url
        try:
            if webhook:
                if self.server is None:  # ours: it listens whatever the platform says
                    self.server = ZaloWebhook(
                        self.bot, self.settings.zalo_secret(), self.settings.webhook_listen,
                        self.settings.zalo_webhook_port, links=self.links,
                    )  # fmt: skip
                    await self.server.start()
                await self.client.set_webhook(webhook, self.settings.zalo_secret())
            else:
                with contextlib.suppress(ZaloError):  # polling needs no webhook: none is fine
                    await self.client.delete_webhook()
        except ZaloError as error:
            if error.code in UNAUTHORIZED or error.status in UNAUTHORIZED:
                raise Fatal("zalo token refused") from error
            raise

    async def receive(self, stop: asyncio.Event) -> None:
        if self.settings.zalo_webhook_url:
            await stop.wait()
            return

        def report(state: str, error: str) -> None:
            self.report(self.name, state, error)

        await as_poller(
            self.engine, self.name, stop, lambda until: self.bot.poll(until, report=report)
        )

    async def close(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None
        await self.bot.drain()
        await self.client.close()
