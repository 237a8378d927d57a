"""The weekly report's attachments: a PNG chart (matplotlib) and an XLSX workbook (openpyxl).

The chart is drawn for a phone: one column, large type, DejaVu Sans (shipped with matplotlib,
it has every Vietnamese diacritic). The workbook has everyone the message could only count.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from domain.digest import Counts, UnitDigest, average_progress, weeks_back
from locales import dates
from locales.catalog import plain
from render.report_text import rate
from storage.repos.digest import MemberFacts

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHART_ROWS = 25
HEADER = PatternFill("solid", fgColor="DDE6F0")
BAR, TREND = "#b22222", "#1f5f99"


def chart_png(lang: str, digest: UnitDigest) -> bytes:
    """Progress per member (a cell) or reporting rate per child unit (a roll-up), above the
    four-week reporting rate."""
    from matplotlib.figure import Figure  # imported when first drawn: ~40 MB the bot may not need

    labels, values, title = _bars(lang, digest)
    rows = max(len(labels), 1)
    figure = Figure(figsize=(7.5, 2.6 + 0.36 * rows), dpi=110)
    try:
        top, bottom = figure.subplots(2, 1, height_ratios=[max(rows, 3), 4])
        _bar_panel(lang, top, labels, values, title)
        _trend_panel(lang, bottom, digest)
        figure.tight_layout()
        return _png(figure)
    finally:
        figure.clear()


def _bars(lang: str, digest: UnitDigest) -> tuple[list[str], list[float], str]:
    if digest.rollup:
        ranked = sorted(digest.children, key=lambda c: rate(c[1]) or 0)[:CHART_ROWS]
        return (
            [name for name, _ in ranked],
            [float(rate(c) or 0) for _, c in ranked],
            plain(lang, "chart.units", week=digest.week.number),
        )
    members = [m for m in digest.members if not m.exempt][:CHART_ROWS]
    return (
        [m.full_name for m in members],
        [float(average_progress(m)) for m in members],
        plain(lang, "chart.progress"),
    )


def _bar_panel(lang: str, axes: Axes, labels: list[str], values: list[float], title: str) -> None:
    axes.set_title(title, fontsize=13, loc="left")
    axes.set_xlim(0, 100)
    if not labels:
        axes.text(50, 0.5, plain(lang, "chart.empty"), ha="center", fontsize=12)
        axes.set_yticks([])
        return
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color=BAR, height=0.6)
    axes.set_yticks(positions, labels, fontsize=11)
    for y, value in zip(positions, values, strict=True):
        axes.text(min(value + 1.5, 92), y, f"{value:.0f}%", va="center", fontsize=10)
    axes.grid(axis="x", alpha=0.3)


def _trend_panel(lang: str, axes: Axes, digest: UnitDigest) -> None:
    weeks = weeks_back(digest.week)
    trend = digest.counts.trend
    names = [plain(lang, "chart.week", n=w.number) for w in weeks]
    values = [float(p or 0) for p in trend]
    axes.bar(names, values, color=TREND, width=0.55)
    for x, p in enumerate(trend):
        axes.text(x, (p or 0) + 3, "—" if p is None else f"{p}%", ha="center", fontsize=11)
    axes.set_ylim(0, 115)
    axes.set_title(plain(lang, "chart.trend"), fontsize=13, loc="left")
    axes.tick_params(labelsize=11)
    axes.grid(axis="y", alpha=0.3)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def digest_xlsx(lang: str, digest: UnitDigest, today: date) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    title = plain(lang, "xlsx.title", week=digest.week.number, unit=digest.unit_name)
    if digest.rollup:
        _units_sheet(lang, sheet, title, digest)
    else:
        _members_sheet(lang, sheet, title, digest.members, digest, today)
        _items_sheet(lang, book.create_sheet(), title, digest.members)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MEMBER_COLUMNS = (
    "n", "name", "unit", "state", "items", "progress", "reported", "missed", "overdue",
    "blocked", "reach",
)  # fmt: skip
ITEM_COLUMNS = ("n", "name", "text", "deadline", "progress", "status")
UNIT_COLUMNS = (
    "n", "unit", "members", "approved", "awaiting", "drafting", "not_started", "expected",
    "reported_n", "rate", "missed", "overdue", "blocked", "unreachable",
)  # fmt: skip


def _headers(lang: str, columns: tuple[str, ...]) -> list[str]:
    return [plain(lang, f"xlsx.col_{c}") for c in columns]


def _start(sheet: Worksheet, title: str, headers: list[str], widths: list[int]) -> None:
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(headers)
    for column, width in enumerate(widths, 1):
        cell = sheet.cell(row=3, column=column)
        cell.font = Font(bold=True)
        cell.fill = HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A4"


def _members_sheet(
    lang: str,
    sheet: Worksheet,
    title: str,
    members: list[MemberFacts],
    digest: UnitDigest,
    today: date,
) -> None:
    sheet.title = plain(lang, "xlsx.sheet_members")
    _start(
        sheet, title, _headers(lang, MEMBER_COLUMNS), [6, 28, 24, 26, 10, 12, 12, 12, 12, 12, 18]
    )
    week = digest.week
    for n, member in enumerate(members, 1):
        open_items = [i for i in member.items if i.progress < 100]
        reported = any(week.holds(c.at) for c in member.checkins)
        sheet.append(
            [
                n,
                member.full_name,
                member.unit_name,
                _state(lang, member),
                len(member.items),
                average_progress(member),
                plain(lang, "xlsx.yes" if reported else "xlsx.no"),
                member.missed,
                sum(1 for i in open_items if i.deadline is not None and i.deadline < today),
                sum(1 for i in open_items if i.status == "blocked"),
                _reach(lang, member),
            ]
        )


def _state(lang: str, member: MemberFacts) -> str:
    if member.exempt:
        return plain(lang, "xlsx.exempt")
    if member.approved:
        return plain(lang, "state.approved")
    if member.state is None:
        return plain(lang, "xlsx.state_none")
    return plain(lang, f"state.{member.state}")


def _reach(lang: str, member: MemberFacts) -> str:
    if member.blocked:
        return plain(lang, "xlsx.reach_blocked")
    if member.chat_id is None:
        return plain(lang, "xlsx.reach_never")
    return plain(lang, "xlsx.reach_ok")


def _items_sheet(lang: str, sheet: Worksheet, title: str, members: list[MemberFacts]) -> None:
    sheet.title = plain(lang, "xlsx.sheet_items")
    _start(sheet, title, _headers(lang, ITEM_COLUMNS), [6, 28, 60, 12, 12, 18])
    n = 0
    for member in members:
        for item in member.items:
            n += 1
            deadline = dates.month(item.deadline, lang) if item.deadline else ""
            status = plain(lang, f"status.{item.status}")
            sheet.append([n, member.full_name, item.text, deadline, item.progress, status])
            sheet.cell(row=sheet.max_row, column=3).alignment = Alignment(wrap_text=True)


def _units_sheet(lang: str, sheet: Worksheet, title: str, digest: UnitDigest) -> None:
    sheet.title = plain(lang, "xlsx.sheet_units")
    _start(sheet, title, _headers(lang, UNIT_COLUMNS), [6, 34] + [10] * 12)
    rows = [*digest.children, (digest.unit_name, digest.counts)]
    for n, (name, counts) in enumerate(rows, 1):
        sheet.append([n if n < len(rows) else "", name, *_figures(counts)])
    sheet.cell(row=sheet.max_row, column=2).font = Font(bold=True)


def _figures(c: Counts) -> list[object]:
    value = rate(c)
    return [
        c.members,
        c.approved.count,
        c.awaiting.count,
        c.drafting.count,
        c.not_started.count,
        c.expected,
        c.reported.count,
        "" if value is None else value,
        c.missed.count,
        c.overdue.count,
        c.blocked.count,
        c.unreachable.count,
    ]
