"""The committee's commands: `neuguong import members FILE`, `neuguong broadcast status ID`
and `list`, `neuguong audit export FILE`. Attached to the `neuguong` app by bot/cli.py."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli_common import Fail, _execute, _in_session, _now, cli_config
from bot.context import BotConfig
from bot.i18n import plain
from bot.numbered import plain as plain_text
from bot.settings import Settings
from domain import audit, broadcasts, imports, tables
from domain.imports import ImportCheck, ImportResult
from storage.repos import broadcasts as broadcast_repo

import_app = typer.Typer(no_args_is_help=True, help="Import members from a spreadsheet.")
broadcast_app = typer.Typer(no_args_is_help=True, help="Announcements (thông báo).")
audit_app = typer.Typer(no_args_is_help=True, help="The audit log.")
SHOWN_ERRORS = 50


@import_app.command("members")
def import_members(
    file: Annotated[Path, typer.Argument(help="XLSX or CSV: unit path, full name, ...")],
    links: Annotated[
        Path | None, typer.Option(help="Where to write the invite links (XLSX)")
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Import the good rows of a file with errors")
    ] = False,
    days: Annotated[int, typer.Option(help="Days the personal links stay valid")] = 60,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and show what would be done; write nothing")
    ] = False,
) -> None:
    """Check every row, then import members (and missing units); re-importing changes nothing."""

    async def work(settings: Settings) -> None:
        lang = settings.default_language
        if not file.is_file():
            raise Fail(plain(lang, "cli.no_file", path=str(file)))
        console = Console(stderr=True)
        with console.status(plain(lang, "cli.import_reading")):
            table = tables.read(file.read_bytes(), file.name)
        with _progress(console) as progress:
            task = progress.add_task(plain(lang, "cli.import_checking"), total=len(table.rows))
            found = await _in_session(
                settings,
                lambda s: imports.check(
                    s, None, table, lambda n: progress.update(task, completed=n)
                ),
            )
            progress.update(task, completed=len(table.rows))
        _print_errors(console, lang, found)
        _print_plan(console, lang, found)
        if dry_run:
            typer.echo(plain(lang, "cli.import_dry_run"))
            return
        if found.errors and not skip_bad:
            raise Fail(plain(lang, "cli.import_refused", n=len(found.errors)))
        config = await cli_config(settings)
        with _progress(console) as progress:
            task = progress.add_task(plain(lang, "cli.import_writing"), total=found.good)
            done = await _in_session(
                settings,
                lambda s: imports.apply(
                    s, None, found, _now(), days, lambda n: progress.update(task, completed=n)
                ),
            )
            progress.update(task, completed=found.good)
        _print_result(lang, done, len(found.errors))
        if done.links:
            _write_links(lang, done, links, config)

    _execute(work)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _print_errors(console: Console, lang: str, found: ImportCheck) -> None:
    typer.echo(
        plain(lang, "imp.checked", total=found.total, good=found.good, bad=len(found.errors))
    )
    if not found.errors:
        return
    shown = RichTable(plain(lang, "admin.col_line"), plain(lang, "admin.col_reason"))
    for error in found.errors[:SHOWN_ERRORS]:
        shown.add_row(str(error.line), plain(lang, error.key, **error.params))
    console.print(shown)
    if len(found.errors) > SHOWN_ERRORS:
        typer.echo(plain(lang, "imp.more_errors", n=len(found.errors) - SHOWN_ERRORS))


def _print_plan(console: Console, lang: str, found: ImportCheck) -> None:
    """Every unit the import would create and every member it would move, by name."""
    if found.units:
        typer.echo(plain(lang, "imp.new_units", n=len(found.units)))
        units = RichTable(plain(lang, "admin.col_path"), plain(lang, "admin.col_kind"))
        for unit in found.units:
            units.add_row(unit.path, plain(lang, f"kind.{unit.kind.value}"))
        console.print(units)
    if found.moves:
        from render.admin_files import MOVE_COLUMNS

        typer.echo(plain(lang, "imp.moves", n=len(found.moves)))
        moves = RichTable(*(plain(lang, f"admin.col_{c}") for c in MOVE_COLUMNS))
        for move in found.moves:
            moves.add_row(
                str(move.line), move.full_name, move.source, found.paths.get(move.cell, "")
            )
        console.print(moves)


def _print_result(lang: str, done: ImportResult, skipped: int) -> None:
    typer.echo(
        plain(
            lang,
            "imp.done",
            created=done.created,
            updated=done.updated,
            unchanged=done.unchanged,
            units=done.units_created,
            skipped=skipped,
            moved=done.moved,
        )
    )


def _write_links(lang: str, done: ImportResult, target: Path | None, config: BotConfig) -> None:
    from render.admin_files import links_xlsx

    path = target or Path(f"link-moi-{datetime.now():%Y%m%d-%H%M%S}.xlsx")
    data = links_xlsx(lang, done.links, config.link)
    path.write_bytes(data)
    typer.echo(plain(lang, "cli.links_written", n=len(done.links), path=str(path)))


@broadcast_app.command("status")
def broadcast_status(
    broadcast_id: Annotated[int, typer.Argument(help="The broadcast's number")],
) -> None:
    """Where a broadcast stands: sent, pending, unreachable, failed."""

    async def work(settings: Settings) -> None:
        from render.broadcast_text import report_text

        async def read(session: AsyncSession) -> broadcasts.Status:
            found = await broadcast_repo.get(session, broadcast_id)
            if found is None:
                raise Fail(plain(settings.default_language, "cli.no_broadcast", id=broadcast_id))
            return await broadcasts.status(session, found)

        found = await _in_session(settings, read)
        typer.echo(plain_text(report_text(settings.default_language, found)))

    _execute(work)


@broadcast_app.command("list")
def broadcast_list() -> None:
    """The latest broadcasts."""

    async def work(settings: Settings) -> None:
        found = await _in_session(settings, lambda s: broadcast_repo.recent(s, 20))
        lang = settings.default_language
        if not found:
            typer.echo(plain(lang, "bc.none_yet"))
        for b in found:
            at = b.send_at.astimezone(settings.zone).strftime("%d/%m/%Y %H:%M")
            state = plain(lang, f"bc.state_{b.state}")
            first = b.text.split("\n", 1)[0][:50]
            typer.echo(f"#{b.id:<5} {at}  {state:<14} {b.recipients:>7}  {first}")

    _execute(work)


@audit_app.command("export")
def audit_export(file: Annotated[Path, typer.Argument(help="The XLSX to write")]) -> None:
    """Write the whole audit log to a spreadsheet."""

    async def work(settings: Settings) -> None:
        from render.admin_files import audit_xlsx

        entries = await _in_session(settings, lambda s: audit.everything(s, None))
        lang = settings.default_language
        file.write_bytes(audit_xlsx(lang, entries, settings.zone))
        typer.echo(plain(lang, "cli.audit_written", n=len(entries), path=str(file)))

    _execute(work)
