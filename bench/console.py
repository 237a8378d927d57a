"""The committee's console benchmarks (issue 6). Prints a table; figures go to BENCHMARKS.md.

    python -m bench.console [--members 150000] [--cells 10000] [--runs 3]

- importing a province's members list (XLSX and CSV), every row checked, units created,
  members and their personal invites written, as `neuguong import members` does it; then the
  same file again (nothing to change);
- planning a broadcast to every member (one outbox row each, in one transaction).

Set NEUGUONG_BENCH_POSTGRES_URL to include PostgreSQL (a scratch database each run).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import tempfile
import time
from datetime import UTC, datetime

from openpyxl import Workbook
from sqlalchemy import delete, func, select, update

from bench.common import cpu_reference, drop_pg, median_of, print_table, report, scratch_pg
from bench.dataset import build
from domain import imports, tables
from jobs import broadcasts
from jobs.tuning import tune_gc
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Broadcast, Member, OutboxMessage

NOW = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)
HEADER = ["Đơn vị", "Họ và tên", "Chức vụ", "Người đứng đầu", "Vai trò", "Điện thoại"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hữu"]
GIVEN = ["An", "Bình", "Cúc", "Dũng", "Giang", "Hùng", "Khánh", "Lan", "Minh", "Nga", "Phúc"]


def province_rows(members: int, cells: int, grassroots: int = 90) -> list[list[str]]:
    root = "Đảng bộ Khối các cơ quan tỉnh"
    paths = [
        f"{root}/Đảng bộ Cơ quan số {c % grassroots + 1}/Chi bộ {c // grassroots + 1}"
        for c in range(cells)
    ]
    rows = []
    for n in range(members):
        name = f"{FAMILY[n % 10]} {MIDDLE[n // 10 % 6]} {GIVEN[n // 60 % 11]} {_suffix(n)}"
        role = "Bí thư" if n < cells else "Đảng viên"
        head = "x" if n % 40 == 0 else ""
        rows.append([paths[n % cells], name, "Chuyên viên", head, role, f"09{n:08d}"])
    return rows


def _suffix(n: int) -> str:
    letters = "abcdeghiklmnopqrstuvxy"
    out, n = "", n // 660 + 1
    while n:
        n, r = divmod(n, len(letters))
        out += letters[r]
    return out.capitalize()


def as_xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def _fresh(backend: str, pg: str | None, folder: str, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{folder}/{name}.db"
    assert pg is not None
    return await scratch_pg(pg)


async def _import(url: str, data: bytes, name: str) -> tuple[float, float, float, int]:
    """Read + check, write (commit), then the same file again. Seconds each, and members."""
    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        started = time.perf_counter()
        table = tables.read(data, name)
        async with sessions() as s:
            found = await imports.check(s, None, table)
        checked = time.perf_counter()
        async with sessions() as s:
            done = await imports.apply(s, None, found, NOW)
            await s.commit()
        written = time.perf_counter()
        assert not found.errors, found.errors[:3]
        assert done.created == len(table.rows), done
        again = time.perf_counter()
        async with sessions() as s:
            redo = await imports.apply(
                s, None, await imports.check(s, None, tables.read(data, name)), NOW
            )
            await s.commit()
        assert redo.created == 0
        assert redo.unchanged == done.created
        return checked - started, written - checked, time.perf_counter() - again, done.created
    finally:
        await engine.dispose()


async def import_bench(
    backend: str, pg: str | None, folder: str, rows: list[list[str]], runs: int
) -> None:
    for kind, data in (("xlsx", as_xlsx(rows)), ("csv", as_csv(rows))):
        totals, parts = [], []
        for n in range(runs):
            url = await _fresh(backend, pg, folder, f"import-{kind}-{n}")
            try:
                check, write, again, count = await _import(url, data, f"ds.{kind}")
            finally:
                if backend == "postgres" and pg:
                    await drop_pg(pg, url)
            totals.append(check + write)
            parts.append((check, write, again))
        middle = sorted(parts, key=lambda p: p[0] + p[1])[len(parts) // 2]
        report(
            f"import {count:,} members from {kind.upper()} ({len(data) / 1e6:.1f} MB), "
            f"median of {runs}",
            backend,
            f"{median_of(totals):.1f} s (read+check {middle[0]:.1f}, write {middle[1]:.1f}; "
            f"runs: {', '.join(f'{t:.1f}' for t in totals)})",
        )
        report(f"  the same {kind.upper()} again (nothing changes)", backend, f"{middle[2]:.1f} s")


async def broadcast_bench(url: str, backend: str, members: int, cells: int, runs: int) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await build(engine, members, cells, NOW)
    sessions = make_sessionmaker(engine)
    timings = []
    try:
        for _ in range(runs):
            async with sessions() as s:
                await s.execute(delete(OutboxMessage))
                await s.execute(delete(Broadcast))
                s.add(
                    Broadcast(
                        created_by=None, unit_ids=[], audience="everyone", text="Thông báo",
                        send_at=NOW, state="scheduled", recipients=0, created_at=NOW,
                    )
                )  # fmt: skip
                await s.commit()
            started = time.perf_counter()
            queued = await broadcasts.plan(sessions, NOW)
            timings.append(time.perf_counter() - started)
            async with sessions() as s:
                rows = await s.scalar(select(func.count()).where(OutboxMessage.kind == "broadcast"))
                reached = await s.scalar(select(func.count()).where(Member.user_id.isnot(None)))
            assert queued == rows == reached == members, (queued, rows, reached)
        async with sessions() as s:
            await s.execute(update(Broadcast).values(state="done"))
            await s.commit()
    finally:
        await engine.dispose()
    report(
        f"plan a broadcast to {members:,} members (outbox rows written), median of {runs}",
        backend,
        f"{median_of(timings):.1f} s (runs: {', '.join(f'{t:.1f}' for t in timings)})",
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=150_000)
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["import", "broadcast"])
    args = parser.parse_args()
    tune_gc()  # as `neuguong run` does
    report("reference: pure-Python loop of 10^7 additions", "cpu", f"{cpu_reference():.2f} s")
    pg = os.environ.get("NEUGUONG_BENCH_POSTGRES_URL")
    backends = ["sqlite"] + (["postgres"] if pg else [])
    folder = tempfile.mkdtemp()
    rows = province_rows(args.members, args.cells)
    for backend in backends:
        if args.only != "broadcast":
            await import_bench(backend, pg, folder, rows, args.runs)
        if args.only != "import":
            url = await _fresh(backend, pg, folder, "broadcast")
            try:
                await broadcast_bench(url, backend, args.members, args.cells, args.runs)
            finally:
                if backend == "postgres" and pg:
                    await drop_pg(pg, url)
    print_table()


if __name__ == "__main__":
    asyncio.run(main())
