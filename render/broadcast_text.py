"""An announcement as members read it, and its delivery report as the admin reads it."""

from __future__ import annotations

import html

from domain.broadcasts import Status
from locales.catalog import t

Markup = list[list[dict[str, str]]]


def announcement_text(lang: str, text: str) -> str:
    """The heading and the admin's words, escaped (they are sent as HTML)."""
    return t(lang, "bc.heading") + ("\n\n" + html.escape(text) if text else "")


def report_text(lang: str, found: Status) -> str:
    b = found.broadcast
    key = "bc.report_done" if found.finished else "bc.report_progress"
    return t(
        lang,
        key,
        id=b.id,
        total=b.recipients,
        sent=found.sent,
        pending=found.pending,
        unreachable=found.unreachable,
        failed=found.failed,
        unknown=found.unknown,
        cancelled=found.cancelled,
        state=t(lang, f"bc.state_{b.state}"),
    )


def report_buttons(lang: str, found: Status) -> Markup:
    b = found.broadcast
    row = [{"text": t(lang, "bc.refresh"), "data": f"bc:s:{b.id}"}]
    if not found.finished:
        row.append({"text": t(lang, "bc.cancel"), "data": f"bc:c:{b.id}"})
    rows = [row]
    if found.unknown and not found.pending and b.state != "cancelled":
        label = t(lang, "bc.resend_unknown", n=found.unknown)
        rows.append([{"text": label, "data": f"bc:ru:{b.id}"}])
    return rows
