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


def visible(text: str) -> str:
    """NFC (Vietnamese keyboards may send decomposed marks) without invisible format
    characters: zero-width spaces and joiners, byte-order marks and the right-to-left
    overrides that would show a line reversed in someone else's chat."""
    composed = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in composed if unicodedata.category(ch) != "Cf")


def normalize(text: str) -> str:
    """`visible`, on one line with single spaces."""
    return _SPACES.sub(" ", visible(text)).strip()


def multiline(text: str) -> str:
    """`visible`, keeping the lines a person typed (each trimmed, no run of blank lines)."""
    lines = [_SPACES.sub(" ", line).strip() for line in visible(text).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def wordy(text: str, least: int) -> bool:
    """Whether a text says something: at least `least` letters or digits (a line of emoji,
    dots or symbols is not an item, a target or a comment)."""
    return sum(1 for ch in text if unicodedata.category(ch)[0] in ("L", "N")) >= least


def content(
    raw: str, lo: int, hi: int, length_key: str, lines: bool = False, **params: object
) -> str:
    """A text people will read (an item, a target, a note, a comment, a reason): visible
    characters only, between `lo` and `hi` long, and saying something."""
    text = multiline(raw) if lines else normalize(raw)
    if not lo <= len(text) <= hi:
        raise DomainError(length_key, min=lo, max=hi, got=len(text), **params)
    if not wordy(text, min(lo, 3)) or not _printable_text(text):
        raise DomainError("validate.no_words")
    return text


def _printable_text(text: str) -> bool:
    return all(unicodedata.category(ch)[0] != "C" or ch in "\n" for ch in text)


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
    if sum(1 for ch in value if ch.isalpha()) < 2:  # "99", "..": a number is not a position
        raise DomainError("validate.position_words")
    return value


def unit_name(raw: str) -> str:
    """A unit's name; '>' and '»' are reserved for paths ('/' may be part of a name, as in
    «Chi bộ Tổ dân phố 3/2», when the path is written with '>')."""
    value = normalize(raw)
    if not UNIT_NAME_MIN <= len(value) <= UNIT_NAME_MAX:
        raise DomainError(
            "validate.unit_name_length", min=UNIT_NAME_MIN, max=UNIT_NAME_MAX, got=len(value)
        )
    if any(ch in value for ch in ">»") or not _printable(value):
        raise DomainError("validate.unit_name_chars")
    return value


PATH_SEPARATORS = (">", "»")


def split_path(raw: str) -> list[str]:
    """'A > B > C' (or 'A/B/C' when no '>' is used) into validated names, root first."""
    text = raw.replace("»", ">")
    parts = [p for p in (s.strip() for s in text.split(">" if ">" in text else "/")) if p]
    if not parts:
        raise DomainError("validate.path_empty")
    return [unit_name(p) for p in parts]


_DIGITS = re.compile(r"[0-9]{1,9}")


def whole_number(text: str) -> int | None:
    """ASCII digits only, at most nine (superscripts, circled digits, signs and huge numbers
    are not numbers here); None otherwise."""
    value = text.strip()
    return int(value) if _DIGITS.fullmatch(value) else None


_YES = {"co", "c", "yes", "y", "dung", "phai", "vang", "da", "ok", "1"}
_NO = {"khong", "k", "ko", "kg", "no", "n", "sai", "0"}


def yes_no(text: str) -> bool | None:
    """«Có» / «Không» typed where buttons ask (any case, with or without marks); None if the
    text is neither."""
    folded = _fold(text).strip(" .!")
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", visible(text).replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.lower().split())
