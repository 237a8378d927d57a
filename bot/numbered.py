"""Screens for networks without buttons (Zalo): choices become numbered lines, answered with
the number or the label typed out; texts are plain and cut to the network's length.

An answer is matched against the choices last shown in that chat (kept in `prompts`): "2",
"2.", " 2 " or "xác nhận" (case, diacritics and the label's emoji aside) all pick the same
choice. A choice is either button data (routed as a button press) or a menu label (routed as
that text)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.i18n import t
from bot.screens import Screen, split_text
from domain.tables import fold

TAG = re.compile(r"<[^>]+>")
LINK = re.compile(r'<a\s+href="([^"]+)"[^>]*>(.*?)</a>', re.S)
NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.)]?\s*$")


@dataclass(frozen=True)
class Option:
    number: int
    label: str
    data: str | None = None  # a button's data
    text: str | None = None  # a menu label, sent as text

    def as_dict(self) -> dict[str, object]:
        return {"n": self.number, "label": self.label, "data": self.data, "text": self.text}

    @staticmethod
    def from_dict(raw: dict[str, object]) -> Option:
        data, text = raw.get("data"), raw.get("text")
        return Option(
            int(str(raw.get("n", 0))),
            str(raw.get("label", "")),
            str(data) if data is not None else None,
            str(text) if text is not None else None,
        )


def plain(text: str) -> str:
    """The bot's HTML as plain text: links keep their address, tags go, entities decode."""
    text = LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    return html.unescape(TAG.sub("", text))


def options_of(screen: Screen) -> list[Option]:
    """The screen's choices, or (without any) its home menu, numbered from 1."""
    found = [c for row in screen.choices for c in row]
    if found:
        return [Option(n, c.label, data=c.data) for n, c in enumerate(found, 1)]
    labels = [label for row in screen.menu or () for label in row]
    return [Option(n, label, text=label) for n, label in enumerate(labels, 1)]


def hint(lang: str, count: int) -> str:
    if count == 1:
        return t(lang, "numbered.hint_one")
    numbers = ", ".join(str(n) for n in range(1, count))
    return t(lang, "numbered.hint", numbers=numbers, last=count)


def render(screen: Screen, lang: str, limit: int) -> tuple[list[str], list[Option]]:
    """The message parts to send (each at most `limit` characters) and the choices shown."""
    options = options_of(screen)
    body = plain(screen.text)
    if options:
        lines = "\n".join(f"{o.number}. {plain(o.label)}" for o in options)
        body = f"{body}\n\n{lines}\n\n{hint(lang, len(options))}"
    return split_text(body, limit), options


def _bare(label: str) -> str:
    """A label without its emoji and punctuation, folded: '✅ Xác nhận' -> 'xac nhan'."""
    letters = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in plain(label))
    return fold(letters)


def match(answer: str, options: list[Option]) -> Option | None:
    """The choice an answer names, by number or by label; None if it names none."""
    if not options:
        return None
    number = NUMBER.match(answer)
    if number:
        wanted = int(number.group(1))
        return next((o for o in options if o.number == wanted), None)
    typed = _bare(answer)
    if not typed:
        return None
    return next((o for o in options if _bare(o.label) == typed), None)
