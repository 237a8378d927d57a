"""Shared fixtures: real databases (SQLite, and PostgreSQL when configured), the local Bot API
server, and the bot itself started through the production entry point."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import serve
from bot.settings import Settings
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.zaloapi import FakeZaloAPI

PG_URL = os.environ.get("NEUGUONG_TEST_POSTGRES_URL", "")
if os.environ.get("CI") == "true" and not PG_URL:
    raise pytest.UsageError("CI must run the PostgreSQL tests: set NEUGUONG_TEST_POSTGRES_URL")
ROOT_ADMIN = 1
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(not PG_URL, reason="NEUGUONG_TEST_POSTGRES_URL is not set"),
    ),
]


async def _pg_admin(sql: str) -> None:
    import asyncpg

    dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'neuguong.db'}"
        return
    name = f"neuguong_t_{secrets.token_hex(6)}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
async def zaloapi() -> AsyncIterator[FakeZaloAPI]:
    """The local Zalo Bot Platform server (tests/fakes/zaloapi.py)."""
    api = FakeZaloAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def botapi() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


def test_settings(api: FakeBotAPI, db_url: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_URL": db_url,
        "ADMIN_TELEGRAM_IDS": str(ROOT_ADMIN),
        # Weekly reports only where a test asks: most tests run on the real clock, and on a
        # Monday morning the start-up tick would send every secretary a report.
        "NEUGUONG_DIGEST_ENABLED": "false",
        "NEUGUONG_WEB_PORT": 0,  # the web app on a free port: tests may run side by side
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class RunningBot:
    api: FakeBotAPI
    settings: Settings
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def shutdown(self) -> None:
        self.stop.set()
        await self.api.release_polls()
        await asyncio.wait_for(self.task, 30)
        await self.api.resume_polls()


class FakeClock:
    """Time for the bot under test: set and advanced by the test, never slept on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def start_bot(
    api: FakeBotAPI,
    db_url: str,
    clock: FakeClock | None = None,
    webhook: bool = False,
    **extra: object,
) -> RunningBot:
    settings = test_settings(api, db_url, **extra)
    stop = asyncio.Event()
    now = clock or (lambda: datetime.now(UTC))
    task = asyncio.create_task(serve(settings, stop, now, webhook=webhook))
    polls = api.polls

    def ready() -> bool:
        if webhook:
            return getattr(api, "webhook", None) is not None or task.done()
        return api.polls > polls or task.done()

    await api.wait_for(ready, 30)
    if task.done():
        task.result()
    return RunningBot(api, settings, stop, task)


@pytest.fixture
async def bot(botapi: FakeBotAPI, db_url: str) -> AsyncIterator[RunningBot]:
    """The bot, running in this process exactly as `neuguong run` runs it."""
    running = await start_bot(botapi, db_url)
    yield running
    await running.shutdown()


@pytest.fixture
async def bot_sessions(
    bot: RunningBot, db_url: str
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the running bot's database, to check what was stored."""
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()
