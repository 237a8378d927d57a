"""The weekly report as a chat message, in the reader's language, within 4096 characters.

Each list names at most a few members and counts the rest ("và 12 đồng chí khác"); the
attached spreadsheet has everyone.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from domain.digest import Counts, Group, Mention, UnitDigest, laggards
from locales import dates
from locales.catalog import Raw, t, tn

NAMES = 5
CHILD_LINES = 12
ITEM_CHARS = 60
LIMIT = 4096


def digest_text(lang: str, digest: UnitDigest) -> str:
    counts = digest.counts
    parts = [
        _header(lang, digest),
        _registration(lang, counts),
        _participation(lang, counts),
        _attention(lang, counts),
        _highlights(lang, counts),
    ]
    if digest.rollup:
        parts.append(_children(lang, digest))
    parts.append(t(lang, "digest.footer_rollup" if digest.rollup else "digest.footer"))
    text = "\n\n".join(p for p in parts if p)
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"


def _header(lang: str, digest: UnitDigest) -> str:
    week = digest.week
    span = {"start": dates.short_day(week.first_day, lang), "end": dates.day(week.last_day, lang)}
    period = (
        t(lang, "digest.period", year=digest.year, **span)
        if digest.year
        else t(lang, "digest.period_no_year", **span)
    )
    return t(lang, "digest.title", week=week.number, unit=digest.unit_name) + "\n" + period


def _registration(lang: str, counts: Counts) -> str:
    lines = [
        t(lang, "digest.registration", members=counts.members),
        t(lang, "digest.approved", n=counts.approved.count),
    ]
    for key, group in (
        ("digest.awaiting", counts.awaiting),
        ("digest.drafting", counts.drafting),
        ("digest.not_started", counts.not_started),
    ):
        if group.count:
            lines.append(t(lang, key, n=group.count, names=Raw(names(lang, group))))
    return "\n".join(lines)


def _participation(lang: str, counts: Counts) -> str:
    lines = [t(lang, "digest.participation_title")]
    if not counts.expected:
        lines.append(t(lang, "digest.participation_none"))
        return "\n".join(lines)
    reported = counts.reported.count
    percent = round(100 * reported / counts.expected)
    lines.append(
        t(
            lang,
            "digest.participation",
            reported=reported,
            expected=counts.expected,
            percent=percent,
        )
    )
    if counts.silent.count:
        lines.append(t(lang, "digest.silent", names=Raw(names(lang, counts.silent))))
    trend = " → ".join("—" if p is None else f"{p}%" for p in counts.trend)
    lines.append(t(lang, "digest.trend", trend=trend))
    return "\n".join(lines)


def _attention(lang: str, counts: Counts) -> str:
    lines = [t(lang, "digest.attention_title")]
    for key, group, entry, items in (
        ("digest.missed", counts.missed, _missed_entry, False),
        ("digest.overdue", counts.overdue, _deadline_entry, True),
        ("digest.blocked", counts.blocked, _item_entry, True),
        ("digest.unreachable", counts.unreachable, None, False),
    ):
        if group.count:
            lines.append(t(lang, key, names=Raw(names(lang, group, entry, items))))
    if len(lines) == 1:
        lines.append(t(lang, "digest.attention_none"))
    return "\n".join(lines)


def _highlights(lang: str, counts: Counts) -> str:
    lines = [t(lang, "digest.highlights_title")]
    done = counts.completed
    for mention in done.sample[:NAMES]:
        lines.append(t(lang, "digest.completed", entry=Raw(_item_entry(lang, mention))))
    if done.count > NAMES:
        lines.append(t(lang, "digest.completed_more", n=done.count - NAMES))
    if not done.count:
        lines.append(t(lang, "digest.highlights_none"))
    return "\n".join(lines)


def _children(lang: str, digest: UnitDigest) -> str:
    ranked = sorted(digest.children, key=lambda c: (rate(c[1]) is not None, rate(c[1]) or 0))
    lines = [t(lang, "digest.children_title")]
    for name, counts in ranked[:CHILD_LINES]:
        value = rate(counts)
        lines.append(
            t(
                lang,
                "digest.child_line",
                unit=name,
                registered=counts.registered,
                members=counts.members,
                percent="—" if value is None else f"{value}%",
            )
        )
    if len(ranked) > CHILD_LINES:
        lines.append(t(lang, "digest.children_more", n=len(ranked) - CHILD_LINES))
    return "\n".join(lines)


def rate(counts: Counts) -> int | None:
    """This week's reporting rate among those due to report."""
    if not counts.expected:
        return None
    return round(100 * counts.reported.count / counts.expected)


Entry = Callable[[str, Mention], str]


def names(lang: str, group: Group[Mention], entry: Entry | None = None, items: bool = False) -> str:
    """'An, Bình, Cúc, Dũng, Em và 3 đồng chí khác' (escaped HTML); a list of items (one
    entry per item, a person may hold several) ends 'và 3 nội dung khác'."""
    shown = [entry(lang, m) if entry else html.escape(m.name) for m in group.sample[:NAMES]]
    text = ", ".join(shown)
    rest = group.count - len(shown)
    if rest > 0:
        more = (
            tn(lang, "digest.more_items", "digest.more_items_plural", rest)
            if items
            else tn(lang, "digest.more", "digest.more_plural", rest)
        )
        text += " " + more
    return text


def shorten(text: str, limit: int = ITEM_CHARS) -> str:
    """Cut on a word boundary, with an ellipsis, so a list line or a button stays readable."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def _missed_entry(lang: str, m: Mention) -> str:
    return t(lang, "digest.missed_entry", name=m.name, n=m.missed)


def _item_entry(lang: str, m: Mention) -> str:
    item = m.item
    return t(lang, "digest.item_entry", name=m.name, item=shorten(item.text) if item else "")


def _deadline_entry(lang: str, m: Mention) -> str:
    item = m.item
    if item is None or item.deadline is None:
        return _item_entry(lang, m)
    deadline = dates.month(item.deadline, lang)
    return t(
        lang, "digest.item_deadline_entry", name=m.name, item=shorten(item.text), deadline=deadline
    )


def digest_buttons(lang: str, report: UnitDigest, now: datetime) -> list[list[dict[str, str]]]:
    rows = []
    behind = len(laggards(report.members, now)) if not report.rollup else 0
    if behind:
        rows.append([button(t(lang, "digest.nudge_all", n=behind), f"dg:na:{report.unit_id}")])
    rows.append([button(t(lang, "digest.members"), f"dg:m:{report.unit_id}:0")])
    return rows


def button(label: str, data: str) -> dict[str, str]:
    return {"text": label, "data": data}
