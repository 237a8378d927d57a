"""The committee's files: invite links after an import, the import's bad rows, roll-up
statistics (XLSX and a PNG chart), the audit log. Written with openpyxl in write-only mode,
so a province's 150,000 links stay within memory."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.imports import COLUMNS, ImportCheck, Link, RowError
from domain.names import sort_key
from domain.stats import UnitStats
from locales.catalog import plain
from storage.repos.audit import AuditDTO

HEADER = PatternFill("solid", fgColor="FFE8E8E8")
GROUP = PatternFill("solid", fgColor="FFFFF4D6")
LINK_COLUMNS = ("n", "name", "position", "role", "link", "code", "qr")
QR_MAX = 5000  # QR codes on sheets of at most this many members (a picture a row)
ERROR_COLUMNS = ("line", "reason")
MOVE_COLUMNS = ("line", "name", "from", "to")
TEMPLATE_TEXT_ROWS = 2000
STATS_COLUMNS = (
    "unit", "members", "registered", "registered_pct", "approved", "approved_pct",
    "active", "active_pct", "unreachable",
)  # fmt: skip
AUDIT_COLUMNS = ("at", "who", "action", "subject", "detail")


def _book(
    lang: str, title: str, columns: Sequence[str], widths: Sequence[int]
) -> tuple[Workbook, WriteOnlyWorksheet]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for n, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
    sheet.freeze_panes = "A4"
    sheet.append([_styled(sheet, title, Font(bold=True, size=13))])
    sheet.append([])
    sheet.append(
        [_styled(sheet, plain(lang, f"admin.col_{c}"), Font(bold=True), HEADER) for c in columns]
    )
    return book, sheet


def _styled(
    sheet: WriteOnlyWorksheet, value: str, font: Font, fill: PatternFill | None = None
) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def links_xlsx(lang: str, links: Sequence[Link], link_of: Callable[[str], str]) -> bytes:
    """One row per member, grouped by cell under a shaded line naming it: the link to tap,
    the short code to send on Zalo, and (up to QR_MAX members) a QR code of the link to scan
    with the phone's camera or Zalo."""
    title = plain(lang, "admin.links_title", n=len(links))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for n, width in enumerate((6, 30, 28, 14, 60, 14, 14)):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append([plain(lang, f"admin.col_{c}") for c in LINK_COLUMNS])
    for cell in sheet[3]:
        cell.font, cell.fill = Font(bold=True), HEADER
    sheet.freeze_panes = "A4"
    pictures = len(links) <= QR_MAX
    ordered = sorted(links, key=lambda k: (k.unit, sort_key(k.full_name)))
    unit, n = None, 0
    for link in ordered:
        if link.unit != unit:
            unit, n = link.unit, 0
            sheet.append([unit])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
            sheet.cell(row=sheet.max_row, column=1).fill = GROUP
        n += 1
        role = plain(lang, f"role.{link.role.value}")
        address = link_of(link.token)
        code = f"{link.code[:4]}-{link.code[4:]}" if link.code else ""
        sheet.append([n, link.full_name, link.position or "", role, address, code])
        if pictures and address:
            _qr(sheet, address, sheet.max_row)
    return _bytes(book)


def _qr(sheet: Any, address: str, row: int) -> None:
    import segno
    from openpyxl.drawing.image import Image

    picture = io.BytesIO()
    # a fixed mask: any is valid, and choosing the best of eight costs five times as much
    # (5,000 codes: 6 s instead of 30)
    segno.make(address, error="m", mask=2).save(picture, kind="png", scale=2, border=1)
    picture.seek(0)
    image = Image(picture)
    sheet.add_image(image, f"G{row}")
    sheet.row_dimensions[row].height = max(image.height * 0.75, 15)


def errors_xlsx(lang: str, errors: Sequence[RowError]) -> bytes:
    title = plain(lang, "admin.errors_title", n=len(errors))
    book, sheet = _book(lang, title, ERROR_COLUMNS, (10, 90))
    for error in errors:
        sheet.append([error.line, plain(lang, error.key, **error.params)])
    return _bytes(book)


def plan_xlsx(lang: str, check: ImportCheck) -> bytes:
    """What an import would do, before it is done: the rows refused (line, reason), every
    unit it would create, every member it would move; a sheet each."""
    title = plain(lang, "admin.errors_title", n=len(check.errors))
    book, sheet = _book(lang, title, ERROR_COLUMNS, (10, 90))
    for error in check.errors:
        sheet.append([error.line, plain(lang, error.key, **error.params)])
    units = book.create_sheet(plain(lang, "admin.sheet_units")[:31])
    units.append([plain(lang, "admin.col_path"), plain(lang, "admin.col_kind")])
    for unit in check.units:
        units.append([unit.path, plain(lang, f"kind.{unit.kind.value}")])
    moves = book.create_sheet(plain(lang, "admin.sheet_moves")[:31])
    moves.append([plain(lang, f"admin.col_{c}") for c in MOVE_COLUMNS])
    for move in check.moves:
        moves.append([move.line, move.full_name, move.source, check.paths.get(move.cell, "")])
    return _bytes(book)


def stats_xlsx(lang: str, title: str, stats: Sequence[UnitStats]) -> bytes:
    book, sheet = _book(lang, title, STATS_COLUMNS, (40, 12, 12, 10, 12, 10, 12, 10, 14))
    for s in stats:
        sheet.append(
            [
                s.name,
                s.members,
                s.registered,
                s.registered_pct,
                s.approved,
                s.approved_pct,
                s.active,
                s.active_pct,
                s.unreachable,
            ]
        )
    return _bytes(book)


def audit_xlsx(lang: str, entries: Sequence[AuditDTO], zone: ZoneInfo) -> bytes:
    title = plain(lang, "admin.audit_title", n=len(entries))
    book, sheet = _book(lang, title, AUDIT_COLUMNS, (18, 28, 30, 20, 60))
    for e in entries:
        sheet.append(
            [
                _local(e.at, zone),
                e.user_name
                or plain(lang, "audit.operator" if e.user_id is None else "audit.user_unnamed"),
                plain(lang, f"audit.{e.action}"),
                e.subject or "",
                ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items())),
            ]
        )
    return _bytes(book)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def stats_png(lang: str, title: str, stats: Sequence[UnitStats]) -> bytes:
    """Horizontal bars per child unit: registered, approved and active percentages."""
    from matplotlib.figure import Figure  # loaded when first drawn

    shown = list(stats)[:25]
    fig = Figure(figsize=(8.0, 1.8 + 0.42 * max(len(shown), 1)), dpi=110)
    axes = fig.subplots()
    names = [_short(s.name) for s in shown][::-1]
    series = (
        ("registered_pct", "#4C78A8"),
        ("approved_pct", "#54A24B"),
        ("active_pct", "#F58518"),
    )
    bar = 0.26
    for n, (field, colour) in enumerate(series):
        values = [float(getattr(s, field)) for s in shown][::-1]
        offsets = [i + (n - 1) * bar for i in range(len(shown))]
        axes.barh(
            offsets, values, height=bar, color=colour, label=plain(lang, f"admin.col_{field}")
        )
    axes.set_yticks(range(len(shown)), names)
    axes.set_xlim(0, 100)
    axes.set_xlabel("%")
    axes.set_title(title)
    axes.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    fig.clear()
    return buffer.getvalue()


def _short(name: str, limit: int = 34) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


TEMPLATE_COLUMNS = COLUMNS  # the import's own columns, in its order


def template_xlsx(lang: str) -> bytes:
    """An empty members list with its headers and two example rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([plain(lang, f"import.col_{c}") for c in TEMPLATE_COLUMNS])
    for example in (
        plain(lang, "import.example_1").split("|"),
        plain(lang, "import.example_2").split("|"),
    ):
        sheet.append(example)
    for n, width in enumerate((60, 26, 26, 16, 14, 14)):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
        sheet.cell(row=1, column=n + 1).font = Font(bold=True)
    phone = TEMPLATE_COLUMNS.index("phone") + 1
    for row in range(2, TEMPLATE_TEXT_ROWS + 2):  # text, not a number: 0912… keeps its 0
        sheet.cell(row=row, column=phone).number_format = "@"
    return _bytes(book)
