"""An admin imports members by sending a spreadsheet to the bot: the check comes first and
writes nothing; with bad rows, only a confirmed "import the good rows" writes; the admin gets
the personal links, and a member who opens theirs joins as the person on the list."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Member
from tests.conftest import ROOT_ADMIN, RunningBot
from tests.e2e.helpers import LINK
from tests.integration.test_imports import ROOT, xlsx

Sessions = async_sessionmaker[AsyncSession]
CELL = f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def members(sessions: Sessions) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Member)) or 0)


async def test_import_by_chat_then_join_by_personal_link(
    bot: RunningBot, bot_sessions: Sessions
) -> None:
    api = bot.api
    admin = api.user(ROOT_ADMIN, "Quản trị")
    await admin.send("/nhapdanhsach")
    assert "Nhập danh sách đảng viên" in (await admin.reply()).text
    await admin.press("📄 Tệp mẫu")
    template = await admin.reply()
    sheet = load_workbook(io.BytesIO(template.params["data"])).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:2] == ["Đơn vị", "Họ và tên"]

    rows = [[CELL, f"Ngô Văn {name}", "Dược sĩ", "", "", ""] for name in ("An", "Bảo", "Cường")]
    rows.append([CELL, "", "", "", "", ""])
    rows.append([CELL, "Ngô Văn Dũng", "", "", "Chủ tịch", ""])
    await admin.send_document("ds.xlsx", XLSX, xlsx(rows))
    report = await admin.reply()
    assert "5 dòng: 3 dòng hợp lệ, 2 dòng có lỗi" in report.text
    assert "Dòng 6: thiếu họ và tên" in report.text
    assert "Dòng 7: vai trò «Chủ tịch» không hợp lệ" in report.text
    assert await members(bot_sessions) == 0  # checked, nothing written
    await admin.press("📥 Chỉ nhập 3 dòng hợp lệ")
    done, links = await admin.expect(2)
    assert "3 đảng viên mới" in done.text
    book = load_workbook(io.BytesIO(links.params["data"])).active
    assert book is not None
    found = {r[1]: r[4] for r in book.iter_rows(min_row=4, values_only=True) if r[1]}
    assert set(found) == {"Ngô Văn An", "Ngô Văn Bảo", "Ngô Văn Cường"}
    assert await members(bot_sessions) == 3

    match = LINK.search(str(found["Ngô Văn Bảo"]))
    assert match is not None
    bao = api.user(777, "Bảo")
    await bao.send(f"/start {match.group(2)}")
    confirm = await bao.reply()
    assert "<b>Ngô Văn Bảo</b>" in confirm.text
    await bao.press("✅ Xác nhận")
    await bao.expect(2)
    assert await members(bot_sessions) == 3  # the record was taken up, not duplicated
    async with bot_sessions() as s:
        linked = await s.scalar(select(Member).where(Member.full_name == "Ngô Văn Bảo"))
    assert linked is not None
    assert linked.user_id is not None
