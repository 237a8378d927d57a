"""Small pure pieces: message rendering, text splitting, permissions, kinds, settings, tokens."""

from __future__ import annotations

import pytest

from bot.i18n import Lazy, Raw, plain, t
from bot.screens import Choice, split_text
from bot.settings import SettingsError, load_settings
from domain.access import Actor
from domain.invites import hash_token, new_token
from domain.units import infer_kind
from storage.dto import Grant, Role, UnitDTO, UnitKind

CELL = UnitDTO(9, 5, UnitKind.CHI_BO_TRUC_THUOC, "Chi bộ 1", "/1/5/9/")
OTHER = UnitDTO(12, 6, UnitKind.CHI_BO_TRUC_THUOC, "Chi bộ 2", "/1/6/12/")
BRANCH = UnitDTO(5, 1, UnitKind.DANG_BO_CO_SO, "Đảng bộ Sở", "/1/5/")


def test_parameters_are_escaped_unless_raw() -> None:
    text = t("vi", "unit.renamed", name="<b>x</b> & y")
    assert text == "✅ Đã đổi tên thành <b>&lt;b&gt;x&lt;/b&gt; &amp; y</b>."
    assert t("vi", "unit.renamed", name=Raw("<i>ok</i>")).endswith("<b><i>ok</i></b>.")
    assert t("en", "unit.title", name="A", kind=Lazy.of("kind.chi_bo_co_so")) == (
        "A (Grassroots Party cell)"
    )
    assert plain("vi", "cli.org_empty") == "Chưa có đơn vị nào."


def test_split_text_keeps_lines_whole() -> None:
    lines = [f"dòng {i:04d}" + "x" * 40 for i in range(300)]
    parts = split_text("\n".join(lines), 2000)
    assert all(len(p) <= 2000 for p in parts)
    assert "\n".join(parts).split("\n") == lines
    assert split_text("ngắn", 2000) == ["ngắn"]
    assert split_text("y" * 4500, 2000) == ["y" * 2000, "y" * 2000, "y" * 500]


def test_callback_data_is_capped_at_64_bytes() -> None:
    Choice("ok", "a" * 64)
    with pytest.raises(ValueError, match="64 bytes"):
        Choice("too long", "đ" * 33)


def test_actor_scopes() -> None:
    secretary = Actor(1, "vi", None, (Grant(Role.SECRETARY, 9, "/1/5/9/"),))
    branch_admin = Actor(2, "vi", None, (Grant(Role.ADMIN, 5, "/1/5/"),))
    root = Actor(3, "vi", None, root_admin=True)
    deputy = Actor(4, "vi", None, (Grant(Role.DEPUTY, 9, "/1/5/9/"),))
    assert secretary.leads(CELL)
    assert not secretary.leads(OTHER)
    assert not secretary.is_admin_of(CELL)
    assert branch_admin.is_admin_of(CELL)
    assert branch_admin.is_admin_of(BRANCH)
    assert not branch_admin.is_admin_of(OTHER)
    assert not branch_admin.is_tree_admin()
    assert root.is_admin_of(OTHER)
    assert root.is_tree_admin()
    assert deputy.leads(CELL)
    assert not deputy.is_secretary_of(CELL)
    # "/1/5/9/" must not cover a sibling whose id merely starts the same way ("/1/5/90/").
    sibling = UnitDTO(90, 5, UnitKind.CHI_BO_TRUC_THUOC, "Chi bộ 90", "/1/5/90/")
    assert not secretary.leads(sibling)


def test_kind_inference() -> None:
    assert infer_kind("Đảng bộ Khối các cơ quan tỉnh", None) is UnitKind.DANG_BO_KHOI
    assert infer_kind("Đảng bộ Sở Tư pháp", UnitKind.DANG_BO_KHOI) is UnitKind.DANG_BO_CO_SO
    assert infer_kind("Chi bộ Sở Tài chính", UnitKind.DANG_BO_KHOI) is UnitKind.CHI_BO_CO_SO
    assert infer_kind("Chi bộ Văn phòng", UnitKind.DANG_BO_CO_SO) is UnitKind.CHI_BO_TRUC_THUOC
    assert infer_kind("Đảng bộ bộ phận Xưởng 1", UnitKind.DANG_BO_CO_SO) is UnitKind.DANG_BO_BO_PHAN


def test_tokens_are_random_and_stored_hashed() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(tok) == 32 for tok in tokens)  # 24 random bytes = 192 bits
    sample = next(iter(tokens))
    assert hash_token(sample) != sample
    assert len(hash_token(sample)) == 64


def test_settings_read_lists_and_refuse_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:" + "a" * 30)
    monkeypatch.setenv("ADMIN_TELEGRAM_IDS", " 11, 22;33 ")
    settings = load_settings(_env_file=None)
    assert settings.admin_telegram_ids == (11, 22, 33)
    assert settings.database_url == "sqlite+aiosqlite:///neuguong.db"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    monkeypatch.setenv("NEUGUONG_INVITE_DAYS", "0")
    with pytest.raises(SettingsError, match="NEUGUONG_INVITE_DAYS"):
        load_settings(_env_file=None)
