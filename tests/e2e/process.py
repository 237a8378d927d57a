"""Running `neuguong` as a real process, the way an operator does."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.fakes.botapi import FakeBotAPI

SCRIPT = Path(sys.executable).with_name("neuguong")


def command(*args: str) -> list[str]:
    if SCRIPT.exists():
        return [str(SCRIPT), *args]
    return [sys.executable, "-m", "bot", *args]


def clean_env(**values: str) -> dict[str, str]:
    """The caller's environment without any of our settings, plus `values`."""
    ours = ("TELEGRAM_", "DATABASE_URL", "ADMIN_TELEGRAM_IDS", "NEUGUONG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env["NEUGUONG_DIGEST_ENABLED"] = "false"  # real clock: no Monday-morning surprises
    env["NEUGUONG_WEB_PORT"] = "0"  # the web app on a free port: processes run side by side
    env.update(values)
    return env


def cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class BotProcess:
    def __init__(self, api: FakeBotAPI, cwd: Path, **env: str) -> None:
        self.api, self.cwd, self.env = api, cwd, env
        self.proc: asyncio.subprocess.Process | None = None
        self.log = cwd / "bot.log"

    async def start(self, wait_polling: bool = True) -> None:
        """Start `neuguong run`; ready when it polls (or, for a process that is not the
        poller, when it says it is running)."""
        polls = self.api.polls
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *command("run"),
                cwd=self.cwd,
                env=clean_env(**self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        exited = asyncio.create_task(self.proc.wait())
        ready = (lambda: self.api.polls > polls) if wait_polling else self._running
        polling = asyncio.create_task(self.api.wait_for(ready, 60))
        done, pending = await asyncio.wait({exited, polling}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if exited in done or polling.exception() is not None:
            raise AssertionError(self.log.read_text())

    def _running(self) -> bool:
        return "running on" in self.log.read_text()

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await self.api.release_polls()
            await asyncio.wait_for(self.proc.wait(), 30)
            await self.api.resume_polls()
        return self.proc.returncode or 0


async def acli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Like cli(), without blocking the loop the local Bot API server runs on."""
    proc = await asyncio.create_subprocess_exec(
        *command(*args),
        cwd=cwd,
        env=clean_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return subprocess.CompletedProcess(list(args), proc.returncode or 0, out.decode(), err.decode())
