"""What every benchmark shares: the result table, medians, a CPU reference, scratch databases."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable

ROWS: list[tuple[str, str, str]] = []


def report(name: str, backend: str, value: str) -> None:
    ROWS.append((name, backend, value))
    print(f"{name:<58} {backend:<10} {value}", flush=True)


def median_of(values: list[float]) -> float:
    return statistics.median(values)


def cpu_reference() -> float:
    """Seconds for a fixed pure-Python loop: the machine is noisy, so each table says how fast
    it was running (divide a figure by this to compare runs made on different days)."""
    started = time.perf_counter()
    total = 0
    for n in range(10_000_000):
        total += n
    return time.perf_counter() - started


async def scratch_pg(url: str) -> str:
    import asyncpg

    name = f"neuguong_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return url.rsplit("/", 1)[0] + "/" + name


async def drop_pg(url: str, scratch: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    await conn.execute(f'DROP DATABASE IF EXISTS "{scratch.rsplit("/", 1)[1]}" WITH (FORCE)')
    await conn.close()


def print_table() -> None:
    print("\n| measurement | backend | figure |\n|---|---|---|")
    for name, backend, value in ROWS:
        print(f"| {name.strip()} | {backend} | {value} |")


Run = Callable[[str, str, int, int, int], None]


def main_on_both(run: Run, name: str) -> None:
    """The arguments every load benchmark takes; `run(url, backend, members, cells, seconds)`
    on a scratch SQLite file, then on a scratch PostgreSQL database when
    NEUGUONG_BENCH_POSTGRES_URL is set; the table at the end."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=150_000)
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    report("CPU reference (10M-step loop)", "-", f"{cpu_reference():.2f} s")
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/{name}.db"
            run(url, "SQLite", args.members, args.cells, args.seconds)
    pg = os.environ.get("NEUGUONG_BENCH_POSTGRES_URL")
    if pg:
        scratch = asyncio.run(scratch_pg(pg))
        try:
            run(scratch, "PostgreSQL", args.members, args.cells, args.seconds)
        finally:
            asyncio.run(drop_pg(pg, scratch))
    print_table()
