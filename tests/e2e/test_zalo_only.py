"""Zalo as the only network (issue 15): no Telegram token anywhere. The operator makes invites
from the command line; people join by the short code (typed loosely), by a pasted link or by
the token; they register, pledge, report "5" meaning 5 % and set "8" meaning 08:00; in webhook
mode eight people writing at once all finish, in order; the Zalo API down at start-up comes
back without a restart; guesses are limited; a long announcement arrives whole despite a
500 on its second part."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import serve
from bot.settings import Settings
from domain.invites import NewInvite, create_system_invite
from domain.units import find_path
from storage.dto import Role
from storage.models import AuditEntry, CheckIn, Member, Schedule
from tests.conftest import FakeClock, start_bot
from tests.e2e.channels import OnZalo
from tests.e2e.process import acli
from tests.e2e.test_both_channels import join, register_and_submit
from tests.e2e.test_webhook import free_port
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.zaloapi import TOKEN, FakeZaloAPI

Sessions = async_sessionmaker[AsyncSession]
CELL = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp/Chi bộ Văn phòng"
CODE = re.compile(r"mã ([A-Z0-9]{4}-[A-Z0-9]{4})")
SECRET = "s3cret-Zalo-hook"
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em",
         "Vũ Thị Giang", "Đặng Văn Hùng", "Bùi Thị Khánh")  # fmt: skip


@dataclass
class ZaloRun:
    settings: Settings
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


def zalo_settings(api: FakeZaloAPI, db_url: str, webhook: bool, **extra: object) -> Settings:
    values: dict[str, object] = {
        "ZALO_BOT_TOKEN": TOKEN,
        "ZALO_API_BASE_URL": api.base_url,
        "DATABASE_URL": db_url,
        "NEUGUONG_DIGEST_ENABLED": "false",
        "NEUGUONG_WEB_PORT": 0,
    }
    if webhook:
        port = free_port()
        values.update(
            ZALO_WEBHOOK_URL=f"http://127.0.0.1:{port}/zalo",
            ZALO_WEBHOOK_SECRET=SECRET,
            ZALO_WEBHOOK_PORT=port,
        )
    values.update(extra)
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    assert settings.telegram_bot_token is None
    return settings


async def start_zalo(
    api: FakeZaloAPI,
    db_url: str,
    clock: FakeClock | None = None,
    webhook: bool = False,
    wait: bool = True,
    **extra: object,
) -> ZaloRun:
    settings = zalo_settings(api, db_url, webhook, **extra)
    stop = asyncio.Event()
    now = clock or (lambda: datetime.now(UTC))
    task = asyncio.create_task(serve(settings, stop, now))
    if wait:
        await api.wait_for(lambda: _up(api, webhook) or task.done(), 30)
        if task.done():
            task.result()
    return ZaloRun(settings, stop, task)


def _up(api: FakeZaloAPI, webhook: bool) -> bool:
    return api.webhook is not None if webhook else api.polls > 0


@pytest.fixture
async def zalo_only(zaloapi: FakeZaloAPI, db_url: str) -> AsyncIterator[ZaloRun]:
    running = await start_zalo(zaloapi, db_url)
    yield running
    await running.shutdown()


def cli_env(zaloapi: FakeZaloAPI, db_url: str) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "ZALO_BOT_TOKEN": TOKEN, "ZALO_API_BASE_URL": zaloapi.base_url}


async def cli_campaign(tmp_path: Path, zaloapi: FakeZaloAPI, db_url: str) -> int:
    """Next year's campaign, open now (the real clock: the CLI runs on it)."""
    today = datetime.now(UTC).date()
    year = today.year + 1
    made = await acli(
        tmp_path, "campaign", "create", "--year", str(year), "--unit", CELL.split("/")[0],
        "--theme", "Nêu gương", "--opens", str(today - timedelta(days=1)),
        "--deadline", str(today + timedelta(days=30)), **cli_env(zaloapi, db_url),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return year


async def cli_invite(tmp_path: Path, zaloapi: FakeZaloAPI, db_url: str, *args: str) -> str:
    env = cli_env(zaloapi, db_url)
    added = await acli(tmp_path, "org", "add", CELL, **env)
    assert added.returncode == 0, added.stderr
    made = await acli(tmp_path, "invite", "create", "--unit", CELL, *args, **env)
    assert made.returncode == 0, made.stderr
    assert "t.me" not in made.stdout  # nothing that opens Telegram
    assert "Zalo" in made.stdout
    found = CODE.search(made.stdout)
    assert found, made.stdout
    return found.group(1)


async def test_a_zalo_only_cell_from_invite_to_first_report(
    zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions, tmp_path: Path
) -> None:
    secretary_code = await cli_invite(tmp_path, zaloapi, db_url, "--role", "secretary")
    member_code = await cli_invite(tmp_path, zaloapi, db_url, "--uses", "5")
    year = await cli_campaign(tmp_path, zaloapi, db_url)
    async with sessions() as s:
        cell = await find_path(s, CELL)
        by_link = await create_system_invite(s, cell, Role.MEMBER, 5, 14, datetime.now(UTC))
        await s.commit()
    running = await start_zalo(zaloapi, db_url)
    try:
        stranger = zaloapi.user("z-khach", "Khách")
        await stranger.send("xin chào")
        greeting = await stranger.reply()
        assert "mã mời" in greeting  # how to join, on Zalo
        assert "bấm" not in greeting
        assert "nút" not in greeting

        binh = OnZalo(zaloapi, "z-binh", "Bình")
        await binh.say(secretary_code.lower().replace("-", " "))  # typed loosely
        welcome, _ask = await binh.next(2)
        assert "Chi bộ Văn phòng" in welcome
        done = await finish_registration(binh, "Trần Thị Bình")
        assert "Bí thư" in done

        an = OnZalo(zaloapi, "z-an", "An")
        await join(an, member_code)  # the code as printed
        pasted = OnZalo(zaloapi, "z-cuong", "Cường")
        await join(pasted, f"Link mời: https://t.me/tinh_bot?start={by_link.token} ")
        spaced = OnZalo(zaloapi, "z-dung", "Dũng")
        await join(spaced, f"  {by_link.token}  ")

        await register_and_submit(an, f"06/{year}")
        notices = await binh.next(4)  # three new members, one registration to approve
        assert any("gửi bản đăng ký nêu gương" in n for n in notices)
        await binh.choose("✅ Duyệt")
        approved = await binh.next()
        assert not any(w in approved[0] for w in ("bấm", "nút"))
        assert "\n1. " in approved[0]  # the home menu follows: nothing is asked any more
        assert (await an.next())[0].startswith("🎉 Chi bộ đã duyệt")

        await an.say("📈 Báo cáo tiến độ")
        await an.next()
        await an.choose("1. Đi đầu cải cách hành chính, giải quyết… — 0%")
        assert "bao nhiêu phần trăm" in (await an.next())[0]
        await an.say("5")  # the value, not the fifth choice
        assert "Tiến độ 5%" in (await an.next())[0]
        await an.choose("Đang thực hiện")
        await an.next()
        await an.choose("Bỏ qua")
        await an.next()
        await an.choose("💾 Lưu báo cáo")
        saved = (await an.next())[0]
        assert "5% · Đang thực hiện" in saved

        await an.say("⏰ Nhắc nhở")
        await an.next()
        await an.choose("🕗 Giờ nhắc: 08:00")
        await an.next()
        await an.say("8")  # 08:00, not the eighth choice
        assert "• Giờ: 08:00" in (await an.next())[0]
        await an.choose("🕗 Giờ nhắc: 08:00")
        await an.next()
        await an.say("19")
        assert "• Giờ: 19:00" in (await an.next())[0]
    finally:
        await running.shutdown()
    async with sessions() as s:
        members = await s.scalar(select(func.count()).select_from(Member))
        percent = await s.scalar(select(CheckIn.progress))
        minutes = await s.scalar(
            select(Schedule.minute)
            .join(Member, Member.id == Schedule.member_id)
            .where(Member.full_name == "Nguyễn Văn An")
        )
    assert members == 4
    assert percent == 5
    assert minutes == 19 * 60


async def finish_registration(person: OnZalo, name: str) -> str:
    await person.say(name)
    await person.next()
    await person.choose("Bỏ qua")
    await person.next()
    await person.choose("Không")
    await person.next()
    await person.choose("✅ Xác nhận")
    done = await person.next(2)
    assert "Đã xác nhận" in done[0]
    return "\n".join(done)


async def test_eight_people_writing_at_once_in_webhook_mode(
    zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:
    """Each sends five messages back to back, without waiting for an answer: the platform
    posts them one after another; each person's are handled in that order."""
    async with sessions() as s:
        from domain.units import add_path

        cell, _ = await add_path(s, CELL, datetime.now(UTC))
        made = await create_system_invite(s, cell, Role.MEMBER, 20, 14, datetime.now(UTC))
        await s.commit()
    running = await start_zalo(zaloapi, db_url, webhook=True)
    try:
        assert zaloapi.polls == 0

        async def person(n: int) -> None:
            user = zaloapi.user(f"z-{n}", f"Người {n}")
            for text in (made.token, NAMES[n], "1", "2", "1"):
                await user.send(text)  # name, skip the position, not the head, confirm

        await asyncio.gather(*(person(n) for n in range(8)))
        await zaloapi.wait_for(lambda: all(_registered(zaloapi, f"z-{n}") for n in range(8)), 30)
    finally:
        await running.shutdown()
    async with sessions() as s:
        names = set(await s.scalars(select(Member.full_name)))
    assert names == set(NAMES)


def _registered(api: FakeZaloAPI, chat: str) -> bool:
    return any("Đã xác nhận" in text for text in api.texts(chat))


async def test_zalo_down_at_start_up_comes_back_without_a_restart(
    db_url: str, sessions: Sessions
) -> None:
    port = free_port()
    api = FakeZaloAPI(port=port)  # nothing listens yet: connections are refused
    running = await start_zalo(api, db_url, wait=False, webhook=False)
    try:
        await _network_state(sessions, "down")  # reported while it is retried
        assert not running.task.done()  # the process keeps running
        await api.start()
        api.down = True  # then it answers 503 for a while
        await asyncio.sleep(1.0)
        api.down = False
        await api.wait_for(lambda: api.polls > 0, 60)
        made = await _invite(sessions)
        user = api.user("z-late", "Muộn")
        await user.send(made.token)
        welcome, _ask = await user.expect(2, within=20)
        assert "Chi bộ Văn phòng" in welcome
        await _network_state(sessions, "up")
    finally:
        await running.shutdown()
        await api.stop()


async def _network_state(sessions: Sessions, state: str) -> None:
    from storage.repos import status

    for _ in range(300):
        async with sessions() as s:
            found = await status.networks(s)
        zalo = [b for b in found if b.name == "zalo"]
        if zalo and zalo[0].detail.get("state") == state:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"zalo never reported {state!r}: {found}")


async def _invite(sessions: Sessions) -> NewInvite:
    from domain.units import add_path

    async with sessions() as s:
        cell, _ = await add_path(s, CELL, datetime.now(UTC))
        made = await create_system_invite(s, cell, Role.MEMBER, 20, 14, datetime.now(UTC))
        await s.commit()
    return made


GUESSES = 1000


async def _audited_guesses(sessions: Sessions) -> int:
    async with sessions() as s:
        found = await s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.in_(("guess_wrong", "guess_locked")))
        )
    return int(found or 0)


async def test_a_thousand_wrong_codes_are_refused_and_audited(
    zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:
    """After the limit every invite code is refused, the right one too, until the hour has
    passed; every attempt is audited (never the code typed)."""
    made = await _invite(sessions)
    clock = FakeClock(datetime.now(UTC))
    running = await start_zalo(zaloapi, db_url, clock, ZALO_RATE_PER_SECOND=0)
    try:
        guesser = zaloapi.user("z-doan", "Đoán")
        wrong = [
            f"{n:08d}".translate(str.maketrans("0123456789", "ACDEFGHJKM")) for n in range(GUESSES)
        ]
        for code in wrong:
            await guesser.send(code if code != made.code else "YYYYYYYY")
        answers = await guesser.expect(GUESSES, within=300)
        assert "không đúng" in answers[0]
        odd = [(n, a) for n, a in enumerate(answers) if n >= 10 and "sai mã quá nhiều lần" not in a]
        assert not odd, odd[:2]
        await guesser.send(made.code)  # the right code, inside the hour: refused as well
        assert "sai mã quá nhiều lần" in await guesser.reply()
        clock.advance(minutes=61)
        await guesser.send(made.code)
        assert "Chi bộ Văn phòng" in (await guesser.expect(2))[0]

    finally:
        await running.shutdown()
    assert await _audited_guesses(sessions) == GUESSES + 1


async def test_a_thousand_wrong_link_codes_are_refused_and_audited(
    zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:
    """The same for /lienket: a guess never takes over a person; the right code, once the
    hour has passed, links the account and the original account is told."""
    from domain.members import identify, register

    made = await _invite(sessions)
    now = datetime.now(UTC)
    async with sessions() as s:
        who = (await identify(s, "zalo", "z-chu", "z-chu", "Chủ", "vi", False, now)).actor
        await register(s, who, made.invite.id, {"name": "Lê Văn Chủ"}, now)
        await s.commit()
    clock = FakeClock(now)
    running = await start_zalo(zaloapi, db_url, clock, ZALO_RATE_PER_SECOND=0)
    try:
        owner = zaloapi.user("z-chu", "Chủ")
        await owner.send("/lienket")
        found = re.search(r"(\d{4} \d{4})", await owner.reply())
        assert found
        right = found.group(1)
        guesser = zaloapi.user("z-may-moi", "Máy mới")
        for n in range(GUESSES):
            code = f"{(n * 7919) % 10**8:08d}"
            await guesser.send(f"/lienket {code if code != right.replace(' ', '') else '0' * 8}")
        answers = await guesser.expect(GUESSES, within=300)
        assert "không đúng" in answers[0]
        assert all("sai mã quá nhiều lần" in a for a in answers[10:])
        await guesser.send(f"/lienket {right}")
        assert "sai mã quá nhiều lần" in await guesser.reply()
        assert len(zaloapi.texts("z-chu")) == 1  # the owner heard nothing of the guesses
        clock.advance(minutes=61)  # the hour has passed; the code too: the owner asks again
        await owner.send("/lienket")
        found = re.search(r"(\d{4} \d{4})", await owner.reply())
        assert found
        await guesser.send(f"/lienket {found.group(1)}")
        assert "Lê Văn Chủ" in await guesser.reply()
        notice = await owner.reply()  # the original account is told
        assert "vừa được liên kết" in notice
    finally:
        await running.shutdown()
    assert await _audited_guesses(sessions) == GUESSES + 1


async def test_a_long_announcement_arrives_whole_despite_a_500_on_its_second_part(
    zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> None:
    """4,000 characters: three parts on Zalo; the second meets one 500: it is sent again
    later and the first is not; the member reads each part once, in order."""
    from domain import broadcasts
    from domain.members import identify, register

    made = await _invite(sessions)
    clock = FakeClock(datetime.now(UTC))
    async with sessions() as s:
        who = (await identify(s, "zalo", "z-an", "z-an", "An", "vi", True, clock.now)).actor
        await register(s, who, made.invite.id, {"name": "Nguyễn Văn An"}, clock.now)
        await s.commit()
    paragraph = "Đề nghị các đồng chí đảng viên nghiên cứu kỹ nghị quyết và liên hệ bản thân. "
    text = "\n\n".join(f"{n}. " + paragraph * 4 for n in range(1, 20))[:3999] + "."
    assert len(text) == 4000
    zaloapi.fail("sendMessage", 500, "Internal Server Error", status=500, after=1, chat="z-an")
    running = await start_zalo(zaloapi, db_url, clock, NEUGUONG_PLANNER_SECONDS=3600)
    try:
        async with sessions() as s:
            admin = (await identify(s, "zalo", "z-an", "z-an", "", "vi", True, clock.now)).actor
            await broadcasts.create(
                s, admin, text=text, attachment=None, unit_ids=[], audience="everyone",
                send_at=clock.now, report_to=None, now=clock.now,
            )  # fmt: skip
            await s.commit()
        from jobs import planner

        await planner.tick(sessions, clock.now)
        for _ in range(60):  # the retry comes due on the bot's clock
            await asyncio.sleep(0.5)
            clock.advance(seconds=30)
            if sum(1 for t in zaloapi.texts("z-an") if "nghị quyết" in t) >= 3:
                break
    finally:
        await running.shutdown()
    assert zaloapi.faults[0].times == 0  # the second part did meet its 500
    parts = [t for t in zaloapi.texts("z-an") if "nghị quyết" in t or "THÔNG BÁO" in t]
    assert len(parts) >= 3
    assert len(parts) == len(set(parts)), "a part arrived twice"
    assert parts[0].startswith("📢 THÔNG BÁO")
    joined = " ".join(" ".join(parts).split())
    assert joined.endswith(" ".join(text.split())[-200:])
    assert " ".join(text.split()) in joined


async def test_telegram_serves_while_zalo_is_down_then_both(
    botapi: FakeBotAPI, db_url: str, sessions: Sessions
) -> None:
    api = FakeZaloAPI(port=free_port())  # not listening yet
    running = await start_bot(botapi, db_url, ZALO_BOT_TOKEN=TOKEN, ZALO_API_BASE_URL=api.base_url)
    try:
        guest = botapi.user(777, "Khách")
        await guest.send("/start")
        assert "đường link mời" in (await guest.reply()).text  # Telegram serves meanwhile
        await _network_state(sessions, "down")
        await api.start()
        made = await _invite(sessions)
        user = api.user("z-sau", "Sau")
        await user.send(made.token)
        welcome, _ask = await user.expect(2, within=30)
        assert "Chi bộ Văn phòng" in welcome
    finally:
        await running.shutdown()
        await api.stop()
