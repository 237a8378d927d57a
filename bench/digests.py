"""Weekly report benchmarks (issue 5). Prints a table; figures go to BENCHMARKS.md.

    python -m bench.digests [--members 150000] [--cells 10000] [--charts 500]

The data set is bench.dataset's province (an approved commitment with two items for every
member) plus four weeks of progress reports from about two members in three, some items
finished, some past their deadline, some in difficulty, a few members blocked.

Set NEUGUONG_BENCH_POSTGRES_URL to include PostgreSQL (a scratch database is created and
dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import cpu_reference, drop_pg, print_table, report, scratch_pg
from bench.dataset import build as build_province
from domain.digest import reported_week
from domain.reports import build
from jobs.tuning import tune_gc
from render.report_files import chart_png, digest_xlsx
from render.report_text import digest_text
from storage.db import make_engine, make_sessionmaker
from storage.dto import UnitDTO
from storage.migrate import upgrade
from storage.models import Unit
from storage.repos.units import to_dto

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2027, 3, 15, 0, 30, tzinfo=UTC)  # 07:30 in Hà Nội
CHUNK = 500  # cells per build() call, as the sender composes them in batches


async def seed_reports(engine: AsyncEngine) -> None:
    """Progress reports over the four weeks before MONDAY, in bulk."""
    week = timedelta(days=7)
    async with engine.begin() as conn:
        for n in range(4):
            at = (MONDAY - week * (n + 1) + timedelta(hours=3)).replace(tzinfo=None)
            await conn.execute(
                text(
                    "INSERT INTO checkins (item_id, commitment_id, progress, status, created_at,"
                    " updated_at) SELECT id, commitment_id, :p, :s, :at, :at FROM"
                    " commitment_items WHERE kind = 'example' AND id % 3 != :skip"
                ),
                {"p": 25 * (4 - n), "s": "in_progress", "at": at, "skip": n % 3},
            )
        await conn.execute(
            text("UPDATE commitment_items SET progress = 100, status = 'done' WHERE id % 7 = 0")
        )
        await conn.execute(text("UPDATE commitment_items SET status = 'blocked' WHERE id % 29 = 0"))
        await conn.execute(
            text("UPDATE commitment_items SET deadline = :d WHERE id % 11 = 0"),
            {"d": date(2027, 2, 28)},
        )
        await conn.execute(text("UPDATE schedules SET missed = 2 WHERE member_id % 13 = 0"))
        await conn.execute(
            text("UPDATE accounts SET unreachable_at = :t WHERE id % 50 = 0"),
            {"t": MONDAY.replace(tzinfo=None)},
        )


class QueryCounter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


async def all_units(engine: AsyncEngine) -> list[UnitDTO]:
    async with make_sessionmaker(engine)() as session:
        return [to_dto(u) for u in await session.scalars(select(Unit).order_by(Unit.path))]


@dataclass
class Timings:
    data: float = 0.0  # loading and counting (build())
    text: float = 0.0
    xlsx: float = 0.0
    xlsx_bytes: int = 0
    charts: float = 0.0
    chart_bytes: int = 0
    chart_count: int = 0
    units: int = 0
    longest: int = 0


async def every_report(
    engine: AsyncEngine, units: list[UnitDTO], chart_every: int, timings: Timings
) -> None:
    """Cells a chunk at a time, as the sender composes them, then every unit with sub-units
    in one pass over the tree; each chunk's reports are rendered and dropped."""
    parents = {u.parent_id for u in units if u.parent_id is not None}
    cells = [u for u in units if u.id not in parents]
    rollups = [u for u in units if u.id in parents]
    chunks = [cells[i : i + CHUNK] for i in range(0, len(cells), CHUNK)] + [rollups]
    week = reported_week(MONDAY, ZONE, scheduled=True)
    today = MONDAY.astimezone(ZONE).date()
    sessions = make_sessionmaker(engine)
    for chunk in chunks:
        started = time.perf_counter()
        async with sessions() as session:
            digests = await build(session, chunk, MONDAY, week)
        timings.data += time.perf_counter() - started
        started = time.perf_counter()
        texts = [digest_text("vi", d) for d in digests]
        timings.text += time.perf_counter() - started
        timings.longest = max(timings.longest, *(len(t) for t in texts))
        started = time.perf_counter()
        timings.xlsx_bytes += sum(len(digest_xlsx("vi", d, today)) for d in digests)
        timings.xlsx += time.perf_counter() - started
        sample = [d for d in digests if (timings.units + digests.index(d)) % chart_every == 0]
        started = time.perf_counter()
        timings.chart_bytes += sum(len(chart_png("vi", d)) for d in sample)
        timings.charts += time.perf_counter() - started
        timings.chart_count += len(sample)
        timings.units += len(digests)


async def run(url: str, backend: str, members: int, cells: int, charts: int) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    started = time.perf_counter()
    await build_province(engine, members, cells, MONDAY)
    await seed_reports(engine)
    report(f"build the data set ({members:,} members, {cells:,} cells)", backend,
           f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    units = await all_units(engine)
    counter = QueryCounter(engine)
    timings = Timings()
    await every_report(engine, units, max(len(units) // charts, 1), timings)
    n = timings.units
    report(f"text and data of every unit's report ({n:,} units)", backend,
           f"{timings.data + timings.text:.1f} s (data {timings.data:.1f} s, text"
           f" {timings.text:.1f} s), {counter.count} queries ({counter.count / n:.3f} per"
           f" unit), longest text {timings.longest} characters")  # fmt: skip
    each = f"{1000 * timings.xlsx / n:.1f} ms each, {timings.xlsx_bytes / n / 1024:.0f} KB each"
    report(f"XLSX of every unit's report ({n:,})", backend, f"{timings.xlsx:.1f} s ({each})")
    count = timings.chart_count
    size = timings.chart_bytes / count / 1024
    each = f"{1000 * timings.charts / count:.0f} ms each, {size:.0f} KB each"
    report(f"PNG charts of a sample of {count} units", backend, f"{timings.charts:.1f} s ({each})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report("peak memory of this process so far", backend, f"{peak:.0f} MB")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=150_000)
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--charts", type=int, default=500)
    args = parser.parse_args()
    tune_gc()  # as `neuguong run` does (jobs/tuning.py)
    report("reference: pure-Python loop of 10^7 additions", "cpu", f"{cpu_reference():.2f} s")
    backends = [("sqlite", f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db")]
    pg = os.environ.get("NEUGUONG_BENCH_POSTGRES_URL")
    if pg:
        backends.append(("postgres", await scratch_pg(pg)))
    try:
        for backend, url in backends:
            await run(url, backend, args.members, args.cells, args.charts)
    finally:
        if pg:
            await drop_pg(pg, backends[-1][1])
    print_table()


if __name__ == "__main__":
    asyncio.run(main())
