"""Dates and times as each reader's language writes them (Babel): 02/12/2026 and 02/12/2026
07:30 in Vietnamese, as offices write them; 2 Dec 2026 and 2 Dec 2026, 07:30 in English."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_timezone_location
from babel.numbers import format_decimal

PATTERNS = {
    "vi": {"day": "dd/MM/y", "moment": "dd/MM/y HH:mm", "month": "MM/y", "short": "dd/MM"},
    "en": {"day": "d MMM y", "moment": "d MMM y, HH:mm", "month": "MMM y", "short": "d MMM"},
}


def _pattern(lang: str, what: str) -> str:
    return PATTERNS.get(lang, PATTERNS["vi"])[what]


def day(value: date, lang: str) -> str:
    return format_date(value, _pattern(lang, "day"), locale=lang)


def short_day(value: date, lang: str) -> str:
    return format_date(value, _pattern(lang, "short"), locale=lang)


def month(value: date, lang: str) -> str:
    return format_date(value, _pattern(lang, "month"), locale=lang)


def moment(value: datetime, lang: str) -> str:
    """A local time (already in the reader's zone) with its date."""
    return format_datetime(value, _pattern(lang, "moment"), tzinfo=value.tzinfo, locale=lang)


def number(value: int, lang: str) -> str:
    """A count as the reader writes it: 4.000 in Vietnamese, 4,000 in English."""
    return format_decimal(value, locale=lang)


def decimal(value: float, lang: str) -> str:
    """A figure with its decimals as the reader writes it: 12,5 in Vietnamese, 12.5 in English."""
    return format_decimal(value, locale=lang)


def zone(key: str, when: datetime, lang: str) -> str:
    """A time zone as the reader names it, with its offset now: 'Giờ Việt Nam (UTC+07:00)'."""
    offset = when.astimezone(ZoneInfo(key)).strftime("%z")
    return f"{get_timezone_location(key, locale=lang)} (UTC{offset[:3]}:{offset[3:]})"
