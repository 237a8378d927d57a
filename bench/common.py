"""What every benchmark shares: the result table, medians, a CPU reference, scratch databases."""

from __future__ import annotations

import secrets
import statistics
import time

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
