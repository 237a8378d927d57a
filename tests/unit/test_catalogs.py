"""Every message the code uses is in both catalogs, translated, with the same placeholders."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.flows.tree import OPS as TREE_OPS
from bot.i18n import LANGUAGES, po_path
from bot.web.desk import SHOWS as DESK_SHOWS
from domain.audit import ACTIONS as AUDIT_ACTIONS
from domain.commitments import ACTIONS
from domain.honours import ANNOUNCE as HONOUR_ANNOUNCE
from domain.schedules import CADENCES
from jobs.yearend import ITEM_COLUMNS as YEAREND_ITEMS
from jobs.yearend import MEMBER_COLUMNS as YEAREND_MEMBERS
from render.admin_files import (
    AUDIT_COLUMNS,
    ERROR_COLUMNS,
    LINK_COLUMNS,
    MOVE_COLUMNS,
    STATS_COLUMNS,
    TEMPLATE_COLUMNS,
)
from render.report_files import ITEM_COLUMNS, MEMBER_COLUMNS, UNIT_COLUMNS
from render.report_print import COLUMNS as PRINT_COLUMNS
from render.report_print import KINDS as PRINT_KINDS
from storage.dto import ItemKind, Progress, Role, State, UnitKind
from storage.repos.broadcasts import AUDIENCES, CANCELLED, DONE, SCHEDULED, SENDING

ADMIN_COLUMNS = (*LINK_COLUMNS, *ERROR_COLUMNS, *STATS_COLUMNS, *AUDIT_COLUMNS)
BROADCAST_STATES = (SCHEDULED, SENDING, DONE, CANCELLED)
ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"^[a-z][a-z_]*(\.[a-z0-9_]*[a-z0-9])+$")  # f-string stems end in _ or .
SOURCES = ("bot", "domain", "jobs", "render")
# t("web.x") in a page; a stem joined in the page (t("status." ~ s)) is an enum's, listed below
TEMPLATE_KEY = re.compile(r"""\bt\(["']([a-z][a-z_]*(?:\.[a-z0-9_]*[a-z0-9])+)["']""")


def catalog(language: str) -> dict[str, str]:
    """Key -> text; a plural entry gives its singular and plural keys, all forms joined
    (empty if any form is missing)."""
    with po_path(language).open("rb") as handle:
        parsed = read_po(handle, locale=language)
    found: dict[str, str] = {}
    for message in parsed:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            forms = list(message.string)
            joined = "" if not all(forms) else " | ".join(forms)
            found.update({key: joined for key in message.id})
        else:
            found[message.id] = message.string
    return found


def namespaces() -> set[str]:
    return {key.split(".")[0] for key in catalog("vi")}


def keys_in_code() -> dict[str, str]:
    """Dotted string literals whose first part is a catalog namespace, with where they are."""
    spaces = namespaces()
    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                value = getattr(node, "value", None)
                if not (isinstance(node, ast.Constant) and isinstance(value, str)):
                    continue
                if KEY.match(value) and value.split(".")[0] in spaces:
                    found.setdefault(value, f"{path.relative_to(ROOT)}:{node.lineno}")
    for path in sorted((ROOT / "bot" / "web" / "templates").glob("*.html")):
        for key in TEMPLATE_KEY.findall(path.read_text(encoding="utf-8")):
            found.setdefault(key, str(path.relative_to(ROOT)))
    return {key: where for key, where in found.items() if not key.endswith(".html")}


def dynamic_keys() -> set[str]:
    """Keys the code builds from enums: kind.<UnitKind>, role.<Role>, lang.<code>."""
    kinds = [k.value for k in ItemKind if k is not ItemKind.PLEDGE]
    return (
        {f"kind.{k.value}" for k in UnitKind}
        | {f"role.{r.value}" for r in Role}
        | {f"lang.{code}" for code in LANGUAGES}
        | {f"state.{s.value}" for s in State}
        | {f"status.{p.value}" for p in Progress}
        | {f"item.ask_{k}" for k in kinds}
        | {f"sheet.add_{k}" for k in kinds}
        | {f"commitment.cannot_{a}" for a in ACTIONS}
        | {f"history.{d}" for d in ("approve", "return", "withdrawn", "pending")}
        | {f"campaign.edit_{f}" for f in ("theme", "deadline", "midyear_review", "yearend_review")}
        | {f"campaign.status_{s}" for s in ("open", "closed")}
        | {f"cadence.{c}" for c in CADENCES}
        | {f"weekday.{d}" for d in range(7)}
        | {f"xlsx.col_{c}" for c in (*MEMBER_COLUMNS, *ITEM_COLUMNS, *UNIT_COLUMNS)}
        | {f"print.col_{c}" for c in PRINT_COLUMNS}
        | {f"print.kind_{k}" for k in PRINT_KINDS}
        | {f"admin.col_{c}" for c in (*ADMIN_COLUMNS, *MOVE_COLUMNS)}
        | {f"tree.ask_{op}" for op in ("mv", "mg")}
        | {f"tree.confirm_{op}" for op in TREE_OPS}
        | {f"import.col_{c}" for c in TEMPLATE_COLUMNS}
        | {f"bc.aud_{a}" for a in AUDIENCES}
        | {f"bc.state_{s}" for s in BROADCAST_STATES}
        | {f"audit.{a}" for a in AUDIT_ACTIONS}
        | {f"yearend.col_{c}" for c in (*YEAREND_MEMBERS, *YEAREND_ITEMS)}
        | {f"honour.state_{s}" for s in ("nominated", "approved", "declined")}
        | {f"honour.approve_{a}" for a in HONOUR_ANNOUNCE}
        | {f"web.desk_show_{s}" for s in DESK_SHOWS}
        | {f"web.desk_mark_{m}" for m in DESK_SHOWS if m != "all"}
        | {f"web.bc_reason_{r}" for r in ("unreachable", "failed", "unknown")}
    )


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_used_in_code_is_translated(language: str) -> None:
    messages = catalog(language)
    used = keys_in_code()
    missing = {key: where for key, where in used.items() if not messages.get(key)}
    missing |= {key: "built from an enum" for key in dynamic_keys() if not messages.get(key)}
    assert not missing, f"missing from the {language} catalog: {missing}"


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    vi, en = catalog("vi"), catalog("en")
    assert set(vi) == set(en)
    differing = {k for k in vi if fields(vi[k]) - {"n"} != fields(en[k]) - {"n"}}
    assert not differing, f"placeholders differ between vi and en: {sorted(differing)}"


def test_no_message_is_left_unused() -> None:
    unused = set(catalog("vi")) - set(keys_in_code()) - dynamic_keys()
    assert not unused, f"messages no code uses: {sorted(unused)}"


def test_vietnamese_is_written_with_diacritics() -> None:
    """A cheap guard against machine-flat Vietnamese: most sentences carry diacritics."""
    vi = catalog("vi")
    flat = [k for k, text in vi.items() if len(text) > 30 and text.isascii()]
    assert not flat, f"Vietnamese messages without any diacritics: {flat}"


def test_no_message_says_button_or_tap() -> None:
    """Zalo has no buttons: a message that says «bấm nút» is wrong there. Every network
    shows choices, so every message says «chọn» (choose) and «mở» (open a link)."""
    words = {"vi": ("bấm", "nút", "nhấn"), "en": ("button", "tap ", "press ")}
    for language, banned in words.items():
        said = [
            k for k, text in catalog(language).items() if any(w in text.lower() for w in banned)
        ]
        assert not said, f"{language}: {said}"
