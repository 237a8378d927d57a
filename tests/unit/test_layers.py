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
