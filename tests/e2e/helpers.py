"""Small helpers for end-to-end tests."""

from __future__ import annotations

import re

from tests.fakes.botapi import Event

LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)")


def token_in(event: Event) -> str:
    found = LINK.search(event.text)
    assert found, f"no invite link in: {event.text!r}"
    return found.group(2)


def labels(event: Event) -> list[str]:
    return [label for label, _ in event.buttons]
