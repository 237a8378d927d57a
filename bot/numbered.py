"""Screens for networks without buttons (Zalo): choices become numbered lines, answered with
the number or the label typed out; texts are plain and cut to the network's length.

An answer is matched against the choices last shown in that chat (kept in `prompts`): "2",
"2.", " 2 " or "xác nhận" (case, diacritics and the label's emoji aside) all pick the same
choice. A choice is either button data (routed as a button press) or a menu label (routed as
that text)."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from bot.i18n import t
from bot.screens import Screen
from domain.tables import fold

TAG = re.compile(r"<[^>]+>")
LINK = re.compile(r'<a\s+href="([^"]+)"[^>]*>(.*?)</a>', re.S)
NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.)]?\s*$")
LETTER = re.compile(r"^\s*([a-zA-Z])\s*[.)]?\s*$")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# a label that numbers itself, perhaps after its emoji: "1. Việc", "📈 1. Việc"
LEADING_NUMBER = re.compile(r"^(\s*[^\w\s]*\s*)\d{1,3}[.)]\s+")


@dataclass(frozen=True)
class Option:
    number: int
    label: str
    data: str | None = None  # a button's data
    text: str | None = None  # a menu label, sent as text
    lettered: bool = False  # shown as a, b, c: the step takes a typed number as a value

    @property
    def tag(self) -> str:
        return LETTERS[self.number - 1] if self.lettered else str(self.number)

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"n": self.number, "label": self.label, "data": self.data}
        found["text"] = self.text
        if self.lettered:
            found["letter"] = True
        return found

    @staticmethod
    def from_dict(raw: dict[str, object]) -> Option:
        data, text = raw.get("data"), raw.get("text")
        return Option(
            int(str(raw.get("n", 0))),
            str(raw.get("label", "")),
            str(data) if data is not None else None,
            str(text) if text is not None else None,
            bool(raw.get("letter", False)),
        )


def plain(text: str) -> str:
    """The bot's HTML as plain text: links keep their address, tags go, entities decode."""
    text = LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    return html.unescape(TAG.sub("", text))


def options_of(screen: Screen) -> list[Option]:
    """The screen's choices, or (without any) its home menu, numbered from 1."""
    found = [c for row in screen.choices for c in row]
    if found:
        lettered = screen.values and len(found) <= len(LETTERS)
        return [Option(n, c.label, data=c.data, lettered=lettered) for n, c in enumerate(found, 1)]
    labels = [label for row in screen.menu or () for label in row]
    return [Option(n, label, text=label) for n, label in enumerate(labels, 1)]


def hint(lang: str, options: list[Option]) -> str:
    if options and options[0].lettered:
        tags = ", ".join(o.tag for o in options[:-1])
        return t(lang, "numbered.hint_letters", letters=tags, last=options[-1].tag)
    if len(options) == 1:
        return t(lang, "numbered.hint_one")
    numbers = ", ".join(str(n) for n in range(1, len(options)))
    return t(lang, "numbered.hint", numbers=numbers, last=len(options))


def listed(options: list[Option]) -> str:
    """The choices, one a line, each after its number or letter."""
    return "\n".join(f"{o.tag}. {label_of(o)}" for o in options)


def label_of(option: Option) -> str:
    """The label as shown after its number: without a number of its own ("1. 1. Việc")."""
    return unnumbered(plain(option.label))


def unnumbered(label: str) -> str:
    """'📈 1. Việc' -> '📈 Việc': shown after a number of its own, the label's goes."""
    return LEADING_NUMBER.sub(r"\1", label, count=1)


def render(screen: Screen, lang: str, limit: int) -> tuple[list[str], list[Option]]:
    """The message parts to send (each at most `limit` UTF-8 bytes: safe whether the network
    counts characters, UTF-16 units or bytes) and the choices shown."""
    options = options_of(screen)
    body = plain(screen.text)
    if options:
        body = f"{body}\n\n{listed(options)}\n\n{hint(lang, options)}"
    return cut(body, limit), options


def cut(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes (so also at most `limit` characters or UTF-16
    units), cut between paragraphs, else lines, else sentences, else words; a word longer
    than a part is cut between characters, never inside one letter's accents."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest.encode()) > limit:
        window = _prefix(rest, limit)
        at = _boundary(window)
        parts.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest:
        parts.append(rest)
    return parts


BOUNDARIES = (r"\n[ \t]*\n\s*", r"\n\s*", r"[.!?…;:]\s+", r"\s+")


def _boundary(window: str) -> int:
    """Where to end a part taken from `window`: after the coarsest boundary in its second
    half, else after any boundary, else at the window's end."""
    half = len(window) // 2
    for pattern in BOUNDARIES:
        ends = [m.end() for m in re.finditer(pattern, window) if m.start() > 0]
        late = [e for e in ends if e >= half]
        if late:
            return late[-1]
    for pattern in BOUNDARIES:
        ends = [m.end() for m in re.finditer(pattern, window) if m.start() > 0]
        if ends:
            return ends[-1]
    return len(window)


def _prefix(text: str, limit: int) -> str:
    """The longest prefix within `limit` UTF-8 bytes that does not split a letter from its
    combining accents."""
    head = text.encode()[:limit].decode(errors="ignore")
    while len(head) > 1 and unicodedata.combining(text[len(head)]):
        head = head[:-1]
    return head


def _bare(label: str) -> str:
    """A label without its emoji and punctuation, folded: '✅ Xác nhận' -> 'xac nhan'."""
    composed = unicodedata.normalize("NFC", plain(label))  # typed with separate accents, too
    letters = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in composed)
    return fold(letters)


def match(answer: str, options: list[Option]) -> Option | None:
    """The choice an answer names, by its number (its letter on a step that takes a typed
    value: there a number is the value) or by its label; None if it names none, or if a
    number names one option by position and another by label ("5" beside «✏️ 5»)."""
    if not options:
        return None
    typed = _bare(answer)
    by_label = [o for o in options if typed and _bare(o.label) == typed]
    if options[0].lettered:
        letter = LETTER.match(answer)
        if letter:
            wanted = letter.group(1).lower()
            return next((o for o in options if o.tag == wanted), None)
        return by_label[0] if len(by_label) == 1 else None
    number = NUMBER.match(answer)
    if number:
        wanted = int(number.group(1))
        at = next((o for o in options if o.number == wanted), None)
        if by_label and at not in by_label:
            return None  # ambiguous: asked again
        return at
    return by_label[0] if len(by_label) == 1 else None
