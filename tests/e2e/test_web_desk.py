"""The secretary's desk and approvals on the web, in Debian's Chromium against the real bot
(Telegram and Zalo stand-ins): approve two registrations and return one, nudge everyone
behind, record a report for a member, download the meeting files and open them; on an office
screen and on a phone; nothing of another cell reachable by address or form."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from domain import campaigns, commitments, units
from domain.access import Actor
from domain.members import identify
from domain.reference import manifestations
from storage.dto import ItemKind, Role
from storage.models import CheckIn, Commitment, CommitmentItem, Member, OutboxMessage, Unit
from tests.e2e.helpers import enrol
from tests.e2e.test_web import (
    CELL,
    ITEMS,
    MEMBER,
    NEIGHBOUR,
    SECRETARY,
    START,
    ZALO_MEMBER,
    Sessions,
    Site,
    approved,
    phone,
    tap,
    violations,
    web_link,
)

playwright = pytest.importorskip("playwright.async_api")

THIRD = 1107  # a third member of the cell, on Telegram
RETURN_COMMENT = "Đề nghị đồng chí ghi rõ thời hạn của nội dung thứ hai."


async def submitted(sessions: Sessions, channel: str, external: str) -> int:
    """A registration with two items and the pledge, sent for approval."""
    async with sessions() as s:
        who = (await identify(s, channel, external, external, "", "vi", False, START)).actor
        sheet = await commitments.open_personal(s, who, START)
        cid = sheet.commitment.id
        for n in range(2):
            await commitments.add_item(s, who, cid, ItemKind.EXAMPLE, ITEMS[n], START)
        await commitments.pledge(s, who, cid, manifestations().pledge, START)
        await commitments.submit(s, who, cid, START)
        await s.commit()
    return cid


async def desktop(browser: playwright.Browser) -> playwright.Page:
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    return await context.new_page()


async def download(page: playwright.Page, name: str) -> bytes:
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name=name).click()
    found = await waiting.value
    path = await found.path()
    assert path is not None
    return path.read_bytes()


async def test_secretary_approves_returns_nudges_records_and_prints(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    await enrol(sessions, CELL, [(THIRD, Role.MEMBER, "Hoàng Văn Em")])
    waiting = {
        "An": await submitted(sessions, "telegram", str(MEMBER)),
        "Dung": await submitted(sessions, "zalo", ZALO_MEMBER),
        "Em": await submitted(sessions, "telegram", str(THIRD)),
    }
    page = await desktop(browser)
    await page.goto(await web_link(site, SECRETARY))
    await tap(page.get_by_role("link", name="Chờ duyệt", exact=True))
    assert "Có 3 bản đăng ký chờ đồng chí duyệt" in await page.locator("main").inner_text()

    await page.get_by_label("Nguyễn Văn An").check()
    await page.get_by_label("Phạm Thị Dung").check()
    await tap(page.get_by_role("button", name="Duyệt các bản đã chọn"))
    await page.wait_for_url(re.compile(r"approved=2"))
    assert "Đã duyệt 2 bản đăng ký" in await page.locator(".notice").inner_text()

    await tap(page.get_by_role("link", name="Xem toàn văn"))  # the one left: Em's
    assert ITEMS[1] in await page.locator("main").inner_text()
    await page.get_by_role("button", name="Trả lại để sửa").click()  # no comment: asked for it
    assert await page.locator("#comment:invalid").count() == 1
    await page.locator("#comment").fill(RETURN_COMMENT)
    await tap(page.get_by_role("button", name="Trả lại để sửa"))
    await page.wait_for_url(re.compile(r"returned=1"))
    assert "Hiện không có bản đăng ký nào" in await page.locator("main").inner_text()

    an, em = site.api.user(MEMBER, "An"), site.api.user(THIRD, "Em")
    assert "đã duyệt bản đăng ký" in (await an.reply()).text
    assert RETURN_COMMENT in (await em.reply()).text
    dung = site.zalo.user(ZALO_MEMBER, "Dung")
    assert any("đã duyệt bản đăng ký" in x for x in await dung.expect(1, within=15))
    async with sessions() as s:
        states = {c.id: c.state for c in await s.scalars(select(Commitment))}
    assert [states[waiting[k]] for k in ("An", "Dung", "Em")] == [
        "approved",
        "approved",
        "returned",
    ]

    # The desk: the week, the members; everyone behind nudged once.
    await tap(page.get_by_role("link", name="Chi bộ", exact=True))
    await page.wait_for_url(re.compile(r"/desk/\d+$"))
    main = await page.locator("main").inner_text()
    assert "Chi bộ Văn phòng" in main
    assert "Đăng ký cam kết (4 đồng chí)" in main
    assert await page.locator("svg.trend rect").count() == 4
    rows = page.locator("table tbody tr[class^=mark-]")
    assert await rows.count() == 4
    await tap(page.get_by_role("button", name=re.compile(r"Nhắc \d+ đồng chí")))
    notice = await page.locator(".notice").inner_text()
    nudged = int(re.search(r"tới (\d+) đồng chí", notice).group(1))  # type: ignore[union-attr]
    assert nudged == 4  # approved and silent (An, Dung), returned (Em), not started (Bình)
    await tap(page.get_by_role("button", name=re.compile(r"Nhắc \d+ đồng chí")))
    assert "đã được nhắc trong hôm nay" in await page.locator(".notice").inner_text()
    async with sessions() as s:
        nudges = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nudge")))
    assert len(nudges) == 4
    assert "chi ủy nhắc đồng chí báo cáo tiến độ" in (await an.reply()).text  # it arrives
    assert any("nhắc" in x for x in await dung.expect(1, within=15))

    # Filter and order, as the address says; a forged filter shows everyone.
    await page.goto(f"{site.url}{page.url.split(site.url)[1].split('?')[0]}?show=waiting")
    assert await rows.count() == 0
    await page.goto(page.url.replace("show=waiting", "show=<script>"))
    assert await rows.count() == 4

    # A report recorded for An, who has no smartphone at hand.
    await tap(page.get_by_role("link", name="Nguyễn Văn An"))
    await page.get_by_label("Nội dung").select_option(index=0)
    await page.get_by_label("50%").check()
    await tap(page.get_by_role("button", name="Ghi báo cáo"))
    await page.wait_for_url(re.compile(r"recorded=\d+"))
    assert "bí thư ghi hộ" in await page.locator("main").inner_text()
    async with sessions() as s:
        found = (await s.scalars(select(CheckIn))).one()
        boss = await s.scalar(select(Member.user_id).where(Member.full_name == "Trần Thị Bình"))
    assert (found.progress, found.recorded_by) == (50, boss)
    assert "ghi hộ báo cáo tiến độ" in (await an.reply()).text

    # The files for the meeting, opened.
    await tap(page.get_by_role("link", name=re.compile("Về Chi bộ Văn phòng")))
    from openpyxl import load_workbook
    from pypdf import PdfReader

    book = load_workbook(io.BytesIO(await download(page, "Báo cáo để in (Excel)")))
    sheet = book.active
    assert sheet is not None
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    for expected in ("Nguyễn Văn An", "Hoàng Văn Em", ITEMS[0]):
        assert expected in cells
    pdf = PdfReader(io.BytesIO(await download(page, "Báo cáo để in (PDF)")))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "Nguyễn Văn An" in text
    assert "Chi bộ Văn phòng" in text
    week = load_workbook(io.BytesIO(await download(page, "Số liệu tuần (Excel)")))
    assert len(week.sheetnames) >= 2


async def test_the_desk_on_a_phone_is_usable_and_accessible(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    await approved(sessions, "telegram", str(MEMBER))
    await submitted(sessions, "zalo", ZALO_MEMBER)
    page = await phone(browser, checker=True)
    await page.goto(await web_link(site, SECRETARY))
    found = {}
    await page.goto(f"{site.url}/desk")
    desk_url = page.url
    found["desk"] = await violations(page)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the desk is {width} px wide on a 360 px phone"
    await tap(page.get_by_role("link", name="Nguyễn Văn An"))
    found["member"] = await violations(page)
    for path in ("/approvals", f"/approvals/{await _commitment_of(sessions, 'Phạm Thị Dung')}"):
        await page.goto(f"{site.url}{path}")
        found[path] = await violations(page)
    await page.goto(f"{desk_url}?show=behind&sort=last")
    found["desk, filtered"] = await violations(page)
    assert not {where: v for where, v in found.items() if v}


async def _commitment_of(sessions: Sessions, name: str) -> int:
    async with sessions() as s:
        member = await s.scalar(select(Member.id).where(Member.full_name == name))
        found = await s.scalar(select(Commitment.id).where(Commitment.member_id == member))
    assert found is not None
    return found


async def test_nothing_of_another_cell_through_an_address_or_a_form(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    """The secretary of one cell types the ids of another's unit, member, registration and
    item, and posts the forms with them; a member opens the desk: all refused, nothing kept."""
    async with sessions() as s:
        other_unit = await s.scalar(select(Unit.id).where(Unit.name == "Chi bộ Hành chính"))
        other = await units.visible(s, Actor(0, "vi", None, (), True), other_unit or 0)
        deadline = date(2027, 2, 28)
        await campaigns.create(s, None, other, 2027, "Nêu gương", date(2027, 1, 4), deadline, START)
        await s.commit()
    their_waiting = await submitted(sessions, "telegram", str(NEIGHBOUR))
    mine_waiting = await submitted(sessions, "telegram", str(MEMBER))
    async with sessions() as s:
        theirs = list(
            await s.scalars(
                select(CommitmentItem.id).where(CommitmentItem.commitment_id == their_waiting)
            )
        )
        neighbour = await s.scalar(select(Member.id).where(Member.full_name == "Lê Văn Chiến"))
    page = await desktop(browser)
    await page.goto(await web_link(site, SECRETARY))
    for path in (
        f"/desk/{other_unit}",
        f"/desk/{other_unit}/print.xlsx",
        f"/desk/{other_unit}/print.pdf",
        f"/desk/{other_unit}/week.xlsx",
        f"/desk/member/{neighbour}",
        f"/approvals/{their_waiting}",
    ):
        answer = await page.request.get(f"{site.url}{path}")
        assert answer.status == 404, (path, answer.status)
    await page.goto(f"{site.url}/approvals")
    token = await page.locator("input[name=csrf]").first.get_attribute("value")
    assert token
    posts = {
        f"/desk/{other_unit}/nudge": {},
        f"/desk/{other_unit}/meeting": {"day": "5"},
        f"/desk/member/{neighbour}/nudge": {},
        f"/desk/member/{neighbour}/record": {"item": str(theirs[0]), "progress": "50"},
        f"/desk/member/{neighbour}/exempt": {"exempt": "1"},
        f"/approvals/{their_waiting}": {"decision": "approve", "version": "1"},
        "/approvals": {"pick": f"{their_waiting}:1"},
    }
    for path, fields in posts.items():
        answer = await page.request.post(f"{site.url}{path}", form={"csrf": token, **fields})
        assert answer.status == 404, (path, answer.status)
    async with sessions() as s:
        assert not list(await s.scalars(select(CheckIn)))
        assert not list(await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nudge")))
        exempt = await s.scalar(select(Member.exempt).where(Member.id == neighbour))
        day = await s.scalar(select(Unit.meeting_day).where(Unit.id == other_unit))
    assert (exempt, day) == (False, None)

    member = await desktop(browser)
    await member.goto(await web_link(site, MEMBER))
    answer = await member.goto(f"{site.url}/desk")
    assert answer is not None
    assert answer.status == 403
    await member.goto(f"{site.url}/approvals")
    assert "Hiện không có bản đăng ký nào" in await member.locator("main").inner_text()
    member_token = await member.locator("input[name=csrf]").first.get_attribute("value")
    own = await member.request.post(
        f"{site.url}/approvals/{mine_waiting}",
        form={"csrf": member_token or "", "decision": "approve", "version": "1"},
    )
    assert own.status == 404  # one's own registration is not one's to approve
    async with sessions() as s:
        state = await s.scalar(select(Commitment.state).where(Commitment.id == mine_waiting))
    assert state == "submitted"


async def test_a_registration_is_read_beside_last_years_remedial_items(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    """The secretary decides An's 2027 registration with what An undertook to remedy in
    2026 beside it."""
    from storage.models import Campaign

    waiting = await submitted(sessions, "telegram", str(MEMBER))
    async with sessions() as s:
        cell = await s.scalar(select(Unit.id).where(Unit.name == "Chi bộ Văn phòng"))
        an = await s.scalar(select(Member.id).where(Member.full_name == "Nguyễn Văn An"))
        old = Campaign(
            unit_id=cell, year=2026, theme="Nêu gương 2026", opens_on=date(2026, 1, 5),
            deadline=date(2026, 2, 27), status="closed", created_at=START,
        )  # fmt: skip
        s.add(old)
        await s.flush()
        before = Commitment(
            campaign_id=old.id, member_id=an, state="approved", version=1, approved_version=1,
            created_at=START, updated_at=START,
        )  # fmt: skip
        s.add(before)
        await s.flush()
        s.add(
            CommitmentItem(
                commitment_id=before.id, kind="remedial", position=1, progress=60,
                status="in_progress", text="Khắc phục việc nộp báo cáo chậm hạn",
                created_at=START,
            )
        )  # fmt: skip
        await s.commit()
    page = await desktop(browser)
    await page.goto(await web_link(site, SECRETARY))
    await page.goto(f"{site.url}/approvals/{waiting}")
    main = await page.locator("main").inner_text()
    assert "Nội dung khắc phục hạn chế đã đăng ký năm 2026" in main
    assert "Khắc phục việc nộp báo cáo chậm hạn" in main
    assert ITEMS[0] in main
