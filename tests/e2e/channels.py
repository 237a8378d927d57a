"""One way to drive a person through the bot, whichever network they are on: the journeys in
test_both_channels.py run unchanged on Telegram (buttons) and on Zalo (numbered choices)."""

from __future__ import annotations

import re
from typing import Protocol

from bot.numbered import plain, unnumbered
from tests.fakes.botapi import FakeBotAPI, FakeUser
from tests.fakes.zaloapi import FakeZaloAPI, ZaloUser


class Person(Protocol):
    channel: str

    async def say(self, text: str) -> None: ...

    async def start(self, token: str) -> None: ...

    async def choose(self, label: str) -> None: ...

    async def photo(self) -> None: ...

    async def next(self, count: int = 1) -> list[str]: ...


class OnTelegram:
    channel = "telegram"

    def __init__(self, api: FakeBotAPI, user_id: int, name: str) -> None:
        self.user: FakeUser = api.user(user_id, name)

    async def say(self, text: str) -> None:
        await self.user.send(text)

    async def start(self, token: str) -> None:
        await self.user.send(f"/start {token}")

    async def choose(self, label: str) -> None:
        await self.user.press(label)

    async def photo(self) -> None:
        await self.user.send_photo()

    async def next(self, count: int = 1) -> list[str]:
        return [plain(e.text) for e in await self.user.expect(count)]


class OnZalo:
    channel = "zalo"

    def __init__(self, api: FakeZaloAPI, user_id: str, name: str) -> None:
        self.api = api
        self.user: ZaloUser = api.user(user_id, name)

    async def say(self, text: str) -> None:
        await self.user.send(text)

    async def start(self, token: str) -> None:
        await self.user.send(token)  # the token alone, as a Zalo member pastes it

    async def choose(self, label: str) -> None:
        """Answer with the number (or letter) the latest message shows for this label; a
        label that numbers itself is shown once numbered ("1. Việc", not "1. 1. Việc")."""
        shown = unnumbered(label)
        for text in reversed(self.api.texts(self.user.id)):
            found = re.search(rf"^(\d+|[a-z])\. {re.escape(shown)}$", text, re.M)
            if found:
                await self.user.send(found.group(1))
                return
        raise AssertionError(f"no numbered choice {label!r} in chat {self.user.id}")

    async def photo(self) -> None:
        await self.user.send_event("message.image.received", "https://zalo.example/anh.jpg")

    async def next(self, count: int = 1) -> list[str]:
        return await self.user.expect(count)
