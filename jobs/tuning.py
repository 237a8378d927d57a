"""Garbage-collector settings for the long-running bot process.

With CPython's default thresholds (a young collection every 700 allocations) a planner burst
of 150,000 reminders or a weekly report run spends a fifth to a quarter of its time in the
collector, mostly rescanning objects that live as long as the process. At start-up those
objects are frozen (never scanned again) and the young generation is collected every 50,000
allocations, as high-throughput Python services commonly do. Measured in BENCHMARKS.md.
"""

from __future__ import annotations

import gc

YOUNG = 50_000


def tune_gc() -> None:
    gc.freeze()
    gc.set_threshold(YOUNG, 20, 20)
