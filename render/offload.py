"""Heavy rendering off the event loop: charts in a worker process (matplotlib holds the GIL
for a quarter of a second a chart), workbooks and PDFs in a thread; a file made once is kept a
little while, so a report's chart is drawn once per unit, week and language, not once per
reader."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

KEPT = 64  # files kept for readers of the same report
NICE = 10  # rendering yields the CPU to the loop, the database and the network on a small host

_threads: ThreadPoolExecutor | None = None
_processes: ProcessPoolExecutor | None = None
_kept: OrderedDict[tuple[object, ...], asyncio.Future[bytes]] = OrderedDict()


def _background() -> None:
    """A worker (process or thread) runs at a lower priority than the members' answers: on two
    cores a chart in flight otherwise takes CPU from the loop and from PostgreSQL."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)


def _executor(process: bool) -> Executor:
    global _threads, _processes
    if process:
        if _processes is None:  # spawned, not forked: the bot's loop and threads stay here
            context = multiprocessing.get_context("spawn")
            _processes = ProcessPoolExecutor(1, mp_context=context, initializer=_background)
        return _processes
    if _threads is None:
        _threads = ThreadPoolExecutor(2, thread_name_prefix="render", initializer=_background)
    return _threads


def _preload() -> bytes:
    """In the worker: matplotlib loaded before the first chart is asked for."""
    import matplotlib.figure  # noqa: F401

    return b""


def warm_up() -> None:
    """At start-up, before any update: the file makers' modules loaded here (openpyxl, fpdf2:
    a few hundred milliseconds that would otherwise stall the loop at the first report) and
    the chart worker started and loaded, at its lower priority, in the background."""
    import render.admin_files
    import render.report_files
    import render.report_print  # noqa: F401

    _executor(True).submit(_preload)


async def run(make: Callable[..., T], *args: Any, process: bool = False) -> T:
    """`make(*args)` in a thread, or in the worker process (`make` and `args` must pickle)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(process), make, *args)


async def once(key: tuple[object, ...], make: Callable[[], asyncio.Future[bytes]]) -> bytes:
    """The file for `key`, made once while it is kept (concurrent askers share the making)."""
    found = _kept.get(key)
    if found is None or (found.done() and found.exception() is not None):
        found = asyncio.ensure_future(make())
        _kept[key] = found
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    else:
        _kept.move_to_end(key)
    return await asyncio.shield(found)


def shutdown() -> None:
    global _threads, _processes
    for pool in (_threads, _processes):
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
    _threads = _processes = None
    _kept.clear()
