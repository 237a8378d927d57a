"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
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


def pairs(dialect: Dialect, values: Mapping[int, int], left: str, right: str) -> Subquery:
    """A derived table of (left, right) integer pairs, e.g. each unit and the campaign it
    follows, to join on: `unnest` of two arrays on PostgreSQL, `json_each` on SQLite; one
    parameter whatever the number of pairs."""
    keys, vals = list(values), [values[k] for k in values]
    if dialect.name == "postgresql":
        table = select(
            func.unnest(literal(keys, ARRAY(Integer))).label(left),
            func.unnest(literal(vals, ARRAY(Integer))).label(right),
        )
        return table.subquery()
    listed = json.dumps([[k, v] for k, v in zip(keys, vals, strict=True)])
    each = func.json_each(listed).table_valued("value")
    table = select(
        func.json_extract(each.c.value, "$[0]").label(left),
        func.json_extract(each.c.value, "$[1]").label(right),
    )
    return table.subquery()
