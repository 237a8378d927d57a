"""The rooms keep to their side: `domain/` and `storage/` know no chat network (no import of
python-telegram-bot or of a channel adapter, no branch on a channel's name), so Telegram and
Zalo run the same rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("telegram", "bot")  # the network library, and the chat front with its adapters
NETWORKS = ("telegram", "zalo")


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("folder", ["domain", "storage"])
def test_no_chat_network_imports(folder: str) -> None:
    bad = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules(folder)
        for name in imported(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert not bad, bad


@pytest.mark.parametrize("folder", ["domain", "storage"])
def test_no_branch_on_a_network_name(folder: str) -> None:
    """No comparison with "telegram" or "zalo": what differs lives in bot/<network>/."""
    bad = []
    for path in modules(folder):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                parts = [node.left, *node.comparators]
                if any(isinstance(p, ast.Constant) and p.value in NETWORKS for p in parts):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, bad


# The intended direction of every arrow: a room may import only the rooms listed for it.
# bot/ (the surfaces and the entry point) may import them all; its chat flows may not import
# jobs/ (scheduled work), and nothing imports bot/.
OURS = ("bot", "domain", "jobs", "render", "storage", "locales", "tests", "bench")
ALLOWED = {
    "storage": {"storage"},
    "domain": {"domain", "storage"},
    "locales": {"locales", "domain"},
    "render": {"render", "domain", "storage", "locales"},
    "jobs": {"jobs", "render", "domain", "storage", "locales"},
    "bot": {"bot", "jobs", "render", "domain", "storage", "locales"},
}


def rooms_imported(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported(path)} & set(OURS)


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_every_arrow_points_the_intended_way(room: str) -> None:
    bad = {
        f"{path.relative_to(ROOT)} -> {other}"
        for path in modules(room)
        for other in rooms_imported(path)
        if other not in ALLOWED[room]
    }
    assert not bad, bad


def test_chat_flows_do_not_import_scheduled_work() -> None:
    bad = {
        f"{path.relative_to(ROOT)} -> {name}"
        for path in modules("bot/flows")
        for name in imported(path)
        if name.split(".")[0] == "jobs"
    }
    assert not bad, bad


def test_the_web_and_storage_stacks_stay_apart() -> None:
    """domain/ and storage/ import nothing of the surfaces' libraries."""
    surface = ("starlette", "jinja2", "uvicorn", "tornado", "httpx", "aiohttp")
    bad = {
        f"{path.relative_to(ROOT)}: {name}"
        for folder in ("domain", "storage")
        for path in modules(folder)
        for name in imported(path)
        if name.split(".")[0] in surface
    }
    assert not bad, bad
