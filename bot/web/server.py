"""The web app inside the bot's own event loop: uvicorn on a socket we bind ourselves (a taken
port is one clear line, not an exit from inside a task), without uvicorn's signal handlers
(`neuguong run` has its own)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)


class PortTaken(Exception):
    """The web app's address is in use (or not ours to bind)."""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise PortTaken(f"{host}:{port} ({error.strerror})") from None
    sock.listen(512)
    sock.setblocking(False)
    return sock


class WebServer:
    def __init__(self, host: str, port: int, proxied: bool = False) -> None:
        self.sock = bind(host, port)
        self.port: int = self.sock.getsockname()[1]
        self.proxied = proxied
        self.server: _Server | None = None
        self.task: asyncio.Task[None] | None = None

    def start(self, app: ASGIApp) -> None:
        proxied = self.proxied
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            proxy_headers=proxied,
            forwarded_allow_ips="127.0.0.1" if proxied else None,
            timeout_graceful_shutdown=5,
        )
        self.server = _Server(config)
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))

    async def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)
        self.sock.close()
