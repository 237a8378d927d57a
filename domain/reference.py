"""Reference lists kept as data files an admin can edit (domain/data/*.toml)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Manifestations:
    source: str
    pledge: str
    groups: tuple[tuple[str, tuple[str, ...]], ...]


def data_dir() -> Path:
    override = os.environ.get("NEUGUONG_DATA_DIR")
    return Path(override) if override else DATA


@cache
def manifestations() -> Manifestations:
    """The 27 manifestations in three groups of nine, and the pledge sentence."""
    with (data_dir() / "manifestations.toml").open("rb") as handle:
        raw = tomllib.load(handle)
    groups = tuple((str(g["title"]), tuple(str(i) for i in g["items"])) for g in raw["groups"])
    return Manifestations(str(raw["source"]), str(raw["pledge"]), groups)
