"""Reading a members spreadsheet (XLSX or CSV) into rows keyed by our column names.

Headers are matched loosely: Vietnamese or English, any case, with or without diacritics
("Họ và tên", "ho va ten", "Full name"). Lines keep their numbers in the file, so an error
report points at the line the admin sees in Excel. Empty lines are skipped.

Files as offices make them are read: Excel's "CSV" on a Vietnamese Windows (Windows-1258,
tone marks as combining characters), "Unicode text" (UTF-16, tab-separated), a workbook whose
list is not on the first sheet, a unit cell merged down over its members, invisible
characters pasted into names.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass
from typing import Any

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
    """Lower case, no diacritics, no invisible characters, single spaces:
    'Họ và  tên' -> 'ho va ten'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Cf"))
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


MERGED_MAX_BYTES = 5 * 1024 * 1024  # merged cells are read in full mode: small files only


def _xlsx_lines(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # heavy: only when a file comes

    small = len(data) <= MERGED_MAX_BYTES  # read fully, to see merged cells
    try:
        book = load_workbook(io.BytesIO(data), read_only=not small, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken or foreign file
        raise DomainError("import.unreadable") from None
    try:
        sheets = [_sheet_lines(sheet, small) for sheet in book.worksheets]
    finally:
        book.close()
    for lines in sheets:  # the first sheet that holds the list (a cover sheet may come first)
        if _find_header(lines) is not None:
            return lines
    return sheets[0] if sheets else []


def _sheet_lines(sheet: Any, full: bool) -> list[list[str]]:
    lines = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    if full:
        for merged in sheet.merged_cells.ranges:  # a unit written once, merged down
            value = lines[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row - 1, min(merged.max_row, len(lines))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(lines[r]))):
                    lines[r][c] = value
    return lines


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number
    return str(value).strip()


def decode(data: bytes) -> str:
    """The text of a CSV as offices save it: UTF-8 (with or without BOM), UTF-16 with its BOM
    ("Unicode text"), else Windows-1258, Excel's Vietnamese code page."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        raise DomainError("import.not_utf8") from None


def _csv_lines(data: bytes) -> list[list[str]]:
    text = decode(data)
    sample = text[:4096]
    counts = {d: sample.count(d) for d in ("\t", ";", ",")}
    delimiter = max(counts, key=lambda d: counts[d])
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _find_header(lines: list[list[str]]) -> tuple[int, dict[int, str]] | None:
    """Where the header is (a title or a blank line may come first) and what it names."""
    for number, line in enumerate(lines[:10]):
        mapping = {i: _BY_FOLDED[fold(c)] for i, c in enumerate(line) if fold(c) in _BY_FOLDED}
        if "name" in mapping.values() or "unit" in mapping.values():
            return number, mapping
    return None


def _header(lines: list[list[str]]) -> tuple[int, dict[int, str]]:
    found = _find_header(lines)
    if found is None:
        raise DomainError("import.no_header")
    return found


def _table(lines: list[list[str]]) -> Table:
    number, mapping = _header(lines)
    rows = []
    for offset, line in enumerate(lines[number + 1 :], start=number + 2):
        values = {name: line[i] if i < len(line) else "" for i, name in mapping.items()}
        if any(values.values()):
            rows.append((offset, values))
    return Table(frozenset(mapping.values()), rows)
