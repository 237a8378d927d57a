"""What the bot shows, independent of the chat network.

A Screen is text plus choices. Telegram renders choices as inline buttons and the menu as a
reply keyboard; a network without buttons renders them as numbered lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from render.attachment import Attachment

CALLBACK_MAX_BYTES = 64


@dataclass(frozen=True)
class Choice:
    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > CALLBACK_MAX_BYTES:
            raise ValueError(f"callback data over {CALLBACK_MAX_BYTES} bytes: {self.data!r}")


@dataclass(frozen=True)
class Screen:
    text: str
    choices: tuple[tuple[Choice, ...], ...] = ()
    menu: tuple[tuple[str, ...], ...] | None = None  # reply keyboard labels, home menu
    remove_menu: bool = False
    edit: bool = False  # replace the message whose button was pressed
    attachment: Attachment | None = None  # a chart or a spreadsheet; the text is its caption
    values: bool = False  # the step takes a typed value (a number): choices are lettered


@dataclass
class Outcome:
    """What handling one update produced for the person who sent it (notices to others go
    to the outbox, in the same transaction as the change that caused them)."""

    replies: list[Screen] = field(default_factory=list)
    toast: str | None = None  # a short note on the pressed button
    language: str = "vi"  # the sender's language after handling (it may have changed)
    refusal: bool = False  # the update was refused: nothing changed, the last choices stand
    repeat_choices: bool = False  # an answer named no choice: show the last ones again
    # the person's home menu when nothing is being asked (networks without a lasting
    # keyboard show it after a last answer that offers no choices)
    home: tuple[tuple[str, ...], ...] | None = None


def rows(*choices: Choice, width: int = 1) -> tuple[tuple[Choice, ...], ...]:
    """Lay choices out `width` to a row."""
    return tuple(tuple(choices[i : i + width]) for i in range(0, len(choices), width))


def split_text(text: str, limit: int) -> list[str]:
    """Cut a long text on line boundaries into parts of at most `limit` characters."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts
