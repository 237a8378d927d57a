"""The operator's CLI, run as a process: tree, admins, invites; errors as one clear line."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningBot
from tests.e2e.helpers import LINK
from tests.e2e.process import acli, cli
from tests.fakes.botapi import FakeBotAPI

TREE = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp/Chi bộ Văn phòng"


def ok(done) -> str:  # type: ignore[no-untyped-def]
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return str(done.stdout)


def refused(done, code: int = 1) -> str:  # type: ignore[no-untyped-def]
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_help_lists_the_commands(tmp_path: Path) -> None:
    text = ok(cli(tmp_path, "--help"))
    for name in ("run", "db", "org", "admin", "invite"):
        assert name in text


def test_org_add_list_and_admin_grant(tmp_path: Path) -> None:
    db = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"}
    assert "Đã tạo 3 đơn vị" in ok(cli(tmp_path, "org", "add", TREE, **db))
    assert "Đơn vị đã có sẵn" in ok(cli(tmp_path, "org", "add", TREE, **db))
    ok(
        cli(
            tmp_path,
            "org",
            "add",
            "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Y tế/Chi bộ Dược",
            **db,
        )
    )
    listing = ok(cli(tmp_path, "org", "list", **db)).splitlines()
    assert listing == [
        "Đảng bộ Khối các cơ quan tỉnh [Đảng bộ cấp trên cơ sở] — 0 đảng viên",
        "  Đảng bộ Sở Tư pháp [Đảng bộ cơ sở] — 0 đảng viên",
        "    Chi bộ Văn phòng [Chi bộ trực thuộc] — 0 đảng viên",
        "  Đảng bộ Sở Y tế [Đảng bộ cơ sở] — 0 đảng viên",
        "    Chi bộ Dược [Chi bộ trực thuộc] — 0 đảng viên",
    ]
    sub = ok(cli(tmp_path, "org", "list", "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Y tế", **db))
    assert sub.splitlines()[0].startswith("Đảng bộ Sở Y tế")
    granted = ok(
        cli(
            tmp_path,
            "admin",
            "grant",
            "555",
            "--unit",
            "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Y tế",
            **db,
        )
    )
    assert "Đã cấp quyền quản trị cho Telegram ID 555" in granted
    assert "đã có quyền quản trị" in ok(
        cli(
            tmp_path,
            "admin",
            "grant",
            "555",
            "--unit",
            "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Y tế",
            **db,
        )
    )
    assert "Không tìm thấy đơn vị «Sở Xây dựng»" in refused(
        cli(
            tmp_path,
            "admin",
            "grant",
            "5",
            "--unit",
            "Đảng bộ Khối các cơ quan tỉnh/Sở Xây dựng",
            **db,
        )
    )
    assert "Đường dẫn đơn vị đang trống" in refused(cli(tmp_path, "org", "add", " / ", **db))
    assert "Tên đơn vị cần từ 2 đến 200 ký tự" in refused(
        cli(tmp_path, "org", "add", "A/" + "x" * 201, **db)
    )
    assert "Chi bộ là cấp cuối cùng" in refused(cli(tmp_path, "org", "add", TREE + "/Tổ 1", **db))


def test_campaign_create_and_list(tmp_path: Path) -> None:
    db = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"}
    ok(cli(tmp_path, "org", "add", TREE, **db))
    bloc = "Đảng bộ Khối các cơ quan tỉnh"
    args = [
        "campaign",
        "create",
        "--year",
        "2027",
        "--unit",
        bloc,
        "--theme",
        "Phát huy vai trò nêu gương của người đứng đầu",
        "--deadline",
        "2027-02-28",
        "--opens",
        "2027-01-05",
    ]
    assert "Đã mở đợt đăng ký năm 2027" in ok(cli(tmp_path, *args, **db))
    assert "đang có một đợt đăng ký mở" in refused(cli(tmp_path, *args, **db))
    late = [*args[:-4], "--deadline", "2028-01-10"]
    assert "Hạn đăng ký phải thuộc năm 2027" in refused(cli(tmp_path, *late, **db))
    listing = ok(cli(tmp_path, "campaign", "list", **db)).strip()
    assert listing == (
        "2027 · Đảng bộ Khối các cơ quan tỉnh · Phát huy vai trò nêu gương của người đứng đầu"
        " · hạn 28/02/2027 · đang mở"
    )


def test_database_unreachable_is_one_line(tmp_path: Path) -> None:
    line = refused(
        cli(tmp_path, "org", "list", DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:9/none")
    )
    assert line.startswith("Không làm việc được với cơ sở dữ liệu")


async def test_cli_invite_works_in_chat(bot: RunningBot, db_url: str, tmp_path: Path) -> None:
    api: FakeBotAPI = bot.api
    env = {
        "DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    ok(await acli(tmp_path, "org", "add", TREE, **env))
    assert "Link mời đảng viên chỉ tạo được cho chi bộ" in refused(
        await acli(tmp_path, "invite", "create", "--unit", "Đảng bộ Khối các cơ quan tỉnh", **env)
    )
    assert "Số lượt dùng phải từ 1 đến 10000" in refused(
        await acli(tmp_path, "invite", "create", "--unit", TREE, "--uses", "0", **env)
    )
    made = ok(
        await acli(
            tmp_path, "invite", "create", "--unit", TREE, "--uses", "3", "--days", "2", **env
        )
    )
    link = LINK.search(made)
    assert link
    assert link.group(1) == api.username
    member = api.user(61, "Sơn")
    await member.send(f"/start {link.group(2)}")
    welcome, _ask = await member.expect(2)
    assert "<b>Chi bộ Văn phòng</b>" in welcome.text
    assert "Đảng bộ Khối các cơ quan tỉnh / Đảng bộ Sở Tư pháp / Chi bộ Văn phòng" in welcome.text
    named = ok(
        await acli(
            tmp_path,
            "invite",
            "create",
            "--unit",
            TREE,
            TELEGRAM_BOT_USERNAME="@tinh_bot",
            DATABASE_URL=db_url,
        )
    )
    assert "https://t.me/tinh_bot?start=" in named


def test_import_members_from_the_command_line(tmp_path: Path) -> None:
    import io

    from openpyxl import load_workbook

    from tests.integration.test_imports import ROOT, xlsx

    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'n.db'}",
        "TELEGRAM_BOT_USERNAME": "neuguong_test_bot",
    }
    cell = f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([[cell, "Ngô Văn An", "", "", "", ""], [cell, "", "", "", "", ""]]))
    refused = cli(tmp_path, "import", "members", str(bad), **env)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stdout + refused.stderr
    assert "thiếu họ và tên" in refused.stderr
    assert "nên chưa nhập gì" in refused.stderr.strip().splitlines()[-1]

    links = tmp_path / "links.xlsx"
    done = ok(
        cli(tmp_path, "import", "members", str(bad), "--skip-bad", "--links", str(links), **env)
    )
    assert "1 đảng viên mới" in done
    sheet = load_workbook(io.BytesIO(links.read_bytes())).active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1]]
    assert rows[0][1] == "Ngô Văn An"
    assert str(rows[0][4]).startswith("https://t.me/neuguong_test_bot?start=")
    again = ok(cli(tmp_path, "import", "members", str(bad), "--skip-bad", **env))
    assert "0 đảng viên mới" in again
    assert "1 không thay đổi" in again
    missing = cli(tmp_path, "import", "members", str(tmp_path / "none.xlsx"), **env)
    assert missing.returncode == 1
    assert "Không tìm thấy tệp" in missing.stderr

    audit = tmp_path / "audit.xlsx"
    assert "2 mục nhật ký" in ok(cli(tmp_path, "audit", "export", str(audit), **env))
