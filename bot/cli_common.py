"""What every `neuguong` command shares: settings read once, one line on stderr for any
failure, a session per command that commits once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError

from bot.context import BotConfig
from bot.i18n import plain
from bot.settings import Settings, SettingsError, load_settings
from domain.errors import DomainError
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade

log = logging.getLogger("neuguong")
T = TypeVar("T")


class Fail(Exception):
    """Stop the command with a message for the operator and an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise Fail(plain("vi", "cli.bad_settings", detail=str(error)), 2) from None


def _lang(settings: Settings | None = None) -> str:
    return settings.default_language if settings else "vi"


def _execute(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Run a command; every failure becomes one line on stderr and an exit code."""
    settings: Settings | None = None
    try:
        settings = _settings()
        return asyncio.run(work(settings))
    except Fail as fail:
        typer.echo(str(fail), err=True)
        raise typer.Exit(fail.code) from None
    except SettingsError as error:
        typer.echo(plain(_lang(settings), "cli.bad_settings", detail=str(error)), err=True)
        raise typer.Exit(2) from None
    except DomainError as error:
        typer.echo(plain(_lang(settings), error.key, **error.params), err=True)
        raise typer.Exit(1) from None
    except (SQLAlchemyError, OSError) as error:
        log.debug("database failure", exc_info=True)
        detail = str(error).splitlines()[0][:200]
        typer.echo(plain(_lang(settings), "cli.db_error", detail=detail), err=True)
        raise typer.Exit(1) from None


async def _in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("alembic", "httpx", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _now() -> datetime:
    return datetime.now(UTC)


async def _bot_username(settings: Settings) -> str:
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    try:
        async with Bot(settings.token(), base_url=settings.telegram_api_base_url) as bot:
            return bot.username
    except TelegramError as error:
        raise Fail(plain(settings.default_language, "cli.no_username", detail=str(error))) from None


async def cli_config(settings: Settings) -> BotConfig:
    """What the invite texts need, as `neuguong run` has it: the networks, Telegram's bot
    name (asked from Telegram only when it is configured and not set), Zalo's address, the
    web app's joining page."""
    from bot.app import bot_config

    served = settings.web_enabled and (settings.web_url or settings.web_port)  # 0: a free port
    config = bot_config(settings, settings.site() if served else None)
    if "telegram" in config.networks and not config.bot_username:
        config.bot_username = await _bot_username(settings)
    return config
