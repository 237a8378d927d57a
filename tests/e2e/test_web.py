"""Acceptance (the web app, issue 16), in a real browser: Chromium from the Debian package,
driven by Playwright at 360×740, against `serve()` — the production entry point — with the
local Telegram and Zalo stand-ins and the clock injected.

- a member registers three items and the pledge on the web, submits, gets it returned in
  Telegram by the secretary, fixes and resubmits; once approved, a reminder's link opens the
  report page signed in and 50 % goes in with a photo;
- a member on Zalo gets a reminder whose link opens the report page signed in;
- forged, used, expired and replaced links, another member's item, a form without its token:
  refused with a clear page, nothing stored;
- no serious or critical accessibility violation (axe-core) on any member page."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import serve
from domain import campaigns, commitments
from domain.invites import create_system_invite
from domain.members import identify, register
from domain.reference import manifestations
from domain.units import find_path
from jobs import planner
from storage.dto import ItemKind, Role
from storage.models import Account, CheckIn, Member, Schedule, WebToken
from tests.conftest import FakeClock
from tests.conftest import test_settings as settings_for
from tests.e2e.helpers import enrol
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.zaloapi import TOKEN as ZALO_TOKEN
from tests.fakes.zaloapi import FakeZaloAPI

playwright = pytest.importorskip("playwright.async_api")

Sessions = async_sessionmaker[AsyncSession]
CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
CELL = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp/Chi bộ Văn phòng"
OTHER_CELL = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp/Chi bộ Hành chính"
SECRETARY, MEMBER, NEIGHBOUR = 50, 51, 60
ZALO_MEMBER = "8800112233"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2027, 1, 11, 1, 30, tzinfo=UTC)  # Monday 08:30 in Hà Nội
NEXT_REMINDER = datetime(2027, 1, 18, 8, 0, tzinfo=HANOI).astimezone(UTC)
ITEMS = (
    "Hoàn thành đúng hạn các báo cáo chuyên môn hằng tháng của phòng",
    "Tham gia đầy đủ sinh hoạt chi bộ và phát biểu xây dựng ở mỗi kỳ",
    "Khắc phục việc chậm nộp báo cáo đã được nhắc nhở năm trước",
)
COMMENT = "Đề nghị đồng chí nêu rõ chỉ tiêu của nội dung thứ nhất."

if os.environ.get("CI") == "true":
    assert Path(CHROMIUM).exists(), "CI installs Debian's chromium for the browser tests"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium")


def png() -> bytes:
    """A real 8×8 PNG (a photo from the camera, as far as the server can tell)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xa5\x1d\x1d" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
    # (no IEND needed for the sniffing; browsers accept it too)


@dataclass
class Site:
    url: str
    api: FakeBotAPI
    zalo: FakeZaloAPI
    clock: FakeClock
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def shutdown(self) -> None:
        self.stop.set()
        await self.api.release_polls()
        await asyncio.wait_for(self.task, 30)


async def _people(sessions: Sessions) -> None:
    cell, invite = await enrol(
        sessions,
        CELL,
        [(SECRETARY, Role.SECRETARY, "Trần Thị Bình"), (MEMBER, Role.MEMBER, "Nguyễn Văn An")],
    )
    await enrol(sessions, OTHER_CELL, [(NEIGHBOUR, Role.MEMBER, "Lê Văn Chiến")])
    async with sessions() as s:
        now = datetime.now(UTC)  # the invite was made now, in the real year
        who = await identify(s, "zalo", ZALO_MEMBER, ZALO_MEMBER, "", "vi", False, now)
        await register(s, who.actor, invite.invite.id, {"name": "Phạm Thị Dung"}, now)
        await campaigns.create(
            s, None, cell, 2027, "Nêu gương", date(2027, 1, 4), date(2027, 2, 28), START
        )
        await s.commit()


async def approved(sessions: Sessions, channel: str, external: str, lines: int = 2) -> list[int]:
    """A registration with `lines` items, submitted and approved by the secretary."""
    async with sessions() as s:
        who = (await identify(s, channel, external, external, "", "vi", False, START)).actor
        sheet = await commitments.open_personal(s, who, START)
        cid = sheet.commitment.id
        ids = [
            (await commitments.add_item(s, who, cid, ItemKind.EXAMPLE, ITEMS[n], START)).id
            for n in range(lines)
        ]
        await commitments.pledge(s, who, cid, manifestations().pledge, START)
        done = await commitments.submit(s, who, cid, START)
        boss = await identify(s, "telegram", str(SECRETARY), str(SECRETARY), "", "vi", False, START)
        await commitments.decide(s, boss.actor, cid, done.commitment.version, True, None, START)
        await s.commit()
    return ids


@pytest.fixture
async def site(
    botapi: FakeBotAPI, zaloapi: FakeZaloAPI, db_url: str, sessions: Sessions
) -> AsyncIterator[Site]:
    await _people(sessions)
    clock = FakeClock(START)
    settings = settings_for(
        botapi,
        db_url,
        ZALO_BOT_TOKEN=ZALO_TOKEN,
        ZALO_API_BASE_URL=zaloapi.base_url,
        NEUGUONG_PLANNER_SECONDS=3600,
    )
    stop = asyncio.Event()
    found: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def ready(url: str, _sessions: Sessions) -> None:
        found.set_result(url)

    task = asyncio.create_task(serve(settings, stop, clock, ready=ready))
    done, _ = await asyncio.wait([found, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    running = Site(found.result(), botapi, zaloapi, clock, stop, task)
    yield running
    await running.shutdown()


@pytest.fixture
async def browser() -> AsyncIterator[playwright.Browser]:
    async with playwright.async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        await launched.close()


async def phone(browser: playwright.Browser, checker: bool = False) -> playwright.Page:
    """A fresh phone: its own cookies, 360×740 (`checker`: the page lets axe-core in)."""
    context = await browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", bypass_csp=checker
    )
    return await context.new_page()


async def tap(target: playwright.Locator) -> None:
    """Tap a link or a form's button and wait for the page it leads to."""
    async with target.page.expect_navigation():
        await target.click()


def link_in(text: str, kind: str) -> str:
    found = re.search(rf"https?://\S+/{kind}/\S+", text)
    assert found, text
    return found.group(0)


async def web_link(site: Site, user: int) -> str:
    """What a member gets by sending /web in Telegram."""
    person = site.api.user(user, "Đồng chí")
    person.seen = len(site.api.transcript(user))
    await person.send("/web")
    return link_in((await person.reply()).text, "s")


async def remind(site: Site, sessions: Sessions, at: datetime = NEXT_REMINDER) -> None:
    """The planner's tick now (as every 30 s: an approval's baseline), then at `at`."""
    await planner.tick(sessions, site.clock.now)
    site.clock.now = at
    assert (await planner.tick(sessions, at)).queued >= 1


async def checkins(sessions: Sessions) -> list[CheckIn]:
    async with sessions() as s:
        return list((await s.scalars(select(CheckIn).order_by(CheckIn.id))).all())


async def test_member_registers_on_the_web_and_reports_from_a_reminder(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    page = await phone(browser)
    await page.goto(await web_link(site, MEMBER))
    assert page.url == f"{site.url}/"
    await tap(page.get_by_role("link", name="Bản đăng ký").first)

    for n, text in enumerate(ITEMS):
        if n == 2:
            await page.get_by_label("Khắc phục hạn chế, khuyết điểm").check()
        await page.locator("#new-text").fill(text)
        await tap(page.get_by_role("button", name="Thêm vào bản đăng ký"))
        assert not await page.locator(".error").count(), await page.locator(".error").inner_text()
    assert await page.locator("form[action$='/delete']").count() == 3

    await tap(page.get_by_role("link", name="Đọc 27 biểu hiện và xác nhận cam kết"))
    await tap(page.get_by_role("button", name="Xác nhận cam kết"))  # not ticked: asked again
    assert "Đề nghị đồng chí đánh dấu" in await page.locator(".error").inner_text()
    await page.get_by_label("Tôi đã đọc và cam kết").check()
    await tap(page.get_by_role("button", name="Xác nhận cam kết"))
    await page.wait_for_url(re.compile(r"/commitment$"))
    await tap(page.get_by_role("button", name="Gửi chi bộ duyệt"))
    await page.wait_for_url(re.compile(r"submitted=1"))

    secretary, member = site.api.user(SECRETARY, "Bình"), site.api.user(MEMBER, "An")
    member.seen = len(site.api.transcript(MEMBER))  # the /web answer was read above
    notice = await secretary.reply()
    assert ITEMS[0] in notice.text
    await secretary.press("↩️ Trả lại kèm ý kiến", event=notice)
    await secretary.reply()
    await secretary.send(COMMENT)
    await secretary.reply()
    assert COMMENT in (await member.reply()).text  # the member is told in Telegram too

    await page.reload()
    assert COMMENT in await page.locator(".error").first.inner_text()
    first = page.locator("form[action^='/commitment/items/']:not([action$='/delete'])").first
    await first.locator("input[name=target]").fill("12 báo cáo, đúng hạn")
    await tap(first.get_by_role("button", name="Lưu thay đổi"))
    await page.wait_for_url(re.compile(r"/commitment"))
    await tap(page.get_by_role("button", name="Gửi chi bộ duyệt"))
    await page.wait_for_url(re.compile(r"submitted=1"))
    second = await secretary.reply()
    assert "12 báo cáo" in second.text
    await secretary.press("✅ Duyệt", event=second)
    await secretary.reply()
    await member.reply()

    await remind(site, sessions)
    reminder = await member.reply()
    link = link_in(reminder.text, "r")
    fresh = await phone(browser)  # the phone that reads Telegram, not signed in before
    await fresh.goto(link)  # tap 1: the link
    assert fresh.url == f"{site.url}/report"
    form = fresh.locator("form.report").first
    await form.locator("input[type=file]").set_input_files(
        {"name": "anh.png", "mimeType": "image/png", "buffer": png()}
    )
    await tap(form.get_by_role("button", name="50%"))  # tap 2: the percentage
    await fresh.wait_for_url(re.compile(r"/report/\d+\?saved=\d+"))
    assert "Đã ghi nhận báo cáo: 50%" in await fresh.locator(".notice").inner_text()
    saved = (await checkins(sessions))[-1]
    assert (saved.progress, saved.evidence_channel) == (50, "web")

    await fresh.goto(f"{site.url}/commitment")  # a reminder's link opens the report page only
    assert "chỉ mở trang báo cáo tiến độ" in await fresh.content()


async def test_a_zalo_members_reminder_opens_the_report_page(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    await approved(sessions, "zalo", ZALO_MEMBER)
    await remind(site, sessions)
    person = site.zalo.user(ZALO_MEMBER, "Dung")
    texts = await person.expect(1, within=15)
    page = await phone(browser)
    await page.goto(link_in("\n".join(texts), "r"))
    assert page.url == f"{site.url}/report"
    assert ITEMS[0] in await page.content()
    await tap(page.locator("form.report").first.get_by_role("button", name="100%"))
    await page.wait_for_url(re.compile(r"saved="))
    assert (await checkins(sessions))[-1].progress == 100


async def refused(page: playwright.Page, url: str, says: str, status: int = 403) -> None:
    answer = await page.goto(url)
    assert answer is not None
    assert answer.status == status, url
    assert says in await page.locator("main").inner_text()
    assert not [c for c in await page.context.cookies() if c["name"] == "ng_session"]


async def test_forged_used_expired_and_replaced_links_are_refused(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    page = await phone(browser)
    await refused(page, f"{site.url}/s/{'A' * 43}", "Đường dẫn không hợp lệ")
    await refused(page, f"{site.url}/r/r.1.99999999999.forged", "Đường dẫn không hợp lệ")
    await refused(page, f"{site.url}/report", "Đăng nhập", 401)

    link = await web_link(site, MEMBER)
    other = await phone(browser)
    await other.goto(link)  # the first opening signs in
    await refused(page, link, "đã được dùng")

    late = await web_link(site, MEMBER)
    site.clock.advance(minutes=16)
    await refused(page, late, "hết hạn")

    await approved(sessions, "telegram", str(MEMBER))
    member = site.api.user(MEMBER, "An")
    member.seen = len(site.api.transcript(MEMBER))
    await remind(site, sessions)
    first = link_in((await member.reply()).text, "r")
    tampered = first[:-3] + ("AAA" if not first.endswith("AAA") else "BBB")
    await refused(page, tampered, "Đường dẫn không hợp lệ")
    await remind(site, sessions, NEXT_REMINDER + timedelta(days=7))
    await member.reply()
    await refused(page, first, "tin nhắc mới hơn")

    async with sessions() as s:
        sessions_made = await s.scalar(
            select(func.count()).select_from(WebToken).where(WebToken.kind == "session")
        )
    assert sessions_made == 1  # only the one genuine opening


async def test_another_members_item_and_a_form_without_its_token_change_nothing(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    mine = await approved(sessions, "telegram", str(MEMBER))
    theirs = await approved(sessions, "zalo", ZALO_MEMBER)
    page = await phone(browser)
    await page.goto(await web_link(site, MEMBER))

    answer = await page.goto(f"{site.url}/report/{theirs[0]}")
    assert answer is not None
    assert answer.status == 404
    assert "Không tìm thấy" in await page.locator("main").inner_text()
    await page.goto(f"{site.url}/report/{mine[0]}")
    token = await page.locator("input[name=csrf]").first.get_attribute("value")
    assert token

    forged = await page.request.post(
        f"{site.url}/report/{theirs[0]}", multipart={"csrf": token, "progress": "100"}
    )
    assert forged.status == 404
    missing = await page.request.post(f"{site.url}/report/{mine[0]}", multipart={"progress": "100"})
    assert missing.status == 403
    assert "Biểu mẫu đã hết hiệu lực" in await missing.text()
    wrong = await page.request.post(
        f"{site.url}/report/{mine[0]}", multipart={"csrf": "x" * 24, "progress": "100"}
    )
    assert wrong.status == 403
    odd = await page.request.post(
        f"{site.url}/report/{mine[0]}", multipart={"csrf": token, "progress": "150"}
    )
    assert odd.status == 400
    assert "0 đến 100" in await odd.text() or "100" in await odd.text()
    not_image = await page.request.post(
        f"{site.url}/report/{mine[0]}",
        multipart={
            "csrf": token,
            "progress": "50",
            "photo": {"name": "anh.jpg", "mimeType": "image/jpeg", "buffer": b"<svg></svg>"},
        },
    )
    assert not_image.status == 400
    assert await checkins(sessions) == []

    headers = (await page.request.get(f"{site.url}/")).headers
    assert "frame-ancestors 'self' https://web.telegram.org" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    cookie = next(c for c in await page.context.cookies() if c["name"] == "ng_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"


async def test_wrong_links_from_one_address_are_limited(
    site: Site, browser: playwright.Browser
) -> None:
    page = await phone(browser)
    for n in range(20):
        answer = await page.goto(f"{site.url}/s/{n:043d}")
        assert answer is not None
        assert answer.status == 403
    good = await web_link(site, MEMBER)
    await refused(page, good, "quá nhiều đường dẫn sai", 429)


async def violations(page: playwright.Page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


async def test_member_pages_have_no_serious_accessibility_violations(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    ids = await approved(sessions, "telegram", str(MEMBER))
    page = await phone(browser, checker=True)
    await page.goto(f"{site.url}/")  # the sign-in page, before signing in
    found = {"/ (signed out)": await violations(page)}
    await page.goto(await web_link(site, MEMBER))
    paths = ("/", "/commitment", "/commitment/pledge", "/report", f"/report/{ids[0]}")
    for path in (*paths, "/progress", "/settings", "/welcome", "/no-such-page"):
        await page.goto(f"{site.url}{path}")
        found[path] = await violations(page)
    assert not {path: v for path, v in found.items() if v}


def init_data(token: str, user_id: int, when: datetime, forged_user: int | None = None) -> str:
    """What Telegram hands a Mini App: the fields and their signature."""
    user = {"id": user_id, "first_name": "An", "language_code": "vi"}
    fields = {
        "auth_date": str(int(when.timestamp())),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
    }
    lines = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, lines.encode(), hashlib.sha256).hexdigest()
    if forged_user is not None:
        fields["user"] = fields["user"].replace(str(user_id), str(forged_user))
    return urlencode(fields)


async def test_mini_app_signs_in_from_telegrams_init_data_and_refuses_a_tampered_one(
    site: Site, browser: playwright.Browser
) -> None:
    async def open_mini_app(data: str) -> playwright.Page:
        page = await phone(browser)
        async with page.expect_response(lambda r: r.url.endswith("/tg/signin")):
            await page.goto(f"{site.url}/tg#tgWebAppData={quote(data)}&tgWebAppVersion=8.0")
        await page.wait_for_load_state("networkidle")
        return page

    good = await open_mini_app(init_data(site.api.token, MEMBER, site.clock.now))
    await good.wait_for_url(f"{site.url}/")
    assert await good.get_by_role("link", name="Bản đăng ký", exact=True).count() == 1

    forged = init_data(site.api.token, MEMBER, site.clock.now, forged_user=SECRETARY)
    tampered = await open_mini_app(forged)
    assert "Không xác minh được" in await tampered.locator("main").inner_text()
    old = await open_mini_app(init_data(site.api.token, MEMBER, START - timedelta(days=2)))
    assert "quá một ngày" in await old.locator("main").inner_text()
    stranger = await open_mini_app(init_data(site.api.token, 999_999, site.clock.now))
    assert "chưa đăng ký" in await stranger.locator("main").inner_text()
    for page in (tampered, old, stranger):
        assert not [c for c in await page.context.cookies() if c["name"] == "ng_session"]


async def test_joining_from_an_invite_link_on_the_web_then_connecting_zalo(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    async with sessions() as s:
        cell = await find_path(s, CELL)
        made = await create_system_invite(s, cell, Role.MEMBER, 5, 14, datetime.now(UTC))
        await s.commit()
    site.clock.now = datetime.now(UTC)  # the invite is valid for 14 days from now
    page = await phone(browser)
    await page.goto(f"{site.url}/join/{made.token}")
    assert "Chi bộ Văn phòng" in await page.locator("main").inner_text()
    await page.get_by_label("Họ và tên (viết đủ dấu)").fill("99")
    await tap(page.get_by_role("button", name="Tham gia"))
    assert await page.locator(".error").count() == 1, await page.content()  # asked again
    assert await page.get_by_label("Họ và tên (viết đủ dấu)").input_value() == "99"
    await page.get_by_label("Họ và tên (viết đủ dấu)").fill("Hoàng Văn Em")
    await tap(page.get_by_role("button", name="Tham gia"))
    assert page.url == f"{site.url}/welcome"
    told = await site.api.user(SECRETARY, "Bình").reply()
    assert "Hoàng Văn Em" in told.text  # the secretary learns who joined, on Telegram

    await tap(page.get_by_role("button", name="Lấy mã liên kết"))
    shown = await page.locator(".notice").inner_text()
    code = re.search(r"(\d{4} \d{4})", shown)
    assert code, shown
    newcomer = site.zalo.user("7700445566", "Em")
    await newcomer.send(f"/lienket {code.group(1)}")
    assert any("Hoàng Văn Em" in text for text in await newcomer.expect(1, within=15))
    async with sessions() as s:
        owners = await s.execute(
            select(Account.channel, Member.full_name)
            .join(Member, Member.user_id == Account.user_id)
            .where(Account.external_id.in_(("7700445566",)))
        )
        assert owners.all() == [("zalo", "Hoàng Văn Em")]


async def test_settings_change_language_and_reminders_with_the_chat_rules(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    await approved(sessions, "telegram", str(MEMBER))
    page = await phone(browser)
    await page.goto(await web_link(site, MEMBER))
    await tap(page.get_by_role("link", name="Cài đặt"))
    await page.get_by_label("Bao lâu nhắc một lần").select_option("biweekly")
    await page.get_by_label("Vào ngày").select_option("2")
    await page.get_by_label("Lúc (giờ:phút)").fill("19:30")
    await tap(page.locator("form[action='/settings/reminders'] button"))
    assert "Đã lưu." in await page.locator(".notice").inner_text()
    async with sessions() as s:
        row = await s.scalar(
            select(Schedule).join(Member).where(Member.full_name == "Nguyễn Văn An")
        )
        assert row is not None
        assert (row.cadence, row.weekday, row.minute) == ("biweekly", 2, 19 * 60 + 30)

    token = await page.locator("input[name=csrf]").first.get_attribute("value")
    odd = await page.request.post(
        f"{site.url}/settings/reminders",
        form={"csrf": token or "", "cadence": "weekly", "weekday": "9", "time": "25:99",
              "quiet_start": "21:00", "quiet_end": "07:00"},
    )  # fmt: skip
    assert odd.status == 400
    async with sessions() as s:
        assert (
            await s.scalar(select(Schedule.minute).where(Schedule.member_id == row.member_id))
            == 1170
        )

    await page.get_by_label("English").check()
    await tap(page.locator("form[action='/settings/language'] button"))
    assert await page.get_by_role("link", name="Settings", exact=True).count() == 1


async def test_profile_on_the_web_refuses_a_number_for_a_name_and_keeps_what_was_typed(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    page = await phone(browser)
    await page.goto(await web_link(site, MEMBER))
    await page.goto(f"{site.url}/settings")
    await page.get_by_label("Họ và tên (viết đủ dấu)").fill("12345")
    await page.get_by_label("Chức vụ (không bắt buộc)").fill("Chuyên viên chính")
    await tap(page.locator("form[action='/settings/profile'] button"))
    assert await page.locator(".error").count() == 1
    assert await page.get_by_label("Chức vụ (không bắt buộc)").input_value() == "Chuyên viên chính"
    await page.get_by_label("Họ và tên (viết đủ dấu)").fill("Nguyễn Văn Ân")
    await tap(page.locator("form[action='/settings/profile'] button"))
    assert "Đã lưu." in await page.locator(".notice").inner_text()
    async with sessions() as s:
        found = await s.scalar(select(Member.position).where(Member.full_name == "Nguyễn Văn Ân"))
    assert found == "Chuyên viên chính"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


async def test_a_photo_coming_slowly_holds_up_nobody_elses_report(
    site: Site, sessions: Sessions
) -> None:
    """A member on a slow phone network sends a photo for three seconds; another member's
    report in the meantime is saved at once (the body is read before the writers' turn)."""
    import httpx

    from domain import webaccess

    mine = await approved(sessions, "telegram", str(MEMBER))
    theirs = await approved(sessions, "zalo", ZALO_MEMBER)
    async with sessions() as s:
        who = (await identify(s, "zalo", ZALO_MEMBER, ZALO_MEMBER, "", "vi", False, START)).actor
        cookie, _ = await webaccess.start_session(s, who.user_id, START)
        await s.commit()
    boundary = "neuguong-slow-photo"

    def field(name: str, value: str) -> bytes:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        return f"{head}{value}\r\n".encode()

    async def slowly(token: str) -> AsyncIterator[bytes]:
        yield field("csrf", token) + field("progress", "50")
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
            'filename="anh.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        photo = png()
        for n in range(6):
            yield photo[n * len(photo) // 6 : (n + 1) * len(photo) // 6]
            await asyncio.sleep(0.5)
        yield f"\r\n--{boundary}--\r\n".encode()

    async with (
        httpx.AsyncClient(base_url=site.url, follow_redirects=True) as slow,
        httpx.AsyncClient(base_url=site.url, cookies={"ng_session": cookie}) as quick,
    ):
        await slow.get(await web_link(site, MEMBER))
        token = _csrf((await slow.get(f"/report/{mine[0]}")).text)
        sending = asyncio.create_task(
            slow.post(
                f"/report/{mine[0]}",
                content=slowly(token),
                headers={"content-type": f"multipart/form-data; boundary={boundary}"},
            )
        )
        await asyncio.sleep(0.7)  # the photo is on its way
        theirs_token = _csrf((await quick.get(f"/report/{theirs[0]}")).text)
        started = asyncio.get_running_loop().time()
        answer = await quick.post(
            f"/report/{theirs[0]}", data={"csrf": theirs_token, "progress": "75"}
        )
        waited = asyncio.get_running_loop().time() - started
        assert answer.status_code == 303
        assert not sending.done()
        assert waited < 1.0, f"the quick report waited {waited:.1f} s for the slow photo"
        assert (await sending).status_code == 200  # followed to the saved report
    saved = await checkins(sessions)
    assert sorted(c.progress for c in saved) == [50, 75]
    assert any(c.evidence_file_id for c in saved if c.progress == 50)
