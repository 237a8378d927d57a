"""Changing the tree from the shell: `neuguong org move|merge|close` and
`neuguong member transfer|left` — the same domain services as /donvi, as the operator (the
whole tree), audited as the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli_common import _execute, _in_session, _now
from bot.i18n import plain
from bot.settings import Settings
from domain import tree
from domain.errors import DomainError
from domain.units import find_path
from domain.validation import normalize
from storage.repos import members as member_repo

member_app = typer.Typer(no_args_is_help=True, help="Members: transfers and leaving.")
PathArg = Annotated[
    str, typer.Argument(help='Unit path, e.g. "Đảng bộ Khối > Đảng bộ Sở > Chi bộ"')
]


def _say(settings: Settings, key: str, **params: object) -> None:
    typer.echo(plain(settings.default_language, key, **params))


def org_move(
    path: PathArg,
    to: Annotated[str, typer.Option("--to", help="The new parent's path")],
) -> None:
    """Put a unit (with everything under it) under another parent."""

    async def work(settings: Settings) -> None:
        async def change(s: AsyncSession) -> str:
            unit, parent = await find_path(s, path), await find_path(s, to)
            moved = await tree.move_unit(s, None, unit.id, parent.id, _now())
            return moved.name

        _say(settings, "tree.moved", unit=await _in_session(settings, change))

    _execute(work)


def org_merge(
    path: PathArg,
    into: Annotated[str, typer.Option("--into", help="The path of the unit that takes it in")],
) -> None:
    """Merge a unit into another: members, sub-units, invites and history follow; the unit
    is closed, not deleted."""

    async def work(settings: Settings) -> None:
        async def change(s: AsyncSession) -> tree.Merged:
            unit, target = await find_path(s, path), await find_path(s, into)
            return await tree.merge_units(s, None, unit.id, target.id, _now())

        done = await _in_session(settings, change)
        _say(
            settings,
            "tree.merged",
            unit=done.source.name,
            target=done.target.name,
            members=done.members,
            units=done.units_moved,
        )

    _execute(work)


def org_close(path: PathArg) -> None:
    """Close (dissolve) a unit that has no members left; its records stay."""

    async def work(settings: Settings) -> None:
        async def change(s: AsyncSession) -> str:
            unit = await find_path(s, path)
            return (await tree.close_unit(s, None, unit.id, _now())).name

        _say(settings, "tree.closed", unit=await _in_session(settings, change))

    _execute(work)


async def _member(session: AsyncSession, unit_path: str, name: str) -> int:
    """The active member of that cell with that name (case and spacing aside)."""
    cell = await find_path(session, unit_path)
    wanted = normalize(name).casefold()
    found = [
        m
        for m in await member_repo.of_unit(session, cell.id)
        if normalize(m.full_name).casefold() == wanted
    ]
    if len(found) != 1:
        raise DomainError("cli.member_not_found" if not found else "cli.member_ambiguous",
                          name=name, unit=cell.name)  # fmt: skip
    return found[0].id


@member_app.command("transfer")
def member_transfer(
    unit: Annotated[str, typer.Option("--unit", help="The member's cell (path)")],
    name: Annotated[str, typer.Option("--name", help="The member's full name")],
    to: Annotated[str, typer.Option("--to", help="The new cell (path)")],
) -> None:
    """Chuyển sinh hoạt: move a member to another cell, history kept."""

    async def work(settings: Settings) -> None:
        async def change(s: AsyncSession) -> tuple[str, str, str]:
            member_id = await _member(s, unit, name)
            target = await find_path(s, to)
            member, source, cell = await tree.transfer_member(s, None, member_id, target.id, _now())
            return member.full_name, source.name, cell.name

        who, source, target = await _in_session(settings, change)
        _say(settings, "tree.transferred", name=who, source=source, target=target)

    _execute(work)


@member_app.command("left")
def member_left(
    unit: Annotated[str, typer.Option("--unit", help="The member's cell (path)")],
    name: Annotated[str, typer.Option("--name", help="The member's full name")],
) -> None:
    """Record that a member no longer belongs to the cell (as the cell decided)."""

    async def work(settings: Settings) -> None:
        async def change(s: AsyncSession) -> tuple[str, str]:
            member, cell = await tree.record_left(s, None, await _member(s, unit, name), _now())
            return member.full_name, cell.name

        who, cell = await _in_session(settings, change)
        _say(settings, "tree.left_done", name=who, unit=cell)

    _execute(work)
