"""Acceptance (the web app, issue 16, item 1): README's first command with no token — the
real `neuguong run` serves the web app alone and prints a link that signs the operator in as
admin; `neuguong demo` fills an empty database and prints three links that each sign in."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from tests.e2e.process import BotProcess, acli
from tests.fakes.botapi import FakeBotAPI

LINK = re.compile(r"http://127\.0\.0\.1:\d+/s/[\w-]+")


async def _links(process: BotProcess, count: int = 1) -> list[str]:
    for _ in range(600):
        found = LINK.findall(process.log.read_text())
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(process.log.read_text())


async def _signs_in(link: str, says: str) -> None:
    site = link.split("/s/")[0]
    async with httpx.AsyncClient() as http:
        opened = await http.get(link)
        assert opened.status_code == 303
        assert "ng_session" in opened.cookies
        home = await http.get(f"{site}/")
        assert home.status_code == 200
        assert says in home.text
    async with httpx.AsyncClient() as other:
        assert (await other.get(link)).status_code == 403  # used: once only


async def test_run_without_a_token_serves_the_web_app_and_signs_the_operator_in(
    botapi: FakeBotAPI, tmp_path: Path
) -> None:
    process = BotProcess(botapi, tmp_path)  # no TELEGRAM_BOT_TOKEN, no ZALO_BOT_TOKEN
    await process.start(wait_polling=False)
    try:
        (link,) = await _links(process)
        text = process.log.read_text()
        assert "chưa cấu hình Telegram, Zalo" in text
        assert "Traceback" not in text
        await _signs_in(link, "Chức năng của bí thư, quản trị viên")
        site = link.split("/s/")[0]
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{site}/healthz")).text == "ok"
    finally:
        assert await process.stop() == 0
    assert botapi.polls == 0  # no messenger was asked anything


async def test_demo_makes_a_province_and_three_links(botapi: FakeBotAPI, tmp_path: Path) -> None:
    made = await acli(tmp_path, "demo")
    assert made.returncode == 0, made.stderr
    assert "40 đảng viên" in made.stdout
    member, secretary, admin = LINK.findall(made.stdout)
    again = await acli(tmp_path, "demo")
    assert again.returncode == 2
    assert "dữ liệu mẫu chỉ được tạo trong cơ sở dữ liệu trống" in again.stderr
    assert "Traceback" not in again.stderr

    process = BotProcess(botapi, tmp_path, NEUGUONG_WEB_PORT="0")
    await process.start(wait_polling=False)
    try:
        (operator,) = await _links(process)
        port = operator.split(":")[2].split("/")[0]
        moved = [re.sub(r":\d+/", f":{port}/", link) for link in (member, secretary, admin)]
        await _signs_in(moved[0], "Tình trạng bản đăng ký: Đã được duyệt")
        await _signs_in(moved[1], "Chức năng của bí thư, quản trị viên")
        await _signs_in(moved[2], "Chức năng của bí thư, quản trị viên")
    finally:
        assert await process.stop() == 0
