"""`neuguong run`: every configured network (Telegram, Zalo, or both) in one process, one
runtime, one outbox sender.

Each network is supervised on its own (bot/networks.py): one that cannot be reached is
retried while the others serve. The same path in production and in tests, which inject the
clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.background import Background, sqlite_guard
from bot.context import BotConfig
from bot.flows.routes import build_router
from bot.health import Health
from bot.networks import Network, supervise
from bot.runtime import Clock, Runtime, utcnow
from bot.settings import Settings
from bot.web.app import make_app, pages
from bot.web.boundary import Web
from bot.web.server import WebServer
from domain.webaccess import site_key
from jobs.limits import Limiter
from render import offload
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade

log = logging.getLogger(__name__)


Ready = Callable[[str, async_sessionmaker[AsyncSession]], Awaitable[None]]


async def serve(
    settings: Settings,
    stop: asyncio.Event,
    clock: Clock = utcnow,
    webhook: bool = False,
    ready: Ready | None = None,
) -> None:
    """Migrate, plan what came due while down, then receive on every configured network and
    serve the web app until `stop` is set; `ready(site)` once everything is up."""
    names = settings.messengers()
    guard = sqlite_guard(settings.database_url)
    engine = make_engine(settings.database_url)
    networks: list[Network] = []
    site: WebServer | None = None
    try:
        await upgrade(engine)
        sessions = make_sessionmaker(engine)
        from bot.telegram.app import forget_old_updates

        await forget_old_updates(sessions)
        site = _bind(settings)
        config = bot_config(settings, settings.site(site.port) if site else None)
        runtime = Runtime(sessions, config, build_router(), clock)
        limiters = {name: Limiter(settings.limits(name)) for name in names}
        networks = _networks(settings, names, runtime, sessions, engine, limiters, clock, webhook)
        channels = {n.name: n.channel for n in networks}
        background = Background(
            settings, engine, sessions, clock, channels, limiters, site=config.site
        )
        runtime.queued = background.sender.wake
        planned = asyncio.Event()
        health = Health(sessions, clock, background.sender.owner)
        for network in networks:
            network.report = health.report
        watched = [
            asyncio.create_task(supervise(n, stop, planned, health.report)) for n in networks
        ]
        beating = asyncio.create_task(health.run(stop))
        offload.warm_up()  # the file makers loaded now, not on the loop at the first report
        await background.plan()  # what came due while the bot was down, coalesced
        planned.set()  # only then are updates taken: a restart answers from a planned state
        if site is not None:
            await _open_site(site, sessions, config, clock, background, settings)
        background.start()
        log.info(
            "running on %s (%s)", ", ".join(names) or "web", "webhook" if webhook else "polling"
        )
        if ready is not None and config.site:
            await ready(config.site, sessions)
        try:
            await _until_stopped(stop, watched)
        finally:
            await background.shutdown()
            beating.cancel()
            await asyncio.gather(beating, return_exceptions=True)
    finally:
        if site is not None:
            await site.stop()
        for network in networks:
            with contextlib.suppress(Exception):
                await network.close()
        await engine.dispose()
        if guard is not None:
            guard.close()


def _bind(settings: Settings) -> WebServer | None:
    """The web app's socket, bound before anything is served (a taken port stops the start
    with one line)."""
    if not settings.web_enabled:
        return None
    return WebServer(settings.web_host, settings.web_port, bool(settings.web_url))


async def _open_site(
    site: WebServer,
    sessions: async_sessionmaker[AsyncSession],
    config: BotConfig,
    clock: Clock,
    background: Background,
    settings: Settings,
) -> None:
    async with sessions() as session:
        key = await site_key(session)  # made once, before any reminder needs it
        await session.commit()
    web = Web(
        sessions,
        config,
        clock,
        pages(),
        secure=(config.site or "").startswith("https://"),
        queued=background.sender.wake,
        planned=background.plan_soon,
        key=key,
        telegram_token=settings.token() if settings.telegram_bot_token else None,
    )
    site.start(make_app(web))


async def _until_stopped(stop: asyncio.Event, watched: list[asyncio.Task[None]]) -> None:
    """Wait for `stop`; a network's fatal error (a refused token) stops everything."""
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([stopping, *watched], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stopping and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        stop.set()
        stopping.cancel()
        await asyncio.gather(*watched, return_exceptions=True)


def bot_config(settings: Settings, site: str | None = None) -> BotConfig:
    return BotConfig(
        bot_username=(settings.telegram_bot_username or "").lstrip("@"),
        default_language=settings.default_language,
        zone=settings.zone,
        root_admins=frozenset(("telegram", str(i)) for i in settings.admin_telegram_ids),
        invite_days=settings.invite_days,
        invite_uses=settings.invite_uses,
        networks=settings.networks(),
        zalo_link=settings.zalo_bot_link,
        web_url=site,  # invites open the joining page
        site=site,
    )


def _networks(
    settings: Settings,
    names: tuple[str, ...],
    runtime: Runtime,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    limiters: dict[str, Limiter],
    clock: Clock,
    webhook: bool,
) -> list[Network]:
    """The networks with a token, each in its own package; adding one is one line here."""
    found: list[Network] = []
    if "telegram" in names:
        from bot.telegram.app import TelegramNetwork

        found.append(TelegramNetwork(settings, runtime, engine, limiters["telegram"], webhook))
    if "zalo" in names:
        from bot.zalo.network import ZaloNetwork

        found.append(ZaloNetwork(settings, runtime, sessions, engine, limiters["zalo"], clock))
    return found
