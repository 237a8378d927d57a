"""Zalo: the same bot through the Zalo Bot Platform (a local server shaped like it).

A member joins with the invite's token as their first message, answers numbered choices by
number or by label, registers commitments and reports progress; reminders come through the
outbox; texts over 2,000 characters arrive in parts; the webhook refuses a wrong or missing
secret and handles a repeated event once; unknown and withheld content never crash it."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.campaigns import followed
from domain.invites import create_system_invite
from domain.units import add_path
from storage.dto import Role
from storage.models import Account, Member
from tests.conftest import FakeClock, RunningBot, start_bot
from tests.e2e.conftest import START
from tests.e2e.helpers import enrol
from tests.fakes.botapi import FakeBotAPI, FakeUser
from tests.fakes.zaloapi import TOKEN, FakeZaloAPI

Sessions = async_sessionmaker[AsyncSession]
CELL = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp/Chi bộ Văn phòng"
LONG = "0" * 9


async def both(
    botapi: FakeBotAPI,
    zaloapi: FakeZaloAPI,
    db_url: str,
    clock: FakeClock | None = None,
    **extra: object,
) -> RunningBot:
    running = await start_bot(
        botapi,
        db_url,
        clock,
        ZALO_BOT_TOKEN=TOKEN,
        ZALO_API_BASE_URL=zaloapi.base_url,
        **extra,
    )
    await zaloapi.wait_for(lambda: zaloapi.polls > 0)
    return running


async def secretary_on(sessions: Sessions, network: str, ext: str) -> None:
    """A cell with a member (on Telegram) and its secretary on `network` (external id `ext`),
    the 2027 campaign open; all on Sunday evening before the weekly report."""
    from datetime import date

    from domain import campaigns
    from domain.members import identify, register
    from tests.e2e.test_reminders import local

    sunday = local(10, 20)
    cell, _ = await enrol(sessions, CELL, [(51, Role.MEMBER, "Nguyễn Văn An")])
    async with sessions() as s:
        await campaigns.create(s, None, cell, 2027, "Nêu gương", date(2027, 1, 4),
                               date(2027, 2, 28), sunday)  # fmt: skip
        link = await create_system_invite(s, cell, Role.SECRETARY, 1, 14, sunday)
        who = (await identify(s, network, ext, ext, "Bình", "vi", False, sunday)).actor
        await register(s, who, link.invite.id, {"name": "Trần Thị Bình"}, sunday)
        await s.commit()


async def link_code(person: FakeUser) -> str:
    """The one-time code /lienket gives this person on Telegram ("1234 5678")."""
    await person.send("/lienket")
    found = re.search(r"<b>(\d{4} \d{4})</b>", (await person.reply()).text)
    assert found is not None
    return found.group(1)


async def invite_token(sessions: Sessions) -> str:
    async with sessions() as s:
        cell, _ = await add_path(s, CELL, START)
        made = await create_system_invite(s, cell, Role.MEMBER, 10, 14, START)
        await s.commit()
    return made.token


async def test_join_by_token_and_answer_by_number_or_label(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:
    await enrol(sessions, CELL, [(50, Role.SECRETARY, "Trần Thị Bình")])
    token = await invite_token(sessions)
    running = await both(botapi, zaloapi, db_url)
    try:
        long = zaloapi.user("6ede9a1f0c2b4d5e", "Long")
        await long.send(token)  # the link's token, as the first message, without /start
        welcome, ask = await long.expect(2)
        assert "Chi bộ Văn phòng" in welcome
        assert "Họ và tên" in ask or "họ và tên" in ask
        await long.send("Phạm Văn Long")
        position = await long.reply()
        assert "1. ⏭ Bỏ qua" in position or "1. " in position
        assert "Đồng chí trả lời 1 để chọn." in position
        await long.send("Chuyên viên pháp chế")  # typed text, not a choice: the answer
        head = await long.reply()
        assert "1. " in head
        assert "2. " in head
        await long.send("7")  # no such choice: asked again, politely, with the choices
        again = await long.expect(2)
        assert "chọn một trong các lựa chọn" in again[0]
        assert "1. Có" in again[1]
        await long.send("khong")  # the label, without diacritics
        confirm = await long.reply()
        assert "Phạm Văn Long" in confirm
        assert "<b>" not in confirm  # plain text on Zalo
        await long.send("1")
        done = await long.expect(2)
        assert "Đã xác nhận" in done[0]
        async with sessions() as s:
            member = await s.scalar(select(Member).where(Member.full_name == "Phạm Văn Long"))
            account = await s.scalar(select(Account).where(Account.channel == "zalo"))
        assert member is not None
        assert member.position == "Chuyên viên pháp chế"
        assert member.is_head is False
        assert account is not None
        assert account.external_id == "6ede9a1f0c2b4d5e"
        # the secretary, on Telegram, hears of the new member
        secretary = botapi.user(50, "Bình")
        notice = await secretary.reply()
        assert "Phạm Văn Long" in notice.text
    finally:
        await running.shutdown()


async def test_events_the_bot_does_not_know_or_cannot_see(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str
) -> None:
    running = await both(botapi, zaloapi, db_url)
    try:
        someone = zaloapi.user("a1b2c3", "Khách")
        await someone.send_event("message.unsupported.received")
        assert "chưa" in (await someone.reply()).lower() or await someone.reply()
        await someone.send_event("message.reaction.received")  # a future event: ignored
        await someone.send_event("message.sticker.received", "STK")
        assert await someone.reply()
        await someone.send("xin chào", wrap=True)  # the wrapped shape is accepted too
        assert await someone.reply()
    finally:
        await running.shutdown()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_refuses_forged_requests_and_handles_a_repeat_once(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:
    port, secret = free_port(), "s3cret-Zalo-hook"
    running = await start_bot(
        botapi,
        db_url,
        ZALO_BOT_TOKEN=TOKEN,
        ZALO_API_BASE_URL=zaloapi.base_url,
        ZALO_WEBHOOK_URL=f"http://127.0.0.1:{port}/zalo",
        ZALO_WEBHOOK_SECRET=secret,
        ZALO_WEBHOOK_PORT=port,
    )
    try:
        await zaloapi.wait_for(lambda: zaloapi.webhook is not None)
        assert zaloapi.webhook == {"url": f"http://127.0.0.1:{port}/zalo", "secret_token": secret}
        someone = zaloapi.user("w1", "Web")
        event = someone.event("/start")
        assert await zaloapi.post_webhook(event, None) == 403
        assert await zaloapi.post_webhook(event, "wrong-secret-123") == 403
        await asyncio.sleep(0.3)
        assert zaloapi.texts("w1") == []
        async with sessions() as s:
            assert await s.scalar(select(func.count()).select_from(Account)) == 0
        assert await zaloapi.post_webhook(event, secret) == 200
        assert await zaloapi.post_webhook({"ok": True, "result": event}, secret) == 200  # again
        await someone.expect(1)
        await asyncio.sleep(0.5)
        assert len(zaloapi.texts("w1")) == 1  # the repeated event was handled once
        assert zaloapi.polls == 0  # webhook mode: no long polling
    finally:
        await running.shutdown()


async def test_a_long_message_arrives_in_parts_of_at_most_2000(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:
    from datetime import UTC, datetime

    from storage.repos import outbox

    running = await both(botapi, zaloapi, db_url)
    try:
        lines = [f"Dòng thứ {n}: " + "nội dung báo cáo " * 4 for n in range(1, 38)]
        text = "\n".join(lines)
        assert 2900 < len(text) <= 4000
        now = datetime.now(UTC)
        async with sessions() as s:
            await outbox.add_many(s, [{
                "dedupe_key": "long:1", "kind": "notice", "channel": "zalo", "chat_id": "z9",
                "user_id": None, "text": text, "markup": None, "state": "pending",
                "attempts": 0, "not_before": now, "created_at": now,
            }])  # fmt: skip
            await s.commit()
        await zaloapi.wait_for(lambda: len(zaloapi.texts("z9")) >= 2)
        parts = zaloapi.texts("z9")
        assert len(parts) == 2
        assert all(len(p) <= 2000 for p in parts)
        assert parts[1].startswith("Dòng thứ ")  # cut between lines
        assert " ".join(" ".join(parts).split()) == " ".join(text.split())  # nothing lost
    finally:
        await running.shutdown()


async def test_a_reminder_on_zalo_is_answered_by_number(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:
    from datetime import date

    from domain import campaigns, commitments
    from domain.invites import check_token
    from domain.members import identify, register
    from domain.reference import manifestations
    from jobs import planner
    from storage.dto import ItemKind
    from tests.e2e.test_reminders import local

    sunday = local(10, 20)
    cell, _ = await enrol(sessions, CELL, [(50, Role.SECRETARY, "Trần Thị Bình")])
    token = await invite_token(sessions)
    async with sessions() as s:
        await campaigns.create(s, None, cell, 2027, "Nêu gương", date(2027, 1, 4),
                               date(2027, 1, 9), sunday)  # fmt: skip
        invite = await check_token(s, token, sunday)
        who = (await identify(s, "zalo", "z-an", "z-an", "An", "vi", False, sunday)).actor
        await register(s, who, invite.id, {"name": "Nguyễn Văn An"}, sunday)
        who = (await identify(s, "zalo", "z-an", "z-an", "An", "vi", False, sunday)).actor
        sheet = await commitments.open_personal(s, who, sunday)
        text = "Hoàn thành số hoá hồ sơ của phòng trước tháng 6"
        await commitments.add_item(s, who, sheet.commitment.id, ItemKind.EXAMPLE, text, sunday)
        await commitments.pledge(s, who, sheet.commitment.id, manifestations().pledge, sunday)
        await commitments.submit(s, who, sheet.commitment.id, sunday)
        boss = (await identify(s, "telegram", "50", "50", "", "vi", False, sunday)).actor
        await commitments.decide(s, boss, sheet.commitment.id, 1, True, None, sunday)
        await s.commit()
    clock = FakeClock(sunday)
    running = await both(botapi, zaloapi, db_url, clock, NEUGUONG_PLANNER_SECONDS=3600)
    try:
        an = zaloapi.user("z-an", "An")
        an.seen = len(zaloapi.texts("z-an"))  # notices of the approval, if any
        clock.now = local(11, 8, 0)  # Monday 08:00 in Hà Nội
        assert (await planner.tick(sessions, clock.now)).queued == 1
        reminder = await an.reply()
        assert "Hoàn thành số hoá hồ sơ" in reminder
        assert "1. " in reminder
        await an.send("1")  # the first numbered choice: report on that item
        ask = await an.reply()
        assert "bao nhiêu phần trăm" in ask
        assert "\na. 0%" in ask  # lettered: a typed number is the percentage
        await an.send("5")
        done = await an.reply()
        assert "5%" in done
    finally:
        await running.shutdown()


async def test_a_secretary_on_zalo_gets_the_weekly_report_as_text(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:

    from jobs import planner
    from jobs.digests import ReportTime
    from storage.models import OutboxMessage
    from tests.e2e.test_digest import HANOI
    from tests.e2e.test_reminders import local

    await secretary_on(sessions, "zalo", "z-binh")
    clock = FakeClock(local(11, 7, 30))
    running = await both(botapi, zaloapi, db_url, clock, NEUGUONG_PLANNER_SECONDS=3600)
    try:
        await planner.tick(sessions, clock.now, reports=ReportTime(HANOI))
        binh = zaloapi.user("z-binh", "Bình")
        report = await binh.reply()
        assert "Chi bộ Văn phòng" in report
        assert "chưa gửi được qua Zalo" in report
        assert "<b>" not in report
        async with sessions() as s:
            kinds = sorted(
                await s.scalars(select(OutboxMessage.kind).where(OutboxMessage.channel == "zalo"))
            )
        assert kinds == ["digest"]  # no chart or spreadsheet rows for a network without files
    finally:
        await running.shutdown()


async def test_a_member_links_zalo_to_their_telegram_membership(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:

    from storage.repos import reminders as reminder_repo

    await enrol(sessions, CELL, [(51, Role.MEMBER, "Nguyễn Văn An")])
    running = await both(botapi, zaloapi, db_url)
    try:
        an = botapi.user(51, "An")
        code = await link_code(an)
        on_zalo = zaloapi.user("z-an-2", "An")
        await on_zalo.send("/lienket 0000 0000")
        assert "không đúng hoặc đã hết hạn" in await on_zalo.reply()
        await on_zalo.send(f"/lienket {code}")
        assert "tài khoản này là của đồng chí Nguyễn Văn An" in (await on_zalo.expect(1))[0]
        await on_zalo.send(f"/lienket {code}")  # used once only
        assert "không liên kết được" in await on_zalo.reply()  # now a member's own account
        async with sessions() as s:
            members = await s.scalar(select(func.count()).select_from(Member))
            owners = set(await s.scalars(select(Account.user_id)))
        assert members == 1  # never a second member for one person
        assert len(owners) == 1
        await an.send("/lienket")
        await an.expect(1)
        choice = await an.reply()
        assert "Telegram" in choice.text
        await an.press("Zalo")
        assert "<b>Zalo</b>" in (await an.reply()).text
        async with sessions() as s:
            member = await s.scalar(select(Member))
            assert member is not None
            year = (await reminder_repo.load(s, [member.id], followed))[member.id]
        assert (year.channel, year.chat_id) == ("zalo", "z-an-2")  # reminders go to Zalo now
    finally:
        await running.shutdown()


async def test_in_webhook_mode_charts_and_sheets_come_by_link(
    botapi: FakeBotAPI,
    zaloapi: FakeZaloAPI,
    db_url: str,
    sessions: Sessions,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import io
    import logging

    import httpx
    from openpyxl import load_workbook

    from jobs import planner
    from jobs.digests import ReportTime
    from tests.e2e.test_digest import HANOI
    from tests.e2e.test_reminders import local

    await secretary_on(sessions, "zalo", "z-binh")
    port = free_port()
    clock = FakeClock(local(11, 7, 30))
    running = await start_bot(
        botapi, db_url, clock,
        ZALO_BOT_TOKEN=TOKEN, ZALO_API_BASE_URL=zaloapi.base_url,
        ZALO_WEBHOOK_URL=f"http://127.0.0.1:{port}/zalo", ZALO_WEBHOOK_SECRET="s3cret-Zalo-hook",
        ZALO_WEBHOOK_PORT=port, NEUGUONG_PLANNER_SECONDS=3600,
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    try:
        files = running.settings.file_channels()  # webhook mode: Zalo gets files by link
        assert files == {"telegram", "zalo"}
        await planner.tick(sessions, clock.now, reports=ReportTime(HANOI, files=files))
        await zaloapi.wait_for(lambda: len(zaloapi.sent.get("z-binh", [])) >= 4)
        sent = zaloapi.sent["z-binh"]
        assert "BÁO CÁO TUẦN" in sent[0].text
        assert "chưa gửi được qua Zalo" not in sent[0].text
        photo = next(s for s in sent if s.method == "sendPhoto")
        sheet = next(s for s in sent if "Tải tệp tại" in s.text)
        url = re.search(r"(http://\S+)", sheet.text)
        assert url is not None
        async with httpx.AsyncClient() as client:
            png = await client.get(photo.params["photo"])
            xlsx = await client.get(url.group(1))
            missing = await client.get(f"http://127.0.0.1:{port}/zalo/files/{'x' * 32}/a.xlsx")
        assert png.status_code == 200
        assert png.content.startswith(b"\x89PNG")
        book = load_workbook(io.BytesIO(xlsx.content))
        assert book.active is not None
        assert missing.status_code == 404
        secret = url.group(1).split("/files/")[1].split("/")[0]
        ours = "\n".join(  # the bot's own log (the test's http client logs its requests)
            r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
        )
        assert secret not in ours  # a file link is a key: never in the log
        assert "/files/…/" in ours  # (the fetches were logged)
    finally:
        await running.shutdown()


async def test_blocked_on_one_network_still_reached_on_the_other(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:
    """A member on Telegram and Zalo (reminders on Zalo) blocks the bot on Zalo: the
    announcement that Zalo refused reaches them on Telegram, once; only the Zalo account is
    unreachable; their secretary is not told they cannot be reached."""
    from datetime import UTC, datetime

    from domain import broadcasts
    from domain.members import identify
    from storage.models import OutboxMessage

    await enrol(sessions, CELL, [(50, Role.SECRETARY, "Trần Thị Bình"),
                                 (51, Role.MEMBER, "Nguyễn Văn An")])  # fmt: skip
    running = await both(botapi, zaloapi, db_url)
    try:
        an = botapi.user(51, "An")
        on_zalo = zaloapi.user("z-an", "An")
        await on_zalo.send(f"/lienket {await link_code(an)}")
        await on_zalo.reply()
        await an.expect(1)  # told of the link
        await an.send("/lienket")
        await an.expect(2)
        await an.press("Zalo")
        await an.reply()
        zaloapi.blocked.add("z-an")
        now = datetime.now(UTC)
        async with sessions() as s:
            root = (await identify(s, "telegram", "1", "1", "", "vi", True, now)).actor
            made = await broadcasts.create(
                s, root, text="Họp chi bộ chiều thứ Sáu.", attachment=None, unit_ids=[],
                audience="everyone", send_at=now, report_to=None, now=now,
            )  # fmt: skip
            await s.commit()
        from jobs import planner

        await planner.tick(sessions, now)
        announcement = await an.reply(within=20)
        assert "Họp chi bộ chiều thứ Sáu." in announcement.text
        await asyncio.sleep(1.0)
        async with sessions() as s:
            accounts = {
                a.channel: a.unreachable_at
                for a in await s.scalars(
                    select(Account).where(Account.external_id.in_(("51", "z-an")))
                )
            }
            status = await broadcasts.status(s, await broadcasts.visible(s, root, made.id))
            kinds = list(await s.scalars(select(OutboxMessage.kind)))
    finally:
        await running.shutdown()
    assert accounts["zalo"] is not None
    assert accounts["telegram"] is None
    assert "unreachable" not in kinds  # the secretary is not told
    assert not any("không liên lạc" in m.text for m in botapi.transcript(50))
    assert (status.sent, status.unreachable) == (2, 0)  # An (on Telegram) and Bình
    texts = [e.text for e in botapi.transcript(51) if "Họp chi bộ" in e.text]
    assert len(texts) == 1
