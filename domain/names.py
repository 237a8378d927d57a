"""Ordering Vietnamese names as Vietnamese lists do: by the given name (the last word), then
the rest, in the Vietnamese alphabet (a ă â b c d đ e ê …), tone marks deciding only ties.

Binary order would put every "Đặng" after "Vũ" and SQL collations differ between SQLite and
PostgreSQL, so the order is decided here, the same everywhere.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

SHAPES = {"\u0306": "1", "\u0302": "2", "\u031b": "3"}  # breve, circumflex, horn: letters
TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


def _letters(word: str) -> tuple[str, str]:
    """The word's letters as sortable text, and its tone marks."""
    letters: list[str] = []
    tones: list[str] = []
    for char in unicodedata.normalize("NFD", word.casefold()):
        if char in SHAPES:
            letters[-1] = letters[-1][:-1] + SHAPES[char] if letters else ""
        elif char in TONES:
            tones.append(TONES[char])
        elif char == "đ":
            letters.append("d5")
        else:
            letters.append(char + "0")
    return "".join(letters), "".join(tones)


@lru_cache(maxsize=4096)
def sort_key(full_name: str) -> tuple[str, str, str, str, str]:
    words = full_name.split()
    given = words[-1] if words else ""
    rest = " ".join(words[:-1])
    given_letters, given_tones = _letters(given)
    rest_letters, rest_tones = _letters(rest)
    return given_letters, rest_letters, given_tones, rest_tones, full_name
