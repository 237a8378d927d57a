"""The printable report for the cell meeting: one row per commitment item, a title, the unit,
the date, totals and the signature block, as an XLSX set up for A4 landscape and as a PDF
(fpdf2 with DejaVu Sans, the font matplotlib ships, which has every Vietnamese diacritic).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from locales import dates
from locales.catalog import plain
from storage.repos.digest import ItemFacts, MemberFacts

COLUMNS = ("n", "name", "text", "kind", "deadline", "progress", "status", "last")
WIDTHS = (6, 24, 60, 11, 10, 10, 16, 14)  # XLSX characters; the PDF scales them to the page
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class Printable:
    unit_name: str
    year: int | None
    today: date
    members: list[MemberFacts]  # in name order
    secretary: str  # who signs; may be empty (a line is left)


def _rows(lang: str, report: Printable) -> list[list[str]]:
    rows: list[list[str]] = []
    n = 0
    for member in report.members:
        if member.exempt:
            continue
        if not member.items:
            n += 1
            rows.append([str(n), member.full_name, plain(lang, "print.no_commitment"), *[""] * 5])
            continue
        for item in member.items:
            n += 1
            rows.append([str(n), member.full_name, *_item(lang, item)])
    return rows


def _item(lang: str, item: ItemFacts) -> list[str]:
    kind = plain(lang, f"print.kind_{item.kind}") if item.kind in KINDS else item.kind
    last = dates.day(item.last_checkin_at.date(), lang) if item.last_checkin_at else ""
    return [
        item.text,
        kind,
        dates.month(item.deadline, lang) if item.deadline else "",
        str(item.progress),
        plain(lang, f"status.{item.status}"),
        last,
    ]


KINDS = ("example", "remedial")


def _heading(lang: str, report: Printable) -> list[str]:
    return [
        plain(lang, "print.title", year=report.year or report.today.year),
        plain(lang, "print.unit", unit=report.unit_name),
        plain(lang, "print.period", date=dates.day(report.today, lang)),
    ]


def _summary(lang: str, report: Printable) -> str:
    counted = [m for m in report.members if not m.exempt]
    items = [i for m in counted for i in m.items]
    done = sum(1 for i in items if i.progress >= 100)
    return plain(lang, "print.summary", members=len(counted), items=len(items), done=done)


def _signature(lang: str, report: Printable) -> list[str]:
    day = report.today
    return [
        plain(lang, "print.place_date", day=f"{day.day:02d}", month=f"{day.month:02d}",
              year=day.year),
        plain(lang, "print.on_behalf"),
        plain(lang, "print.secretary"),
        "",
        "",
        "",
        report.secretary,
    ]  # fmt: skip


def printable_xlsx(lang: str, report: Printable) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = plain(lang, "print.sheet")
    last_column = chr(ord("A") + len(COLUMNS) - 1)
    for line, (text, size) in enumerate(zip(_heading(lang, report), (14, 12, 11), strict=True), 1):
        sheet.append([text])
        sheet.merge_cells(f"A{line}:{last_column}{line}")
        cell = sheet.cell(row=line, column=1)
        cell.font = Font(bold=line == 1, size=size)
        cell.alignment = Alignment(horizontal="center")
    sheet.append([])
    header_row = sheet.max_row + 1
    sheet.append([plain(lang, f"print.col_{c}") for c in COLUMNS])
    for row in _rows(lang, report):
        sheet.append([int(row[0]), *row[1:5], int(row[5]) if row[5] else "", *row[6:]])
    _format_table(sheet, header_row)
    sheet.append([])
    sheet.append([_summary(lang, report)])
    _sign_xlsx(lang, sheet, report)
    _page_setup(sheet, header_row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _format_table(sheet: Worksheet, header_row: int) -> None:
    for column, width in enumerate(WIDTHS, 1):
        sheet.column_dimensions[chr(ord("A") + column - 1)].width = width
    for row in sheet.iter_rows(min_row=header_row, max_row=sheet.max_row):
        for cell in row:
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.row == header_row:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")


def _sign_xlsx(lang: str, sheet: Worksheet, report: Printable) -> None:
    sheet.append([])
    start = sheet.max_row + 1
    for line in _signature(lang, report):
        sheet.append(["", "", "", "", "", line])
    for row in range(start, sheet.max_row + 1):
        sheet.merge_cells(start_row=row, start_column=6, end_row=row, end_column=8)
        cell = sheet.cell(row=row, column=6)
        cell.alignment = Alignment(horizontal="center")
        cell.font = Font(bold=row in (start + 1, start + 2, sheet.max_row))


def _page_setup(sheet: Worksheet, header_row: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_options.horizontalCentered = True


def _fonts() -> Path:
    import matplotlib  # only for the path of the DejaVu fonts it ships

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def printable_pdf(lang: str, report: Printable) -> bytes:
    from fpdf import FPDF  # imported when first needed, like matplotlib
    from fpdf.fonts import FontFace

    fonts = _fonts()
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, 14)
    pdf.add_page()
    for number, (heading, size) in enumerate(
        zip(_heading(lang, report), (13, 11, 10), strict=True)
    ):
        pdf.set_font("DejaVu", "B" if number == 0 else "", size)
        pdf.cell(0, 7, heading, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8.5)
    header = [plain(lang, f"print.col_{c}") for c in COLUMNS]
    bold = FontFace(emphasis="BOLD")
    with pdf.table(col_widths=WIDTHS, headings_style=bold, line_height=4.6) as table:
        table.row(header)
        for row in _rows(lang, report):
            table.row(row)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 9.5)
    pdf.multi_cell(0, 5, _summary(lang, report), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for number, signed in enumerate(_signature(lang, report)):
        pdf.set_font("DejaVu", "B" if number in (1, 2, 6) else "", 10)
        pdf.set_x(pdf.w / 2 + 20)
        pdf.cell(pdf.w / 2 - 32, 5.5, signed, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
