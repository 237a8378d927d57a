"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    any_,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect


def among(dialect: Dialect, column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN (ids)` for a batch of thousands of ids.

    One parameter whatever the batch size, so the statement is compiled once and no
    thousands of placeholders are rendered: an array on PostgreSQL (`= ANY($1)`), a JSON
    list read by `json_each` on SQLite."""
    values = [int(i) for i in ids]
    if dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(Integer)))  # type: ignore[no-any-return]
    listed: Select[Any] = select(literal_column("value")).select_from(
        func.json_each(json.dumps(values))
    )
    return column.in_(listed)  # type: ignore[no-any-return]
