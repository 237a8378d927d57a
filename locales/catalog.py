"""Messages from the gettext catalogs, read from the .po files at start (no compile step).

Message ids are symbolic keys ("reg.ask_name"); both catalogs translate every key.
Parameters are HTML-escaped unless wrapped in Raw, and Lazy parameters are translated in the
recipient's language, so a notice renders correctly for each reader.
"""

from __future__ import annotations

import gettext
import html
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from domain.errors import Key

LOCALES = Path(__file__).resolve().parent
LANGUAGES = ("vi", "en")
DOMAIN = "messages"


@dataclass(frozen=True)
class Raw:
    """Already-safe HTML, inserted as is."""

    html: str


@dataclass(frozen=True)
class Lazy:
    """A message key (with its own parameters) translated in the reader's language."""

    key: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, key: str, **params: object) -> Lazy:
        return cls(key, tuple(params.items()))


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(language: str) -> gettext.GNUTranslations:
    with po_path(language).open("rb") as handle:
        parsed = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, parsed)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _param(language: str, value: object) -> object:
    if isinstance(value, Key):
        return t(language, str(value))
    if isinstance(value, Raw):
        return value.html
    if isinstance(value, Lazy):
        return t(language, value.key, **dict(value.params))
    if isinstance(value, bool | int | float):
        return value
    return html.escape(str(value), quote=False)


def t(language: str, key: str, /, **params: object) -> str:
    """The message `key` in `language`, with parameters escaped for HTML."""
    text = catalog(language if language in LANGUAGES else LANGUAGES[0]).gettext(key)
    if not params:
        return text
    return text.format(**{k: _param(language, v) for k, v in params.items()})


def tn(language: str, key: str, plural: str, n: int, /, **params: object) -> str:
    """A message that depends on a count (Vietnamese has one form, English two)."""
    text = catalog(language if language in LANGUAGES else LANGUAGES[0]).ngettext(key, plural, n)
    return text.format(n=n, **{k: _param(language, v) for k, v in params.items()})


def plain(language: str, key: str, /, **params: object) -> str:
    """A message for a terminal: no HTML escaping."""
    text = catalog(language if language in LANGUAGES else LANGUAGES[0]).gettext(key)
    return text.format(**params) if params else text
