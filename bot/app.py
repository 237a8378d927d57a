"""`neuguong run`: every configured network (Telegram, Zalo, or both) in one process, one
runtime, one outbox sender.

The same path in production and in tests, which inject the clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.background import Background, sqlite_guard
from bot.flows.routes import build_router
from bot.numbered import Option
from bot.runtime import Clock, Runtime, utcnow
from bot.screens import Delivery
from bot.settings import Settings
from bot.telegram import app as telegram
from bot.zalo.adapter import CHANNEL as ZALO
from bot.zalo.adapter import ZaloBot
from bot.zalo.client import ZaloClient
from bot.zalo.files import FileLinks
from bot.zalo.outbound import ZaloChannel
from bot.zalo.webhook import ZaloWebhook
from jobs.channel import Channel, serve_files_for, stop_serving_files
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.repos import prompts

log = logging.getLogger(__name__)


async def serve(
    settings: Settings, stop: asyncio.Event, clock: Clock = utcnow, webhook: bool = False
) -> None:
    """Migrate, connect, receive on every configured network until `stop` is set."""
    names = settings.channels()
    guard = sqlite_guard(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = make_sessionmaker(engine)
        await telegram.forget_old_updates(sessions)
        async with _networks(settings, names, sessions, clock, stop, webhook) as (background, go):
            await background.plan()  # what came due while the bot was down, coalesced
            await go()  # only then take updates: a restart answers from a planned state
            background.start()
            await stop.wait()
            await background.shutdown()
    finally:
        await engine.dispose()
        if guard is not None:
            guard.close()


@contextlib.asynccontextmanager
async def _networks(
    settings: Settings,
    names: tuple[str, ...],
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    stop: asyncio.Event,
    webhook: bool,
) -> AsyncIterator[tuple[Background, Callable[[], Awaitable[None]]]]:
    channels: dict[str, Channel] = {}
    async with contextlib.AsyncExitStack() as stack:
        tg = None
        if "telegram" in names:
            tg = await stack.enter_async_context(telegram.running(settings))
            channels[telegram.CHANNEL] = telegram.outbound(settings)
        username = tg.bot.username if tg is not None else settings.telegram_bot_username or ""
        runtime = Runtime(sessions, telegram.bot_config(settings, username), build_router(), clock)
        zalo: ZaloBot | None = None

        async def deliver(delivery: Delivery) -> None:
            """A notice to someone on whichever network they use."""
            if delivery.channel == telegram.CHANNEL and tg is not None:
                await telegram.show_delivery(tg, delivery)
            elif delivery.channel == ZALO and zalo is not None:
                await zalo.show(delivery.chat_id, [delivery.screen], delivery.language)

        if ZALO in names:
            zalo, channel = await _zalo(settings, sessions, runtime, deliver, clock, stack)
            channels[ZALO] = channel

        async def go() -> None:
            if tg is not None:
                await telegram.receive_with(tg, settings, runtime, deliver, webhook)
            if zalo is not None:
                await _zalo_receive(settings, zalo, stack, stop)
            log.info("running on %s (%s)", ", ".join(names), "webhook" if webhook else "polling")

        yield Background(settings, sessions.kw["bind"], sessions, clock, channels), go


async def _zalo(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    runtime: Runtime,
    deliver: telegram.Deliver,
    clock: Clock,
    stack: contextlib.AsyncExitStack,
) -> tuple[ZaloBot, ZaloChannel]:
    token = settings.zalo_token()
    assert token is not None
    client = ZaloClient(token, settings.zalo_api_base_url)
    stack.push_async_callback(client.close)
    links = None
    if settings.zalo_webhook_url:  # our web server can hand out charts and sheets by link
        links = FileLinks(sessions, settings.zalo_webhook_url, clock)
        serve_files_for(ZALO)
        stack.callback(stop_serving_files, ZALO)
    bot = ZaloBot(client, runtime, sessions, deliver, clock, links)

    async def remember(chat_id: str, options: list[Option]) -> None:
        async with sessions() as session:
            await prompts.save(session, ZALO, chat_id, [o.as_dict() for o in options], clock())
            await session.commit()

    return bot, ZaloChannel(client, remember, settings.default_language, links)


async def _zalo_receive(
    settings: Settings,
    bot: ZaloBot,
    stack: contextlib.AsyncExitStack,
    stop: asyncio.Event,
) -> None:
    """Webhook when ZALO_WEBHOOK_URL is set (our own small server checking the secret
    header), else long polling: the platform allows one or the other for a bot."""
    if settings.zalo_webhook_url:
        server = ZaloWebhook(bot, settings.zalo_secret(), settings.webhook_listen,
                             settings.zalo_webhook_port, links=bot.links)  # fmt: skip
        await server.start()
        stack.push_async_callback(server.stop)
        await bot.client.set_webhook(settings.zalo_webhook_url, settings.zalo_secret())
        return
    with contextlib.suppress(Exception):  # polling needs no webhook; none set is fine
        await bot.client.delete_webhook()
    task = asyncio.create_task(bot.poll(stop))

    async def finish() -> None:
        stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(finish)
