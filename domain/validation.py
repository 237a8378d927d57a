"""Checks on what people type: names, positions, unit names."""

from __future__ import annotations

import re
import unicodedata

from domain.errors import DomainError

NAME_MIN, NAME_MAX = 2, 100
POSITION_MAX = 100
UNIT_NAME_MIN, UNIT_NAME_MAX = 2, 200
_JOINERS = "'’-"
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFC (Vietnamese keyboards may send decomposed marks) and single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in ("L", "M")


def full_name(raw: str) -> str:
    """A person's full name: letters with diacritics, spaces, and ' or - inside a word."""
    name = normalize(raw)
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise DomainError("validate.name_length", min=NAME_MIN, max=NAME_MAX, got=len(name))
    for index, ch in enumerate(name):
        if _is_letter(ch) or ch == " ":
            continue
        inside = 0 < index < len(name) - 1 and _is_letter(name[index - 1])
        if ch in _JOINERS and inside:
            continue
        raise DomainError("validate.name_chars")
    return name


def _printable(text: str) -> bool:
    return all(unicodedata.category(ch)[0] not in ("C", "S") or ch in "&+" for ch in text)


def position(raw: str) -> str:
    """A position (chức vụ): short, printable, no emoji or control characters."""
    value = normalize(raw)
    if not 2 <= len(value) <= POSITION_MAX:
        raise DomainError("validate.position_length", max=POSITION_MAX, got=len(value))
    if not _printable(value):
        raise DomainError("validate.position_chars")
    return value


def unit_name(raw: str) -> str:
    """A unit's name; '/' is reserved for paths."""
    value = normalize(raw)
    if not UNIT_NAME_MIN <= len(value) <= UNIT_NAME_MAX:
        raise DomainError(
            "validate.unit_name_length", min=UNIT_NAME_MIN, max=UNIT_NAME_MAX, got=len(value)
        )
    if "/" in value or not _printable(value):
        raise DomainError("validate.unit_name_chars")
    return value


def split_path(raw: str) -> list[str]:
    """'A/B/C' into validated names, root first."""
    parts = [p for p in (s.strip() for s in raw.split("/")) if p]
    if not parts:
        raise DomainError("validate.path_empty")
    return [unit_name(p) for p in parts]
