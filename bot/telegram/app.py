"""The Telegram side of `neuguong run` (bot/app.py): the PTB application, long polling or
webhook, the commands menu, and the outbox channel."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import BotCommand, BotCommandScopeDefault
from telegram.ext import Application, ApplicationBuilder

from bot.context import BotConfig
from bot.i18n import LANGUAGES, t
from bot.runtime import Runtime
from bot.screens import Delivery
from bot.settings import Settings
from bot.telegram import handlers
from bot.telegram.outbound import TelegramChannel
from bot.telegram.render import show
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
        ("language", "cmd.language"),
        ("cancel", "cmd.cancel"),
        ("help", "cmd.help"),
    ),
}


def file_base_url(base_url: str) -> str:
    """https://api.telegram.org/bot -> https://api.telegram.org/file/bot"""
    head, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
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


async def receive(app: Application, settings: Settings, webhook: bool) -> None:  # type: ignore[type-arg]
    """Long polling, or PTB's webhook server checking Telegram's secret token header."""
    assert app.updater is not None
    allowed = ["message", "callback_query"]
    if not webhook:
        await app.updater.start_polling(allowed_updates=allowed)
        return
    url, secret = settings.webhook()
    await app.updater.start_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=settings.webhook_path,
        webhook_url=url,
        secret_token=secret,
        allowed_updates=allowed,
    )


def bot_config(settings: Settings, username: str) -> BotConfig:
    return BotConfig(
        bot_username=username,
        default_language=settings.default_language,
        zone=settings.zone,
        root_admins=frozenset(("telegram", str(i)) for i in settings.admin_telegram_ids),
        invite_days=settings.invite_days,
        invite_uses=settings.invite_uses,
    )


async def forget_old_updates(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Update claims only guard against redelivery, which Telegram does within a day."""
    async with sessions() as session:
        await updates.prune(session, datetime.now(UTC) - CLAIMS_KEPT)
        await session.commit()


CHANNEL = handlers.CHANNEL
Deliver = Callable[[Delivery], Awaitable[None]]


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The PTB application, initialised and started (updates come with `receive_with`)."""
    app = build_application(settings)
    async with app:
        await app.start()
        try:
            yield app
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            await app.stop()


def outbound(settings: Settings) -> TelegramChannel:
    return TelegramChannel(settings.token(), settings.telegram_api_base_url)


async def receive_with(
    app: Application,  # type: ignore[type-arg]
    settings: Settings,
    runtime: Runtime,
    deliver: Deliver,
    webhook: bool,
) -> None:
    """Hand updates to the runtime; notices for other networks go through `deliver`."""
    app.bot_data[handlers.RUNTIME] = runtime
    app.bot_data[handlers.DELIVER] = deliver
    if not webhook:
        await app.bot.delete_webhook()
    await set_commands(app)
    await receive(app, settings, webhook)


async def show_delivery(app: Application, delivery: Delivery) -> None:  # type: ignore[type-arg]
    await show(app.bot, delivery.chat_id, delivery.screen)
