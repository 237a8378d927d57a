"""Acceptance (the committee's console, 1 and 4): importing members from a spreadsheet.

A generated XLSX of 5,000 members in 378 new units (90 grassroots units, 288 cells) imports;
a file with 12 bad rows gets a report naming exactly those lines; importing the same file
again changes nothing; an admin of one subtree cannot import into another; a personal link
from the import registers the person into their record."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import imports, tables
from domain.errors import DomainError
from domain.invites import check_token
from domain.members import grant_admin, identify, register
from domain.units import add_path
from render.admin_files import links_xlsx
from storage.dto import Role
from storage.models import AuditEntry, Invite, Member, Unit

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)
ROOT = "Đảng bộ Khối các cơ quan tỉnh"
HEADER = ["Đơn vị", "Họ và tên", "Chức vụ", "Người đứng đầu", "Vai trò", "Điện thoại"]
GIVEN = ["An", "Bình", "Cúc", "Dũng", "Giang", "Hùng", "Khánh", "Lan", "Minh", "Nga"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]


def generated_rows(members: int = 5000, grassroots: int = 90, cells: int = 288) -> list[list[str]]:
    """`members` people spread over `cells` cells under `grassroots` grassroots units."""
    paths = [
        f"{ROOT}/Đảng bộ Cơ quan số {c % grassroots + 1}/Chi bộ Phòng {c // grassroots + 1}"
        for c in range(cells)
    ]
    rows = []
    for n in range(members):
        cell = paths[n % cells]
        name = f"{FAMILY[n % 8]} Văn {GIVEN[(n // 8) % 10]} {_letters(n)}"
        role = "Bí thư" if n < cells else "Đảng viên"
        head = "x" if n % 50 == 0 else ""
        rows.append([cell, name, "Chuyên viên", head, role, f"09{n:08d}"])
    return rows


def _letters(n: int) -> str:
    """A distinct, valid name part for each n (names are letters only)."""
    alphabet = "abcdeghiklmnopqrstuvxy"
    out = ""
    n += 1
    while n:
        n, r = divmod(n, len(alphabet))
        out += alphabet[r]
    return out.capitalize()


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Danh sách đảng viên Đảng bộ Khối"])  # a title line before the header
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def counts(sessions: Sessions) -> tuple[int, int, int]:
    async with sessions() as s:
        units = await s.scalar(select(func.count()).select_from(Unit))
        members = await s.scalar(select(func.count()).select_from(Member))
        invites = await s.scalar(select(func.count()).select_from(Invite))
    return int(units or 0), int(members or 0), int(invites or 0)


async def run_import(sessions: Sessions, data: bytes, name: str = "ds.xlsx", actor=None):  # type: ignore[no-untyped-def]
    table = tables.read(data, name)
    async with sessions() as s:
        found = await imports.check(s, actor, table)
        done = await imports.apply(s, actor, found, NOW)
        await s.commit()
    return found, done


async def test_5000_members_import_once_and_reimport_changes_nothing(sessions: Sessions) -> None:
    async with sessions() as s:
        await add_path(s, ROOT, NOW)
        await s.commit()
    data = xlsx(generated_rows())
    found, done = await run_import(sessions, data)
    assert found.errors == []
    assert found.total == 5000
    assert (done.units_created, done.created, done.updated) == (378, 5000, 0)
    assert len(done.links) == 5000
    assert await counts(sessions) == (379, 5000, 5000)
    async with sessions() as s:
        rows = await s.execute(select(Unit.kind, func.count()).group_by(Unit.kind))
        kinds = {kind: n for kind, n in rows}
        assert kinds == {"dang_bo_khoi": 1, "dang_bo_co_so": 90, "chi_bo_truc_thuoc": 288}
        heads = await s.scalar(select(func.count()).where(Member.is_head.is_(True)))
        assert heads == 100
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "import_members"))
        assert entry is not None
        assert entry.detail["created"] == 5000

    again, redone = await run_import(sessions, data)
    assert again.errors == []
    assert again.units == []
    assert (redone.units_created, redone.created, redone.updated, redone.unchanged) == (
        0, 0, 0, 5000,
    )  # fmt: skip
    assert redone.links == []
    assert await counts(sessions) == (379, 5000, 5000)

    book = load_workbook(io.BytesIO(links_xlsx("vi", done.links, lambda t: f"L/{t}")))
    sheet = book.active
    assert sheet is not None
    values = [row for row in sheet.iter_rows(min_row=4, values_only=True)]
    groups = [r for r in values if r[1] is None]  # a shaded line naming each cell
    people = [r for r in values if r[1] is not None]
    assert len(groups) == 288
    assert len(people) == 5000
    assert all(str(r[4]).startswith("L/") for r in people)


async def test_bad_rows_are_listed_exactly_and_nothing_is_half_done(sessions: Sessions) -> None:
    async with sessions() as s:
        cell, _ = await add_path(s, f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược", NOW)
        await s.commit()
    good = generated_rows(200, 5, 10)
    bad_lines: dict[int, str] = {}
    rows = list(good)

    def spoil(row: list[str], key: str) -> None:
        rows.append(row)
        bad_lines[len(rows) + 2] = key  # the title and the header come first

    base = f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược"
    for n in range(3):
        spoil([base, "", "Chuyên viên", "", "Đảng viên", ""], "import.no_name")
        spoil([base, f"Đỗ Văn Tuấn {_letters(n)}", "", "", "Thủ quỹ", ""], "import.bad_role")
        spoil([base, f"Đỗ Văn Mạnh {_letters(n)}", "", "", "", ""], "import.duplicate")
    spoil([f"{ROOT}//", "Hồ Văn Một", "", "", "", ""], "import.not_a_cell")
    spoil([f"{base}/Tổ 1", "Hồ Văn Hai", "", "", "", ""], "import.under_cell")
    spoil([f"{ROOT}/Đảng bộ Sở Y tế", "Hồ Văn Ba", "", "", "", ""], "import.not_a_cell")
    # The duplicates: the first of each pair is good, the second repeats it.
    firsts = [[base, f"Đỗ Văn Mạnh {_letters(n)}", "", "", "", ""] for n in range(3)]
    rows[len(good) : len(good)] = firsts
    bad_lines = {line + 3: key for line, key in bad_lines.items()}
    assert len(bad_lines) == 12

    found = await _check(sessions, xlsx(rows))
    assert {e.line: e.key for e in found.errors} == bad_lines
    assert found.good == 203
    assert await counts(sessions) == (3, 0, 0)  # checking writes nothing
    _, done = await run_import(sessions, xlsx(rows))
    assert done.created == 203
    units, members, _ = await counts(sessions)
    assert members == 203
    assert units == 3 + 5 + 10
    assert cell.id


async def _check(sessions: Sessions, data: bytes) -> imports.ImportCheck:
    async with sessions() as s:
        return await imports.check(s, None, tables.read(data, "ds.xlsx"))


async def test_csv_with_semicolons_and_bom_and_loose_headers(sessions: Sessions) -> None:
    text = (
        "ho va ten;DON VI;Vai trò;Điện thoại\n"
        f"Nguyễn Thị Hoa;{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược;Phó bí thư;+84 912 345 678\n"
        "\n"
        f"Lê Văn Tám;{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược;bi thu;0912.345.679\n"
    )
    found, done = await run_import(sessions, ("\ufeff" + text).encode(), "ds.csv")
    assert found.errors == []
    assert done.created == 2
    roles = sorted(link.role for link in done.links)
    assert roles == [Role.DEPUTY, Role.SECRETARY]
    async with sessions() as s:
        phones = set(await s.scalars(select(Member.phone)))
    assert phones == {"+84912345678", "0912345679"}


async def test_unreadable_files_are_refused_clearly() -> None:
    for data, name, key in (
        (b"not a zip", "ds.xlsx", "import.unreadable"),
        (b"a,b\n", "ds.pdf", "import.bad_type"),
        (b"\x81\x8d\x8e\x90", "ds.csv", "import.not_utf8"),  # in no code page we read
        (b"x,y\n1,2\n", "ds.csv", "import.no_header"),
    ):
        with pytest.raises(DomainError) as caught:
            tables.read(data, name)
        assert caught.value.key == key, name


async def test_an_admin_of_one_subtree_cannot_import_into_another(sessions: Sessions) -> None:
    async with sessions() as s:
        mine, _ = await add_path(s, f"{ROOT}/Đảng bộ Sở Y tế", NOW)
        await add_path(s, f"{ROOT}/Đảng bộ Sở Tài chính/Chi bộ Kế toán", NOW)
        await grant_admin(s, "telegram", "700", mine, "vi", NOW)
        actor = (await identify(s, "telegram", "700", "700", "", "vi", False, NOW)).actor
        await s.commit()
    rows = [
        [f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược", "Vũ Thị Mai", "", "", "", ""],
        [f"{ROOT}/Đảng bộ Sở Tài chính/Chi bộ Kế toán", "Vũ Văn Nam", "", "", "", ""],
        [f"{ROOT}/Đảng bộ Sở Tài chính/Chi bộ Mới", "Vũ Văn Bắc", "", "", "", ""],
        ["Đảng bộ Khối Doanh nghiệp/Đảng bộ Công ty/Chi bộ Một", "Vũ Văn Đông", "", "", "", ""],
    ]
    async with sessions() as s:
        found = await imports.check(s, actor, tables.read(xlsx(rows), "ds.xlsx"))
    assert [(e.line, e.key) for e in found.errors] == [
        (4, "import.out_of_scope"),
        (5, "import.out_of_scope"),
        (6, "import.out_of_scope"),
    ]
    assert found.good == 1


async def test_a_personal_link_registers_the_person_into_their_record(sessions: Sessions) -> None:
    rows = [[f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược", "Phan Văn Khải", "Dược sĩ", "", "Bí thư", ""]]
    _, done = await run_import(sessions, xlsx(rows))
    token = done.links[0].token
    async with sessions() as s:
        invite = await check_token(s, token, NOW)
        who = await identify(s, "telegram", "801", "801", "Khải", "vi", False, NOW)
        joined = await register(s, who.actor, invite.id, {}, NOW)
        await s.commit()
    assert joined.member is not None
    assert joined.member.full_name == "Phan Văn Khải"
    assert joined.role is Role.SECRETARY
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Member)) == 1
        member = await s.scalar(select(Member))
        assert member is not None
        assert member.user_id == who.actor.user_id
        with pytest.raises(DomainError) as caught:
            await check_token(s, token, NOW)
        assert caught.value.key == "invite.used_up"


CELL = f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược"


def _names_in(found: imports.ImportCheck) -> list[str]:
    return sorted(row.full_name for row in found.rows)


async def test_files_as_offices_make_them_are_read(sessions: Sessions) -> None:
    """Excel's Vietnamese CSV (Windows-1258, decomposed tone marks), "Unicode text" (UTF-16,
    tabs), a list on the second sheet, a unit merged down over its members, roles as offices
    write them, a zero-width space pasted into a name."""
    rows = [
        [CELL, "Nguyễn Thị Hoa", "", "", "Bí thư chi bộ", ""],
        [CELL, "Lê Văn\u200b Tám", "", "", "Đảng viên dự bị", ""],
        [CELL, "Trần Văn Chín", "", "", "Chi ủy viên", ""],
        [CELL, "Phạm Thị Mười", "", "", "Phó Bí thư Chi bộ", ""],
    ]
    expected = ["Lê Văn Tám", "Nguyễn Thị Hoa", "Phạm Thị Mười", "Trần Văn Chín"]
    csv_text = ";".join(HEADER) + "\n" + "\n".join(";".join(r) for r in rows) + "\n"
    cp1258 = _windows_1258(csv_text.replace("\u200b", ""))  # not in that code page
    utf16 = ("\t".join(HEADER) + "\n" + "\n".join("\t".join(r) for r in rows)).encode("utf-16")
    for data, name in ((cp1258, "ds.csv"), (utf16, "ds.txt"), (_second_sheet(rows), "ds.xlsx"),
                       (_merged(rows), "ds.xlsx")):  # fmt: skip
        async with sessions() as s:
            found = await imports.check(s, None, tables.read(data, name))
        assert found.errors == [], (name, found.errors)
        assert _names_in(found) == expected, name
        roles = sorted(r.role.value for r in found.rows)
        assert roles == ["deputy", "member", "member", "secretary"], name


TONES = "\u0300\u0301\u0303\u0309\u0323"


def _windows_1258(text: str) -> bytes:
    """How Excel writes Vietnamese to a CSV on Windows: letters precomposed as far as the code
    page has them (ơ, ư, â, ê, ô, ă, đ), tone marks as separate combining characters."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in parts if m in TONES)
        letter = unicodedata.normalize("NFC", "".join(m for m in parts if m not in TONES))
        out += (letter + tones).encode("cp1258")
    return out


def _second_sheet(rows: list[list[str]]) -> bytes:
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Hướng dẫn"
    cover.append(["Danh sách kèm theo Công văn số 12-CV/ĐU"])
    sheet = book.create_sheet("Danh sách")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _merged(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for n, row in enumerate(rows):
        sheet.append([row[0] if n == 0 else None, *row[1:]])
    sheet.merge_cells(start_row=2, start_column=1, end_row=1 + len(rows), end_column=1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_the_check_names_new_units_and_refuses_near_duplicates(sessions: Sessions) -> None:
    async with sessions() as s:
        await add_path(s, CELL, NOW)
        await s.commit()
    rows = [
        [CELL, "Nguyễn Thị Hoa", "", "", "", ""],  # existing: fine
        ["Đảng bộ Khối các cơ quan tinh/Đảng bộ Sở Y tế/Chi bộ Dược", "Lê Văn Tám", "", "", "", ""],
        [f"{ROOT}/Đảng bộ Sở  y tế/Chi bộ Dược", "Trần Văn Chín", "", "", "", ""],
        [f"{ROOT}/Đảng bộ Công ty Xây lắp/Cơ khí/Chi bộ Một", "Phạm Văn Một", "", "", "", ""],
        [f"{ROOT} > Đảng bộ Công ty 3/2 > Chi bộ Hai", "Phạm Văn Hai", "", "", "", ""],
        [f"{ROOT}/Đảng bộ Sở Tài chính/Chi bộ Kho bạc", "Vũ Thị Ba", "", "", "", "912345678"],
    ]
    found = await _check(sessions, xlsx(rows))
    reasons = {e.line: e.key for e in found.errors}
    assert reasons == {
        4: "import.near_duplicate",  # «…tinh» for «…tỉnh»: a second bloc otherwise
        6: "import.odd_unit_name",  # «Cơ khí» is not a unit: the '/' was part of a name
    }
    # a double space and another case are the same unit, not a new one
    assert {r.line for r in found.rows} == {3, 5, 7, 8}
    assert [u.path for u in found.units] == [
        f"{ROOT} > Đảng bộ Công ty 3/2",
        f"{ROOT} > Đảng bộ Công ty 3/2 > Chi bộ Hai",
        f"{ROOT} > Đảng bộ Sở Tài chính",
        f"{ROOT} > Đảng bộ Sở Tài chính > Chi bộ Kho bạc",
    ]
    assert {r.full_name: r.phone for r in found.rows}["Vũ Thị Ba"] == "0912345678"
    assert await counts(sessions) == (3, 0, 0)  # the check wrote nothing


async def test_a_known_member_under_a_new_cell_is_a_transfer(sessions: Sessions) -> None:
    first = [
        [CELL, "Nguyễn Thị Hoa", "", "", "", "0912000001"],
        [CELL, "Lê Văn Tám", "", "", "", ""],
        [CELL, "Trần Văn Chín", "", "", "", ""],
    ]
    await run_import(sessions, xlsx(first))
    other = f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Khám bệnh"
    second = [
        [other, "Nguyễn Thị Hoa", "", "", "", "0912000001"],  # moved
        [CELL, "Lê Văn Tám", "", "", "", ""],  # stayed
        [other, "Trần Văn Chín", "", "", "", ""],  # moved (name alone, unique)
        [other, "Đỗ Văn Mới", "", "", "", ""],  # new
    ]
    async with sessions() as s:
        check = await imports.check(s, None, tables.read(xlsx(second), "ds.xlsx"))
    assert sorted(m.full_name for m in check.moves) == ["Nguyễn Thị Hoa", "Trần Văn Chín"]
    assert {m.source for m in check.moves} == {CELL.replace("/", " > ")}
    found, done = await run_import(sessions, xlsx(second))
    assert (done.moved, done.created, done.unchanged) == (2, 1, 1)
    async with sessions() as s:
        rows = await s.execute(select(Member.full_name, Unit.name).join(Unit))
        where = dict(rows.all())
    assert len(where) == 4  # no second record for anyone
    assert where["Nguyễn Thị Hoa"] == where["Trần Văn Chín"] == "Chi bộ Khám bệnh"
    assert where["Lê Văn Tám"] == "Chi bộ Dược"
    _, again = await run_import(sessions, xlsx(second))
    assert (again.moved, again.created) == (0, 0)


async def test_two_people_of_one_name_are_never_guessed_between(sessions: Sessions) -> None:
    await run_import(sessions, xlsx([
        [CELL, "Nguyễn Văn An", "", "", "", ""],
        [f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Hành chính", "Nguyễn Văn An", "", "", "", ""],
    ]))  # fmt: skip
    other = f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Khám bệnh"
    check = await _check(sessions, xlsx([[other, "Nguyễn Văn An", "", "", "", ""]]))
    assert check.moves == []


def test_the_template_keeps_phones_as_text() -> None:
    from render.admin_files import template_xlsx

    sheet = load_workbook(io.BytesIO(template_xlsx("vi"))).active
    assert sheet is not None
    assert sheet.cell(row=5, column=6).number_format == "@"
