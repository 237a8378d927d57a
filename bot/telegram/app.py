"""The Telegram side of `neuguong run` (bot/app.py): the PTB application, long polling or
webhook, the commands menu, and the outbox channel."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import InvalidToken
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor

from bot.i18n import LANGUAGES, t
from bot.networks import Fatal, Report, as_poller
from bot.ordering import InOrder
from bot.runtime import Runtime
from bot.settings import Settings
from bot.telegram import handlers
from bot.telegram.limiter import ReplyLimiter
from bot.telegram.outbound import TelegramChannel
from jobs.limits import Limiter
from storage.repos import updates

log = logging.getLogger(__name__)
CLAIMS_KEPT = timedelta(days=7)

# Commands shown in Telegram's menu, by language: (command, description key).
COMMANDS = {
    "vi": (
        ("start", "cmd.start"),
        ("dangky", "cmd.commitment"),
        ("baocao", "cmd.report"),
        ("tiendo", "cmd.progress"),
        ("nhacnho", "cmd.reminders"),
        ("hoso", "cmd.profile"),
        ("moi", "cmd.invite"),
        ("donvi", "cmd.units"),
        ("mohinh", "cmd.models"),
        ("baocao_chibo", "cmd.unit_report"),
        ("choduyet", "cmd.pending"),
        ("thanhvien", "cmd.members"),
        ("xuatbaocao", "cmd.export"),
        ("dotdangky", "cmd.campaign"),
        ("thongbao", "cmd.broadcast"),
        ("nhapdanhsach", "cmd.import"),
        ("thongke", "cmd.stats"),
        ("nhatky", "cmd.auditlog"),
        ("tonvinh", "cmd.honours"),
        ("lienket", "cmd.link"),
        ("web", "cmd.web"),
        ("ngonngu", "cmd.language"),
        ("huy", "cmd.cancel"),
        ("help", "cmd.help"),
    ),
    "en": (
        ("start", "cmd.start"),
        ("commitment", "cmd.commitment"),
        ("report", "cmd.report"),
        ("progress", "cmd.progress"),
        ("reminders", "cmd.reminders"),
        ("profile", "cmd.profile"),
        ("invite", "cmd.invite"),
        ("units", "cmd.units"),
        ("models", "cmd.models"),
        ("unitreport", "cmd.unit_report"),
        ("pending", "cmd.pending"),
        ("members", "cmd.members"),
        ("export", "cmd.export"),
        ("campaign", "cmd.campaign"),
        ("broadcast", "cmd.broadcast"),
        ("import", "cmd.import"),
        ("stats", "cmd.stats"),
        ("auditlog", "cmd.auditlog"),
        ("honours", "cmd.honours"),
        ("link", "cmd.link"),
        ("web", "cmd.web"),
        ("language", "cmd.language"),
        ("cancel", "cmd.cancel"),
        ("help", "cmd.help"),
    ),
}


def file_base_url(base_url: str) -> str:
    """https://api.telegram.org/bot -> https://api.telegram.org/file/bot"""
    head, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


class PerPerson(BaseUpdateProcessor):
    """python-telegram-bot's concurrent updates, in order for each person."""

    def __init__(self, limit: int = 64) -> None:
        super().__init__(max_concurrent_updates=limit)
        self.order = InOrder(limit)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        key = ("user", user.id) if user is not None else ("update", id(update))
        await self.order.run(key, coroutine)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def build_application(settings: Settings, limiter: Limiter) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .rate_limiter(ReplyLimiter(limiter))
        .concurrent_updates(PerPerson())
        .build()
    )
    handlers.register(app)
    return app


async def set_commands(app: Application) -> None:  # type: ignore[type-arg]
    for language in LANGUAGES:
        commands = [BotCommand(c, t(language, key)) for c, key in COMMANDS[language]]
        await app.bot.set_my_commands(commands, BotCommandScopeDefault(), language_code=language)
    default = [BotCommand(c, t("vi", key)) for c, key in COMMANDS["vi"]]
    await app.bot.set_my_commands(default, BotCommandScopeDefault())


async def forget_old_updates(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Update claims only guard against redelivery, which Telegram does within a day."""
    async with sessions() as session:
        await updates.prune(session, datetime.now(UTC) - CLAIMS_KEPT)
        await session.commit()


CHANNEL = handlers.CHANNEL
ALLOWED = ["message", "callback_query"]


class TelegramNetwork:
    """The bot on Telegram: connect (getMe), then updates by long polling — in one process
    at a time — or by webhook."""

    name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        runtime: Runtime,
        engine: AsyncEngine,
        limiter: Limiter,
        webhook: bool,
    ) -> None:
        self.settings = settings
        self.runtime = runtime
        self.engine = engine
        self.limiter = limiter
        self.webhook = webhook
        self.report: Report = lambda *_: None
        self.channel = TelegramChannel(settings.token(), settings.telegram_api_base_url)
        self.app: Application | None = None  # type: ignore[type-arg]

    async def connect(self) -> None:
        if self.app is not None:
            return
        app = build_application(self.settings, self.limiter)
        try:
            await app.initialize()  # getMe
        except InvalidToken as error:
            raise Fatal("telegram token refused") from error
        except BaseException:
            with contextlib.suppress(Exception):
                await app.shutdown()
            raise
        app.bot_data[handlers.RUNTIME] = self.runtime
        self.runtime.config.bot_username = app.bot.username or ""
        await app.start()
        self.app = app

    async def receive(self, stop: asyncio.Event) -> None:
        app = self.app
        assert app is not None
        assert app.updater is not None
        await set_commands(app)
        if self.webhook:
            url, secret = self.settings.webhook()
            await app.updater.start_webhook(
                listen=self.settings.webhook_listen,
                port=self.settings.webhook_port,
                url_path=self.settings.webhook_path,
                webhook_url=url,
                secret_token=secret,
                allowed_updates=ALLOWED,
            )
            await stop.wait()
            return
        await as_poller(self.engine, self.name, stop, self._poll)

    async def _poll(self, until: asyncio.Event) -> None:
        app = self.app
        assert app is not None
        assert app.updater is not None
        await app.bot.delete_webhook()
        await app.updater.start_polling(allowed_updates=ALLOWED)
        try:
            await until.wait()
        finally:
            if app.updater.running:
                await app.updater.stop()

    async def close(self) -> None:
        app, self.app = self.app, None
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        await self.channel.close()
