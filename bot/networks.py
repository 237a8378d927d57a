"""The chat networks `neuguong run` serves, each behind one small interface, supervised: a
network that cannot be reached at start-up or later is retried with a growing backoff and
reported, while the others keep serving. Only a setting the network refuses (a wrong token)
stops the process.

In polling mode one process per network polls (an advisory lock on PostgreSQL, like the
sender's): the others plan and send, and take over within seconds if the poller dies. Webhook
mode is the way to spread updates over several processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from jobs.channel import Channel
from jobs.limits import Limiter
from storage.locks import POLLERS, ProcessLock

log = logging.getLogger(__name__)
RETRY_FIRST, RETRY_MAX = 2.0, 60.0
LEADER_RETRY = 5.0
LEADER_CHECK = 1.0


Report = Callable[[str, str, str], None]  # network, state (bot/health.py), error


class Fatal(Exception):
    """The network refuses our settings (a wrong token): nothing to retry."""


class Network(Protocol):
    name: str
    limiter: Limiter  # shared by the outbox and the replies
    report: Report  # told when receiving fails or recovers inside `receive`

    @property
    def channel(self) -> Channel:
        """The outbox's way out on this network."""

    async def connect(self) -> None:
        """Reach the network (check the token, set the webhook); raise to be retried."""

    async def receive(self, stop: asyncio.Event) -> None:
        """Take updates until `stop`; raise to be reconnected."""

    async def close(self) -> None: ...


async def supervise(
    network: Network,
    stop: asyncio.Event,
    planned: asyncio.Event,
    report: Report = lambda *_: None,
) -> None:
    """Connect and receive; on any failure but a Fatal one, wait and try again."""
    delay = RETRY_FIRST
    while not stop.is_set():
        try:
            if delay == RETRY_FIRST:  # retrying after a failure, it stays "down" until up
                report(network.name, "connecting", "")
            await network.connect()
            await planned.wait()  # a restart answers from a planned state
            if stop.is_set():
                return
            log.info("%s: receiving", network.name)
            report(network.name, "up", "")
            await network.receive(stop)
            delay = RETRY_FIRST
        except Fatal as error:
            report(network.name, "down", str(error))
            raise
        except Exception as error:
            detail = f"{type(error).__name__}: {error}"
            report(network.name, "down", detail)
            log.warning(
                "%s is unavailable (%s); trying again in %.0f s", network.name, detail, delay
            )
            await _sleep(stop, delay)
            delay = min(delay * 2, RETRY_MAX)


async def as_poller(
    engine: AsyncEngine,
    name: str,
    stop: asyncio.Event,
    poll: Callable[[asyncio.Event], Awaitable[None]],
) -> None:
    """Run `poll(until)` while this process holds the network's poller lock; `until` is set
    when stopping or when the lock is lost (then another process polls)."""
    lock = ProcessLock(engine, POLLERS[name])
    try:
        while not stop.is_set():
            if not await lock.acquire():
                await _sleep(stop, LEADER_RETRY)
                continue
            log.info("%s: this process polls for updates", name)
            until = asyncio.Event()
            watch = asyncio.create_task(_watch(lock, stop, until))
            try:
                await poll(until)
            finally:
                until.set()
                watch.cancel()
                await asyncio.gather(watch, return_exceptions=True)
            if not stop.is_set() and not lock.held:
                log.warning("%s: the poller lock was lost; another process polls", name)
    finally:
        await lock.close()


async def _watch(lock: ProcessLock, stop: asyncio.Event, until: asyncio.Event) -> None:
    while not stop.is_set() and not until.is_set() and await lock.check():
        await _sleep(stop, LEADER_CHECK)
    until.set()


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
