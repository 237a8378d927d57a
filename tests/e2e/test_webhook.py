"""`neuguong run --webhook`: updates arrive by HTTP with Telegram's secret header."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from tests.conftest import start_bot
from tests.fakes.botapi import FakeBotAPI

SECRET = "Tr3n-cao_bi-mat"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def listening(port: int) -> None:
    """PTB registers the webhook, then starts its server: wait until it accepts (bounded)."""
    for _ in range(200):
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError(f"nothing listens on {port}")


def update(update_id: int, text: str) -> dict[str, object]:
    user = {"id": 321, "is_bot": False, "first_name": "Hà", "language_code": "vi"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": text,
            "from": user,
            "chat": {"id": 321, "type": "private", "first_name": "Hà"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_webhook_with_secret(botapi: FakeBotAPI, db_url: str) -> None:
    port = free_port()
    bot = await start_bot(
        botapi,
        db_url,
        webhook=True,
        WEBHOOK_URL="https://bot.example.vn/telegram",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=port,
    )
    url = f"http://127.0.0.1:{port}/telegram"
    await listening(port)
    try:
        assert botapi.webhook is not None
        assert botapi.webhook["url"] == "https://bot.example.vn/telegram"
        assert botapi.webhook["secret_token"] == SECRET
        async with aiohttp.ClientSession() as http:
            forged = await http.post(
                url, json=update(1, "/start"), headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            missing = await http.post(url, json=update(2, "/start"))
            assert (forged.status, missing.status) == (403, 403)
            good = await http.post(
                url, json=update(3, "/start"), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            assert good.status == 200
        user = botapi.user(321, "Hà")
        answer = await user.reply()
        assert "đường link mời" in answer.text
        assert len(botapi.transcript(321)) == 1
    finally:
        await bot.shutdown()
