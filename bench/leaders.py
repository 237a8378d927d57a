"""The secretary's desk and the committee's console under load (issue 17): what leaders feel.

The real `neuguong run` (web app alone) on the 150,000-member, 10,000-cell data set, in its
own process; 20 signed-in leaders at once, each opening their page every 0.5–1.5 s for
`--seconds` after 3 s of the same load unmeasured:

  - 5 admins of the province: its statistics (90 grassroots units, 150,000 members counted);
  - 5 admins of a grassroots đảng bộ: its statistics (about 110 cells);
  - 5 secretaries of a 60-member cell: the desk (the week's figures, the table of members);
  - 5 secretaries with 50 registrations waiting: the approvals page.

p50/p99 per page. Set NEUGUONG_BENCH_POSTGRES_URL to run on PostgreSQL as well.

    python -m bench.leaders [--members 150000] [--cells 10000] [--seconds 20]
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, update

from bench.common import main_on_both, report
from bench.dataset import build
from bench.web import WARMUP, _start, _summary, _wait_up, free_port
from domain import webaccess
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Commitment, Member, RoleGrant, Unit

BIG_CELLS = 10  # cells grown to 60 members; the first five have 50 registrations waiting
CELL_SIZE = 60
WAITING = 50


async def _prepare(url: str, members: int, cells: int) -> list[tuple[str, str]]:
    """The data set, the leaders' grants, and (page, session cookie) for each leader."""
    engine = make_engine(url)
    await upgrade(engine)
    await build(engine, members, cells, datetime.now(UTC) + timedelta(days=30), quiet=False)
    now = datetime.now(UTC)
    async with make_sessionmaker(engine)() as s:
        root = await s.scalar(select(Unit.id).where(Unit.parent_id.is_(None)))
        grassroots = list(await s.scalars(select(Unit.id).where(Unit.parent_id == root).limit(5)))
        leaves = list(
            await s.scalars(
                select(Unit.id).where(Unit.kind == "chi_bo_truc_thuoc").limit(BIG_CELLS)
            )
        )
        pages: list[tuple[int, str]] = []
        donor = members  # members taken from the end of the list into the big cells
        for n, cell in enumerate(leaves):
            moved = list(range(donor - (CELL_SIZE - members // cells) + 1, donor + 1))
            donor -= len(moved)
            await s.execute(update(Member).where(Member.id.in_(moved)).values(unit_id=cell))
            people = list(await s.scalars(select(Member.id).where(Member.unit_id == cell)))
            secretary = people[0]
            s.add(RoleGrant(user_id=secretary, unit_id=cell, role="secretary", created_at=now))
            if n < 5:
                await s.execute(
                    update(Commitment)
                    .where(Commitment.member_id.in_(people[1 : WAITING + 1]))
                    .values(state="submitted", approved_version=0, submitted_at=now)
                )
                pages.append((secretary, "/approvals"))
            else:
                pages.append((secretary, f"/desk/{cell}"))
        for n in range(5):
            s.add(RoleGrant(user_id=1000 + n, unit_id=root, role="admin", created_at=now))
            pages.append((1000 + n, f"/console/stats/{root}"))
            s.add(RoleGrant(user_id=2000 + n, unit_id=grassroots[n], role="admin", created_at=now))
            pages.append((2000 + n, f"/console/stats/{grassroots[n]}"))
        found = []
        for user, path in pages:
            raw, _ = await webaccess.start_session(s, user, now)
            found.append((path, raw))
        await s.commit()
    await engine.dispose()
    return found


def _kind(path: str) -> str:
    if path.startswith("/console/stats/"):
        return "statistics"
    return "desk" if path.startswith("/desk/") else "approvals"


async def _leader(
    base: str, path: str, cookie: str, span: tuple[float, float], times: dict[str, list[float]]
) -> None:
    measured_from, until = span
    async with httpx.AsyncClient(base_url=base, cookies={"ng_session": cookie}, timeout=60) as c:
        while time.monotonic() < until:
            kept = times if time.monotonic() >= measured_from else {}
            started = time.perf_counter()
            answer = await c.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            kept.setdefault(path, []).append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(random.uniform(0.5, 1.5))  # a leader reads what came


async def _load(base: str, leaders: list[tuple[str, str]], seconds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    start = time.monotonic() + WARMUP
    span = (start, start + seconds)
    await asyncio.gather(*(_leader(base, p, c, span, times) for p, c in leaders))
    return times


def run(url: str, backend: str, members: int, cells: int, seconds: int) -> None:
    started = time.monotonic()
    leaders = asyncio.run(_prepare(url, members, cells))
    report(f"data set: {members} members, {cells} cells", backend,
           f"built in {time.monotonic() - started:.0f} s")  # fmt: skip
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        bot = _start(url, port, Path(folder))
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(_wait_up(base))
            times = asyncio.run(_load(base, leaders, seconds))
            by_kind: dict[str, list[float]] = {}
            for path, values in times.items():
                label = "province" if path.endswith(f"/{_root_of(times)}") else _kind(path)
                by_kind.setdefault(label, []).extend(values)
            for label, values in sorted(by_kind.items()):
                report(f"  20 leaders at once: {label}", backend, _summary(values))
        finally:
            bot.terminate()
            bot.wait(30)


def _root_of(times: dict[str, list[float]]) -> str:
    """The province's id: the smallest unit id among the statistics pages."""
    ids = [int(p.rsplit("/", 1)[1]) for p in times if p.startswith("/console/stats/")]
    return str(min(ids)) if ids else ""


def main() -> None:
    main_on_both(run, "leaders")


if __name__ == "__main__":
    main()
