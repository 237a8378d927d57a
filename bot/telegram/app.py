"""Building and running the Telegram application (long polling)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import BotCommand, BotCommandScopeDefault
from telegram.ext import Application, ApplicationBuilder

from bot.background import Background, sqlite_guard
from bot.context import BotConfig
from bot.flows.routes import build_router
from bot.i18n import LANGUAGES, t
from bot.runtime import Clock, Runtime, utcnow
from bot.settings import Settings
from bot.telegram import handlers
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
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
        ("thanhvien", "cmd.members"),
        ("xuatbaocao", "cmd.export"),
        ("dotdangky", "cmd.campaign"),
        ("thongbao", "cmd.broadcast"),
        ("nhapdanhsach", "cmd.import"),
        ("thongke", "cmd.stats"),
        ("nhatky", "cmd.auditlog"),
        ("tonvinh", "cmd.honours"),
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
        ("members", "cmd.members"),
        ("export", "cmd.export"),
        ("campaign", "cmd.campaign"),
        ("broadcast", "cmd.broadcast"),
        ("import", "cmd.import"),
        ("stats", "cmd.stats"),
        ("auditlog", "cmd.auditlog"),
        ("honours", "cmd.honours"),
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


async def serve(
    settings: Settings, stop: asyncio.Event, clock: Clock = utcnow, webhook: bool = False
) -> None:
    """Migrate, connect, poll until `stop` is set. The same path in production and tests
    (which inject the clock)."""
    guard = sqlite_guard(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        await forget_old_updates(make_sessionmaker(engine))
        background = Background(settings, engine, make_sessionmaker(engine), clock)
        app = build_application(settings)
        async with app:
            config = bot_config(settings, app.bot.username)
            app.bot_data[handlers.RUNTIME] = Runtime(
                make_sessionmaker(engine), config, build_router(), clock
            )
            if not webhook:
                await app.bot.delete_webhook()
            await set_commands(app)
            await app.start()
            assert app.updater is not None
            await background.plan()  # what came due while the bot was down, coalesced
            await receive(app, settings, webhook)
            background.start()
            log.info("%s as @%s", "webhook" if webhook else "polling", app.bot.username)
            await stop.wait()
            await background.shutdown()
            await app.updater.stop()
            await app.stop()
    finally:
        await engine.dispose()
        if guard is not None:
            guard.close()
