"""Transcripts a reviewer can read: what each person typed or pressed and what the bot showed.

A test renders the conversation and compares it with the committed file under
tests/transcripts/; set NEUGUONG_UPDATE_TRANSCRIPTS=1 to rewrite the files after a deliberate
change of wording.
"""

from __future__ import annotations

import difflib
import html
import os
import re
from pathlib import Path

from tests.fakes.botapi import Event, FakeBotAPI

FOLDER = Path(__file__).resolve().parents[1] / "transcripts"
TAG = re.compile(r"<[^>]+>")
TOKEN = re.compile(r"start=[A-Za-z0-9_-]+")
WEB_LINK = re.compile(r"http://127\.0\.0\.1:\d+/(r|s|join)/[\w.-]+")  # the web app's links


def _plain(text: str) -> str:
    return html.unescape(TAG.sub("", TOKEN.sub("start=<token>", text)))


def _bot(event: Event) -> list[str]:
    head = "🤖 Bot (sửa tin nhắn trên):" if event.kind == "edit" else "🤖 Bot:"
    lines = [head, *("   " + line for line in _plain(event.text).split("\n"))]
    if event.buttons:
        lines.append("   " + "  ".join(f"[{label}]" for label, _ in event.buttons))
    if event.keyboard:
        lines.append("   ⌨ " + " | ".join(event.keyboard))
    return lines


def render(api: FakeBotAPI, names: dict[int, str]) -> str:
    """The journal of the given chats, in the order things happened."""
    out: list[str] = []
    for chat, who, what in api.journal:
        if chat not in names and chat != 0:
            continue
        if who == "note":
            out.append(f"────────── {what} ──────────")
        elif who == "user":
            out.append(f"👤 {names[chat]} {what}")
        else:
            lines = _bot(what)
            lines[0] = f"{lines[0][:-1]} → {names[chat]}:"
            out.extend(lines)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def check(name: str, text: str) -> Path:
    """Write the transcript; fail if it differs from the committed one (unless updating)."""
    path = FOLDER / name
    FOLDER.mkdir(exist_ok=True)
    text = WEB_LINK.sub(r"http://127.0.0.1:<port>/\1/<token>", text)
    before = path.read_text(encoding="utf-8") if path.exists() else None
    if before is None or before == text or os.environ.get("NEUGUONG_UPDATE_TRANSCRIPTS"):
        path.write_text(text, encoding="utf-8")
        return path
    path.with_suffix(".new.txt").write_text(text, encoding="utf-8")
    diff = "".join(difflib.unified_diff(before.splitlines(True), text.splitlines(True)))
    raise AssertionError(f"{name} changed (new text in {path.stem}.new.txt):\n{diff[:4000]}")
