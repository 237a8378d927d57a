"""The web app under load (issue 16): what a member's phone feels.

The real `neuguong run` (no messenger token: the web app alone) on the 150,000-member data set,
in its own process. Measured from this process, over loopback:

  - page time: 50 signed-in members at once, each opening their report page, home, progress
    and registration in turn and reporting a percentage now and then, for `--seconds` after
    3 seconds of the same load unmeasured (the process's first second — cold
    caches, 50 clients connecting in the same millisecond — is not what a member meets on a
    server that has been up for a day); p50/p99 per page, beside a bare Starlette app
    answering the same clients in the same run;
  - page weight: each member page and its stylesheet, gzip-compressed, as sent;
  - time to a usable report page (its first percentage button visible) in Debian's Chromium
    throttled to 400 kbit/s and 400 ms round trip, median of 5 cold loads.

    python -m bench.web [--members 150000] [--cells 10000] [--seconds 20]

Set NEUGUONG_BENCH_POSTGRES_URL to run on PostgreSQL as well.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import main_on_both, report
from bench.dataset import build
from domain import webaccess
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade

PEOPLE = 50
WARMUP = 3.0  # seconds of load before the measured span
Times = dict[str, list[float]]
PAGES = ("/report", "/", "/progress", "/commitment")
BARE = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
async def page(request):
    return HTMLResponse("<!doctype html><title>x</title><p>" + "Nêu gương " * 200)
app = Starlette(routes=[Route("/report", page)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _prepare(url: str, members: int, cells: int) -> list[str]:
    """The data set, and session cookies for PEOPLE members spread over the province."""
    engine = make_engine(url)
    await upgrade(engine)
    far = datetime.now(UTC) + timedelta(days=30)
    await build(engine, members, cells, far, quiet=False)
    now = datetime.now(UTC)
    tokens = []
    async with make_sessionmaker(engine)() as session:
        for n in range(PEOPLE):
            user_id = 1 + n * (members // PEOPLE)
            raw, _ = await webaccess.start_session(session, user_id, now)
            tokens.append(raw)
        await session.commit()
    await engine.dispose()
    return tokens


def _start(url: str, port: int, cwd: Path) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))},
        "DATABASE_URL": url,
        "NEUGUONG_WEB_PORT": str(port),
        "NEUGUONG_PLANNER_SECONDS": "3600",
        "NEUGUONG_DIGEST_ENABLED": "false",
        "NEUGUONG_LOG_LEVEL": "WARNING",
    }
    log = (cwd / "bot.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=cwd, env=env,
                            stdout=log, stderr=log)  # fmt: skip


async def _wait_up(base: str, path: str = "/healthz") -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                if (await client.get(f"{base}{path}")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{base} did not come up")


async def _member(
    base: str, cookie: str | None, span: tuple[float, float], times: Times, bare: bool
) -> None:
    """One person for the span (monotonic: measured from, until)."""
    cookies = {"ng_session": cookie} if cookie else {}
    measured_from, until = span
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=30) as client:
        n = random.randrange(len(PAGES))
        while time.monotonic() < until:
            kept = times if time.monotonic() >= measured_from else {}
            path = "/report" if bare else PAGES[n % len(PAGES)]
            started = time.perf_counter()
            answer = await client.get(path)
            kept.setdefault(path, []).append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (path, answer.status_code)
            if not bare and path == "/report" and n % 3 == 0:
                await _report(client, answer.text, kept)
            n += 1
            await asyncio.sleep(random.uniform(0.2, 0.6))  # a person reads between pages


async def _report(client: httpx.AsyncClient, page: str, times: Times) -> None:
    form = re.search(r'action="(/report/\d+)".*?name="csrf" value="([^"]+)"', page, re.S)
    if form is None:
        return
    started = time.perf_counter()
    answer = await client.post(
        form.group(1), data={"csrf": form.group(2), "progress": str(random.choice((25, 50, 75)))}
    )
    times.setdefault("POST /report/N", []).append((time.perf_counter() - started) * 1000)
    assert answer.status_code == 303, answer.status_code


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered):.0f} / p99 {p99:.0f} / max {ordered[-1]:.0f} ms"
        f" ({len(ordered)} requests)"
    )


async def _load(base: str, cookies: list[str | None], seconds: float, bare: bool) -> Times:
    times: Times = {}
    start = time.monotonic() + WARMUP
    span = (start, start + seconds)
    await asyncio.gather(*(_member(base, c, span, times, bare) for c in cookies))
    return times


async def _weights(base: str, cookie: str) -> None:
    async with httpx.AsyncClient(base_url=base, cookies={"ng_session": cookie}) as client:
        css = len(gzip.compress((await client.get("/static/app.css")).content))
        for path in PAGES:
            html = len(gzip.compress((await client.get(path)).content))
            report(f"  page weight {path} (gzip, with its CSS)", "-",
                   f"{(html + css) / 1024:.1f} KB")  # fmt: skip


async def _slow_phone(base: str, cookie: str) -> None:
    from playwright.async_api import async_playwright

    loads = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        for _ in range(5):
            context = await browser.new_context(viewport={"width": 360, "height": 740})
            host = base.split("//")[1].split(":")[0]
            await context.add_cookies(
                [{"name": "ng_session", "value": cookie, "domain": host, "path": "/"}]
            )
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            await cdp.send("Network.enable")
            await cdp.send("Network.emulateNetworkConditions", {
                "offline": False, "latency": 400,
                "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8,
            })  # fmt: skip
            started = time.perf_counter()
            await page.goto(f"{base}/report", wait_until="commit")
            await page.locator("button.step").first.wait_for(state="visible")
            loads.append(time.perf_counter() - started)
            await context.close()
        await browser.close()
    report("  usable report page, 400 kbit/s + 400 ms RTT (median of 5)", "-",
           f"{statistics.median(loads):.2f} s (max {max(loads):.2f} s)")  # fmt: skip


def run(url: str, backend: str, members: int, cells: int, seconds: int) -> None:
    started = time.monotonic()
    cookies = asyncio.run(_prepare(url, members, cells))
    report(f"data set: {members} members, {cells} cells", backend,
           f"built in {time.monotonic() - started:.0f} s")  # fmt: skip
    port, bare_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as folder:
        bot = _start(url, port, Path(folder))
        bare = subprocess.Popen([sys.executable, "-c", BARE, str(bare_port)])
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(_wait_up(base))
            asyncio.run(_wait_up(f"http://127.0.0.1:{bare_port}", "/report"))
            times = asyncio.run(_load(base, list(cookies), seconds, bare=False))
            for path, values in sorted(times.items()):
                report(f"  {PEOPLE} members at once: {path}", backend, _summary(values))
            plain = asyncio.run(
                _load(f"http://127.0.0.1:{bare_port}", [None] * PEOPLE, seconds, True)
            )
            report(f"  bare Starlette, the same {PEOPLE} clients", backend,
                   _summary(plain["/report"]))  # fmt: skip
            asyncio.run(_weights(base, cookies[0]))
            asyncio.run(_slow_phone(base, cookies[1]))
        finally:
            bare.terminate()
            bot.terminate()
            bot.wait(30)
            bare.wait(30)


def main() -> None:
    main_on_both(run, "web")


if __name__ == "__main__":
    main()
