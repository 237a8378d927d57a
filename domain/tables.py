"""Reading a members spreadsheet (XLSX or CSV) into rows keyed by our column names.

Headers are matched loosely: Vietnamese or English, any case, with or without diacritics
("Họ và tên", "ho va ten", "Full name"). Lines keep their numbers in the file, so an error
report points at the line the admin sees in Excel. Empty lines are skipped.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass

from domain.errors import DomainError

MAX_BYTES = 30 * 1024 * 1024
HEADERS = {
    "unit": ("đơn vị", "đường dẫn đơn vị", "chi bộ", "unit", "unit path", "path"),
    "name": ("họ và tên", "họ tên", "tên", "full name", "name"),
    "position": ("chức vụ", "chức vụ chính quyền", "position", "job title"),
    "head": ("người đứng đầu", "đứng đầu", "head", "head of agency"),
    "role": ("vai trò", "vai trò trong chi bộ", "role"),
    "phone": ("điện thoại", "số điện thoại", "sđt", "phone", "phone number"),
}


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: 'Họ và  tên' -> 'ho va ten'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.lower().replace("_", " ").split())


_BY_FOLDED = {fold(alias): name for name, aliases in HEADERS.items() for alias in aliases}


@dataclass(frozen=True)
class Table:
    columns: frozenset[str]
    rows: list[tuple[int, dict[str, str]]]  # (line in the file, column -> text)


def read(data: bytes, filename: str) -> Table:
    """An XLSX or CSV file; DomainError for anything else or a file that cannot be read."""
    if len(data) > MAX_BYTES:
        raise DomainError("import.file_too_big", mb=MAX_BYTES // (1024 * 1024))
    lowered = filename.lower()
    if lowered.endswith(".xlsx"):
        lines = _xlsx_lines(data)
    elif lowered.endswith(".csv") or lowered.endswith(".txt"):
        lines = _csv_lines(data)
    else:
        raise DomainError("import.bad_type")
    return _table(lines)


def _xlsx_lines(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # heavy: only when a file comes

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken or foreign file
        raise DomainError("import.unreadable") from None
    try:
        sheet = book.worksheets[0]
        return [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number
    return str(value).strip()


def _csv_lines(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("import.not_utf8") from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _header(lines: list[list[str]]) -> tuple[int, dict[int, str]]:
    """Where the header is (a title or a blank line may come first) and what it names."""
    for number, line in enumerate(lines[:10]):
        mapping = {i: _BY_FOLDED[fold(c)] for i, c in enumerate(line) if fold(c) in _BY_FOLDED}
        if "name" in mapping.values() or "unit" in mapping.values():
            return number, mapping
    raise DomainError("import.no_header")


def _table(lines: list[list[str]]) -> Table:
    number, mapping = _header(lines)
    rows = []
    for offset, line in enumerate(lines[number + 1 :], start=number + 2):
        values = {name: line[i] if i < len(line) else "" for i, name in mapping.items()}
        if any(values.values()):
            rows.append((offset, values))
    return Table(frozenset(mapping.values()), rows)
