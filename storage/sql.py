"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect


def among(dialect: Dialect, column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN (ids)` for a batch of thousands of ids.

    PostgreSQL gets one array parameter (`= ANY($1)`): one prepared statement whatever the
    batch size, no thousands of placeholders to render. SQLite gets the plain IN list."""
    values = list(ids)
    if dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(Integer)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]
