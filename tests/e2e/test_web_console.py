"""The committee's console on the web, in Debian's Chromium against the real bot: an admin of
one đảng bộ drills the statistics down, searches a unit without diacritics, downloads the
workbook, and sends an announcement to their đảng bộ only — it reaches every member there
once, on Telegram and on Zalo, none outside it, and the delivery page ends with the member who
blocked the bot listed for a phone call. Nothing outside the subtree opens by address."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from domain import broadcasts
from domain.access import Actor
from domain.members import grant_admin
from domain.units import find_path
from jobs import planner
from storage.dto import Role
from storage.models import Account, AuditEntry, Broadcast, Campaign, Member, Unit
from tests.e2e.helpers import enrol
from tests.e2e.test_web import (
    MEMBER,
    NEIGHBOUR,
    SECRETARY,
    ZALO_MEMBER,
    Sessions,
    Site,
    phone,
    tap,
    violations,
)
from tests.e2e.test_web_desk import desktop, download

playwright = pytest.importorskip("playwright.async_api")

ADMIN = 1300  # the committee's officer of Đảng bộ Sở Tư pháp, on Telegram
OUTSIDE = 1400  # a member of another đảng bộ
JUSTICE = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp"
HEALTH_CELL = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Y tế/Chi bộ Khám bệnh"
WORDS = "Đề nghị các đồng chí dự hội nghị học tập Nghị quyết lúc 8 giờ thứ Năm."


async def admin_of_justice(sessions: Sessions) -> tuple[int, int]:
    """The admin, and a cell with a member outside their đảng bộ; the ids of both đảng bộ."""
    await enrol(sessions, HEALTH_CELL, [(OUTSIDE, Role.MEMBER, "Đỗ Thị Hoa")])
    async with sessions() as s:
        justice = await find_path(s, JUSTICE)
        health = await find_path(s, HEALTH_CELL.rsplit("/", 1)[0])
        await grant_admin(s, "telegram", str(ADMIN), justice, "vi", datetime.now(UTC))
        await s.commit()
    return justice.id, health.id


async def test_admin_drills_the_statistics_and_announces_to_their_subtree_only(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    justice, health = await admin_of_justice(sessions)
    site.api.blocked.add(NEIGHBOUR)  # Lê Văn Chiến blocked the bot
    page = await desktop(browser)
    await page.goto(await _signin(site, ADMIN))
    await tap(page.get_by_role("link", name="Cấp ủy", exact=True))
    await page.wait_for_url(re.compile(rf"/console/stats/{justice}$"))
    table = await page.locator("table").inner_text()
    assert "Chi bộ Văn phòng" in table
    assert "Chi bộ Hành chính" in table
    assert "Khám bệnh" not in await page.locator("main").inner_text()
    book_bytes = await download(page, "Tải bảng thống kê (Excel)")
    sheet = load_workbook(io.BytesIO(book_bytes)).active
    assert sheet is not None
    names = [str(row[0].value) for row in sheet.iter_rows() if row[0].value]
    assert "Chi bộ Văn phòng" in names

    await page.locator("#q").fill("chi bo van phong")  # no diacritics
    await tap(page.get_by_role("button", name="Tìm"))
    await tap(page.get_by_role("link", name="Chi bộ Văn phòng"))
    assert "Chi bộ Văn phòng" in await page.locator("h1").inner_text()
    await page.goto(f"{page.url.split('/console')[0]}/console/search?q=kham+benh")
    assert "Không tìm thấy đơn vị nào" in await page.locator("main").inner_text()
    for path in (f"/console/stats/{health}", f"/console/stats/{health}.xlsx", "/console/stats/1"):
        answer = await page.request.get(f"{site.url}{path}")
        assert answer.status == 404, path

    await page.goto(f"{site.url}/console/broadcasts")
    await page.get_by_label("Đảng bộ Sở Tư pháp").check()
    await page.locator("#text").fill(WORDS)
    await tap(page.get_by_role("button", name="Xem trước và đếm người nhận"))
    assert "Gửi tới 4 đồng chí" in await page.locator("main").inner_text()  # Bình, An, Dung, Chiến
    assert WORDS in await page.locator(".message").inner_text()
    await tap(page.get_by_role("button", name="Gửi thông báo tới 4 đồng chí"))
    await page.wait_for_url(re.compile(r"/console/broadcasts/\d+$"))
    for _ in range(60):  # the page refreshes itself every 5 s; read it until nothing waits
        if "Đang chờ gửi: 0" in await page.locator("main").inner_text():
            break
        await page.wait_for_timeout(1000)
        await page.reload()
    await planner.tick(sessions, site.clock.now)  # its next tick (every 30 s) closes it
    await page.reload()
    main = await page.locator("main").inner_text()
    assert "đã gửi xong" in main
    assert "Đã gửi: 3" in main
    missed = await page.locator("table").inner_text()
    assert "Lê Văn Chiến" in missed
    assert "đã chặn hoặc rời trợ lý" in missed

    got = {who: _announced(site, who) for who in (SECRETARY, MEMBER, OUTSIDE, NEIGHBOUR)}
    assert got == {SECRETARY: 1, MEMBER: 1, OUTSIDE: 0, NEIGHBOUR: 0}
    zalo = site.zalo.user(ZALO_MEMBER, "Dung")
    assert sum(WORDS in x for x in await zalo.expect(1, within=15)) == 1


def _announced(site: Site, chat: int) -> int:
    return sum(WORDS in e.text for e in site.api.transcript(chat))


async def _signin(site: Site, user: int) -> str:
    from tests.e2e.test_web import web_link

    return await web_link(site, user)


async def test_forged_units_and_announcements_outside_the_subtree_are_refused(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    justice, health = await admin_of_justice(sessions)
    async with sessions() as s:  # an announcement to Sở Y tế, by the province's office
        office = await s.scalar(select(Account.user_id).where(Account.external_id == str(OUTSIDE)))
        root = Actor(office or 0, "vi", None, (), True)
        theirs = await broadcasts.create(
            s,
            root,
            text="Thông báo của Tỉnh ủy",
            attachment=None,
            unit_ids=[health],
            audience="everyone",
            send_at=site.clock.now,
            report_to=None,
            now=site.clock.now,
        )
        await s.commit()
    page = await desktop(browser)
    await page.goto(await _signin(site, ADMIN))
    await page.goto(f"{site.url}/console/broadcasts")
    assert "Thông báo của Tỉnh ủy" not in await page.locator("main").inner_text()
    answer = await page.request.get(f"{site.url}/console/broadcasts/{theirs.id}")
    assert answer.status == 404
    token = await page.locator("input[name=csrf]").first.get_attribute("value")
    assert token
    for path, fields in {
        "/console/broadcasts/preview": {
            "unit": str(health),
            "audience": "everyone",
            "text": "x" * 20,
        },
        "/console/broadcasts": {"unit": str(health), "audience": "everyone", "text": "x" * 20},
        f"/console/broadcasts/{theirs.id}/cancel": {},
    }.items():
        answer = await page.request.post(f"{site.url}{path}", form={"csrf": token, **fields})
        assert answer.status == 404, (path, answer.status)
    async with sessions() as s:
        states = [b.state for b in await s.scalars(select(Broadcast))]
        cells = await s.scalar(select(Unit.id).where(Unit.name == "Chi bộ Văn phòng"))
    assert states == ["scheduled"]  # only the office's, not cancelled
    assert cells

    member = await desktop(browser)
    await member.goto(await _signin(site, MEMBER))
    for path in ("/console", f"/console/stats/{justice}", "/console/broadcasts"):
        answer = await member.goto(f"{site.url}{path}")
        assert answer is not None
        assert answer.status in (403, 404), path


async def test_console_pages_on_a_phone_have_no_serious_accessibility_violations(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    justice, _ = await admin_of_justice(sessions)
    page = await phone(browser, checker=True)
    await page.goto(await _signin(site, ADMIN))
    found = {}
    for path in (
        f"/console/stats/{justice}",
        "/console/search?q=chi+bo",
        f"/console/tree/{justice}",
        "/console/audit",
        "/console/import",
        "/console/broadcasts",
    ):
        await page.goto(f"{site.url}{path}")
        found[path] = await violations(page)
    await page.goto(f"{site.url}/console/tree/{justice}")
    await page.locator("#target").fill("chi bo")
    await tap(page.get_by_role("button", name="Tìm và xác nhận"))
    found["tree, confirm"] = await violations(page)
    await page.goto(f"{site.url}/console/broadcasts")
    await page.get_by_label("Đảng bộ Sở Tư pháp").check()
    await page.locator("#text").fill(WORDS)
    await tap(page.get_by_role("button", name="Xem trước và đếm người nhận"))
    found["preview"] = await violations(page)
    await tap(page.get_by_role("button", name=re.compile("Gửi thông báo tới")))
    found["delivery"] = await violations(page)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the delivery page is {width} px wide on a 360 px phone"
    assert not {where: v for where, v in found.items() if v}


async def test_admin_moves_a_cell_and_merges_two_and_the_statistics_follow(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    await admin_of_justice(sessions)
    async with sessions() as s:
        province = await find_path(s, "Đảng bộ Khối các cơ quan tỉnh")
        await grant_admin(s, "telegram", str(ADMIN), province, "vi", datetime.now(UTC))
        await s.commit()
    page = await desktop(browser)
    await page.goto(await _signin(site, ADMIN))

    async def change(unit: str, op: str, target: str, choose: str) -> None:
        await page.goto(f"{site.url}/console/search?q={unit}")
        await tap(page.get_by_role("link", name=unit))
        await tap(page.get_by_role("link", name="Tổ chức lại đơn vị"))
        await page.get_by_label(op).check()
        await page.locator("#target").fill(target)
        await tap(page.get_by_role("button", name="Tìm và xác nhận"))
        await page.get_by_label(choose, exact=True).check()
        await tap(page.get_by_role("button", name="Xác nhận"))
        assert "Đã thực hiện" in await page.locator(".notice").inner_text()

    await change("Chi bộ Khám bệnh", "Chuyển sang đơn vị cấp trên khác", "so tu phap",
                 "Đảng bộ Sở Tư pháp")  # fmt: skip
    await change("Chi bộ Hành chính", "Sáp nhập vào đơn vị khác", "van phong", "Chi bộ Văn phòng")

    await tap(page.get_by_role("link", name="Xem thống kê của đơn vị"))
    assert "Chi bộ Văn phòng" in await page.locator("h1").inner_text()
    assert "Đảng viên: 4" in await page.locator("main").inner_text()  # Bình, An, Dung, Chiến
    await page.goto(f"{site.url}/console/search?q=so+tu+phap")
    await tap(page.get_by_role("link", name="Đảng bộ Sở Tư pháp"))
    table = await page.locator("table").inner_text()
    assert "Chi bộ Khám bệnh" in table
    assert "Chi bộ Hành chính" not in table
    async with sessions() as s:
        actions = [a for (a,) in (await s.execute(select(AuditEntry.action))).all()]
    assert "unit_move" in actions
    assert "unit_merge" in actions

    # The audit log: narrowed to merges, then exported; closed to a secretary.
    await page.goto(f"{site.url}/console/audit")
    await page.get_by_label("Thao tác", exact=True).select_option("unit_merge")
    await tap(page.get_by_role("button", name="Lọc"))
    rows = await page.locator("table tbody tr").all_inner_texts()
    assert len(rows) == 1
    assert "unit:" in rows[0]
    book = load_workbook(io.BytesIO(await download(page, "Tải nhật ký (Excel)")))
    sheet = book.active
    assert sheet is not None
    assert sum(1 for row in sheet.iter_rows() if "unit:" in str(row[3].value)) == 1
    await page.goto(f"{site.url}/console/audit?since=2027-13-40")
    assert "Ngày không hợp lệ" in await page.locator("main").inner_text()
    other = await desktop(browser)
    await other.goto(await _signin(site, SECRETARY))
    assert (await other.request.get(f"{site.url}/console/audit")).status == 403


async def test_admin_imports_5000_members_with_12_bad_rows_from_the_web(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    from tests.integration.test_imports import generated_rows, xlsx

    async with sessions() as s:
        province = await find_path(s, "Đảng bộ Khối các cơ quan tỉnh")
        await grant_admin(s, "telegram", str(ADMIN), province, "vi", datetime.now(UTC))
        before = await s.scalar(select(func.count()).select_from(Member))
        await s.commit()
    rows = generated_rows(5000)
    bad_lines = []
    for n, broken in enumerate(("", "Nguyễn Văn 123", "x" * 150), 0):
        for k in range(4):
            row = 100 + n * 1000 + k * 7
            rows[row][1] = broken
            bad_lines.append(row + 3)  # a title line, the header, then the rows from 1
    page = await desktop(browser)
    await page.goto(await _signin(site, ADMIN))
    await page.goto(f"{site.url}/console/import")
    await page.locator("#file").set_input_files(
        {"name": "danh-sach.xlsx", "mimeType": "application/octet-stream", "buffer": xlsx(rows)}
    )
    await tap(page.get_by_role("button", name="Kiểm tra tệp"))
    main = await page.locator("main").inner_text()
    assert "Đã kiểm tra 5000 dòng: 4988 dòng hợp lệ, 12 dòng có lỗi" in main
    lines = await page.locator("table tbody tr td:first-child").all_inner_texts()
    assert sorted(int(x) for x in lines) == sorted(bad_lines)
    async with sessions() as s:  # nothing written by the check
        assert await s.scalar(select(func.count()).select_from(Member)) == before

    await tap(page.get_by_role("button", name="Chỉ nhập 4988 dòng hợp lệ"))
    assert "4988 đảng viên mới" in await page.locator("main").inner_text()
    book = load_workbook(io.BytesIO(await download(page, "Tải đường dẫn mời (Excel)")))
    sheet = book.active
    assert sheet is not None
    links = [c.value for row in sheet.iter_rows() for c in row if "/join/" in str(c.value)]
    assert len(links) == 4988
    address = await page.get_by_role("link", name="Tải đường dẫn mời (Excel)").get_attribute("href")
    other = await desktop(browser)  # the links are the importing admin's alone
    await other.goto(await _signin(site, SECRETARY))
    assert (await other.request.get(f"{site.url}{address}")).status in (403, 404)
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Member)) == (before or 0) + 4988


async def test_admin_opens_changes_and_closes_a_year_and_members_follow_it(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    """Sở Y tế has no campaign of its own: its admin opens 2027 for it, changes the deadline,
    then closes it; a malformed date is refused with what was typed kept."""
    _, health = await admin_of_justice(sessions)
    async with sessions() as s:
        health_unit = await find_path(s, HEALTH_CELL.rsplit("/", 1)[0])
        await grant_admin(s, "telegram", str(ADMIN), health_unit, "vi", datetime.now(UTC))
        await s.commit()
    page = await desktop(browser)
    await page.goto(await _signin(site, ADMIN))
    await page.goto(f"{site.url}/console/campaigns/{health}")
    await page.locator("#year").fill("2027")
    await page.locator("#theme").fill("Nêu gương, trách nhiệm, đổi mới")
    await page.locator("#opens_on").fill("2027-01-04")
    await page.locator("#deadline").fill("2026-12-31")  # before it opens: refused
    await tap(page.get_by_role("button", name="Mở đợt đăng ký"))
    assert await page.locator(".error").count() == 1
    assert await page.locator("#theme").input_value() == "Nêu gương, trách nhiệm, đổi mới"
    await page.locator("#deadline").fill("2027-03-15")
    await tap(page.get_by_role("button", name="Mở đợt đăng ký"))
    assert "Đã thực hiện" in await page.locator(".notice").inner_text()
    await page.locator("#deadline").fill("2027-03-31")
    await tap(page.get_by_role("button", name="Lưu"))
    async with sessions() as s:
        campaign = await s.scalar(select(Campaign).where(Campaign.unit_id == health))
        assert campaign is not None
        assert (campaign.deadline, campaign.status) == (date(2027, 3, 31), "open")
    await tap(page.get_by_role("button", name="Kết thúc đợt đăng ký"))
    async with sessions() as s:
        assert await s.scalar(select(Campaign.status).where(Campaign.unit_id == health)) == "closed"
        actions = set(await s.scalars(select(AuditEntry.action)))
    assert {"campaign_create", "campaign_change", "campaign_close"} <= actions
    justice_page = await page.request.get(f"{site.url}/console/campaigns/1")
    assert justice_page.status == 404  # the province's: not this admin's


async def test_a_secretary_proposes_and_the_committee_honours_and_announces(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    await admin_of_justice(sessions)
    async with sessions() as s:
        an = await s.scalar(select(Member.id).where(Member.full_name == "Nguyễn Văn An"))
    admin = await desktop(browser)  # signed in first: the notice of the proposal comes later
    await admin.goto(await _signin(site, ADMIN))
    secretary = await desktop(browser)
    await secretary.goto(await _signin(site, SECRETARY))
    await secretary.goto(f"{site.url}/desk/member/{an}")
    await secretary.locator("#reason").fill(
        "Hiến máu nhân đạo 5 lần trong năm, vận động 20 người cùng tham gia."
    )
    await tap(secretary.get_by_role("button", name="Gửi đề xuất lên cấp ủy"))
    assert "Đã gửi đề xuất" in await secretary.locator(".notice").inner_text()

    await admin.goto(f"{site.url}/console/honours")
    assert "Hiến máu nhân đạo" in await admin.locator("main").inner_text()
    await tap(admin.get_by_role("button", name="Duyệt", exact=True))
    assert "Nguyễn Văn An" in await admin.locator("ol").inner_text()  # on the year's roll
    await site.api.wait_for(lambda: any("đã được cấp ủy duyệt" in e.text
                                        for e in site.api.transcript(SECRETARY)), 15)  # fmt: skip
    await site.api.wait_for(lambda: any("NGƯỜI TỐT, VIỆC TỐT" in e.text
                                        for e in site.api.transcript(MEMBER)), 30)  # fmt: skip


async def test_a_cells_models_registered_approved_above_and_reported(
    site: Site, sessions: Sessions, browser: playwright.Browser
) -> None:
    await admin_of_justice(sessions)
    admin = await desktop(browser)  # signed in first: the notice of the models comes later
    await admin.goto(await _signin(site, ADMIN))
    secretary = await desktop(browser)
    await secretary.goto(await _signin(site, SECRETARY))
    await secretary.goto(f"{site.url}/desk")
    await tap(secretary.get_by_role("link", name="Mô hình tập thể của chi bộ"))
    model = "Mô hình “Ngày thứ Bảy văn minh” tại khu dân cư số 3"
    await secretary.locator("#text").fill(model)
    await tap(secretary.get_by_role("button", name="Thêm mô hình"))
    await tap(secretary.get_by_role("button", name="Gửi cấp ủy cấp trên duyệt"))
    assert "chờ" in await secretary.locator("main").inner_text()  # sent, waiting

    await admin.goto(f"{site.url}/approvals")
    await tap(admin.get_by_role("link", name="Xem toàn văn"))
    assert model in await admin.locator("main").inner_text()
    await tap(admin.get_by_role("button", name="Duyệt", exact=True))

    await secretary.reload()
    await tap(secretary.locator("main").get_by_role("link", name="Báo cáo tiến độ"))
    await tap(secretary.locator("form.report").first.get_by_role("button", name="75%"))
    assert "75%" in await secretary.locator(".notice").inner_text()
