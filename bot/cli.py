"""The `neuguong` command: run the bot, migrate, manage the tree, grant admins, make invites."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot import cli_console, cli_tree, cli_web
from bot.cli_common import Fail, _execute, _in_session, _logging, _now, cli_config
from bot.i18n import plain
from bot.joining import ways_in
from bot.numbered import plain as plain_text
from bot.settings import Settings
from domain import campaigns
from domain.campaigns import parse_date
from domain.errors import DomainError
from domain.invites import NewInvite, create_system_invite
from domain.members import grant_admin
from domain.units import add_path, find_path
from locales import dates
from storage.db import make_engine, make_sessionmaker
from storage.dto import Role, UnitKind
from storage.migrate import upgrade
from storage.repos import campaigns as campaign_repo
from storage.repos import outbox as outbox_repo
from storage.repos import units as unit_repo

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
org_app = typer.Typer(no_args_is_help=True, help="The organisation tree.")
admin_app = typer.Typer(no_args_is_help=True, help="Administrators.")
invite_app = typer.Typer(no_args_is_help=True, help="Invite links.")
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(admin_app, name="admin")
app.add_typer(invite_app, name="invite")
campaign_app = typer.Typer(no_args_is_help=True, help="The year's campaign (đợt đăng ký).")
app.add_typer(campaign_app, name="campaign")
jobs_app = typer.Typer(no_args_is_help=True, help="Scheduled work.")
app.add_typer(jobs_app, name="jobs")
outbox_app = typer.Typer(no_args_is_help=True, help="Messages the bot sends on its own.")
app.add_typer(outbox_app, name="outbox")


@app.command()
def run(
    webhook: Annotated[
        bool, typer.Option(help="Receive updates by webhook (WEBHOOK_* settings)")
    ] = False,
) -> None:
    """Apply migrations and run the bot (long polling, or --webhook) until Ctrl+C or SIGTERM."""
    from bot.app import serve
    from bot.background import AlreadyRunning
    from bot.networks import Fatal
    from bot.web.server import PortTaken
    from jobs.tuning import tune_gc

    async def work(settings: Settings) -> None:
        if not settings.web_enabled:
            settings.channels()  # no messenger and no web app: nothing to serve
        if webhook:
            settings.webhook()
        _logging(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        tune_gc()  # a long-running process: see jobs/tuning.py
        try:
            await serve(settings, stop, webhook=webhook, ready=cli_web.ready(settings))
        except PortTaken as taken:
            raise Fail(
                plain(settings.default_language, "cli.web_port_taken", where=str(taken)), 2
            ) from None
        except AlreadyRunning as busy:
            raise Fail(
                plain(settings.default_language, "cli.already_running", path=str(busy)), 2
            ) from None
        except Fatal as refused:
            key = "cli.zalo_token_refused" if "zalo" in str(refused) else "cli.token_refused"
            raise Fail(plain(settings.default_language, key), 2) from None

    _execute(work)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations."""

    async def work(settings: Settings) -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        typer.echo(plain(settings.default_language, "cli.db_upgraded"))

    _execute(work)


@org_app.command("add")
def org_add(
    path: Annotated[str, typer.Argument(help='Unit path, e.g. "Đảng bộ Khối/Đảng bộ Sở/Chi bộ"')],
    kind: Annotated[UnitKind | None, typer.Option(help="Kind of the last unit")] = None,
) -> None:
    """Add a unit, creating any missing parents (kinds are inferred from the names)."""

    async def work(settings: Settings) -> None:
        unit, created = await _in_session(settings, lambda s: add_path(s, path, _now(), kind))
        key = "cli.org_added" if created else "cli.org_exists"
        typer.echo(plain(settings.default_language, key, path=path, id=unit.id, n=created))

    _execute(work)


@org_app.command("list")
def org_list(path: Annotated[str | None, typer.Argument(help="Subtree to show")] = None) -> None:
    """Print the tree (or a subtree) with each unit's kind and number of members."""

    async def work(settings: Settings) -> None:
        lines = await _in_session(settings, lambda s: _tree_lines(s, settings, path))
        for line in lines:
            typer.echo(line)

    _execute(work)


async def _tree_lines(session: AsyncSession, settings: Settings, path: str | None) -> list[str]:
    root = await find_path(session, path) if path else None
    found = await unit_repo.subtree(session, root)
    counts = await unit_repo.member_counts(session, [u.id for u in found])
    base = root.path.count("/") if root else 2
    lang = settings.default_language
    if not found:
        return [plain(lang, "cli.org_empty")]
    return [
        "  " * (u.path.count("/") - base)
        + plain(
            lang,
            "cli.org_line",
            name=u.name,
            kind=plain(lang, f"kind.{u.kind.value}"),
            members=counts.get(u.id, 0),
        )
        for u in found
    ]


@admin_app.command("grant")
def admin_grant(
    telegram_id: Annotated[int, typer.Argument(help="The person's Telegram user id")],
    unit: Annotated[str | None, typer.Option(help="Limit to this subtree (unit path)")] = None,
) -> None:
    """Make a Telegram user an admin of the whole tree or of one subtree."""

    async def work(settings: Settings) -> None:
        async def grant(session: AsyncSession) -> bool:
            scope = await find_path(session, unit) if unit else None
            return await grant_admin(
                session, "telegram", str(telegram_id), scope, settings.default_language, _now()
            )

        added = await _in_session(settings, grant)
        key = "cli.admin_granted" if added else "cli.admin_exists"
        typer.echo(plain(settings.default_language, key, id=telegram_id, unit=unit or "*"))

    _execute(work)


@invite_app.command("create")
def invite_create(
    unit: Annotated[str, typer.Option(help="Unit path of the cell")],
    uses: Annotated[int | None, typer.Option(help="How many people may use it")] = None,
    days: Annotated[int | None, typer.Option(help="Days until it expires")] = None,
    role: Annotated[Role, typer.Option(help="member, secretary or deputy")] = Role.MEMBER,
) -> None:
    """Create an invite link for a cell (or a secretary/deputy appointment link)."""

    async def work(settings: Settings) -> None:
        if role is Role.ADMIN:
            raise DomainError("error.bad_choice")
        config = await cli_config(settings)

        async def create(session: AsyncSession) -> NewInvite:
            target = await find_path(session, unit)
            return await create_system_invite(
                session,
                target,
                role,
                settings.invite_uses if uses is None else uses,
                settings.invite_days if days is None else days,
                _now(),
            )

        made = await _in_session(settings, create)
        lang = settings.default_language
        local = dates.moment(made.invite.expires_at.astimezone(settings.zone), lang)
        typer.echo(plain(lang, "cli.invite_created", unit=unit, expires=local))
        typer.echo(plain_text(ways_in(config, lang, made.token, made.code)))

    _execute(work)


def _day(raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return parse_date(raw)


@campaign_app.command("create")
def campaign_create(
    year: Annotated[int, typer.Option(help="The year, e.g. 2027")],
    unit: Annotated[str, typer.Option(help="Unit path of the tree it covers")],
    theme: Annotated[str, typer.Option(help="The year's theme (chủ đề năm)")],
    deadline: Annotated[str, typer.Option(help="Registration deadline, YYYY-MM-DD")],
    opens: Annotated[str | None, typer.Option(help="Registration opens, YYYY-MM-DD")] = None,
    midyear: Annotated[str | None, typer.Option(help="Mid-year review (sơ kết)")] = None,
    yearend: Annotated[str | None, typer.Option(help="Year-end review (tổng kết)")] = None,
) -> None:
    """Open the year's campaign for a tree (one open campaign per tree)."""

    async def work(settings: Settings) -> None:
        async def create(session: AsyncSession) -> int:
            target = await find_path(session, unit)
            last = _day(deadline)
            assert last is not None
            first = _day(opens) or min(datetime.now(settings.zone).date(), last)
            made = await campaigns.create(
                session,
                None,
                target,
                year,
                theme,
                first,
                last,
                _now(),
                _day(midyear),
                _day(yearend),
            )
            return made.id

        campaign_id = await _in_session(settings, create)
        typer.echo(
            plain(
                settings.default_language,
                "cli.campaign_created",
                year=year,
                unit=unit,
                id=campaign_id,
            )
        )

    _execute(work)


@campaign_app.command("list")
def campaign_list() -> None:
    """Every campaign with its tree, dates and status."""

    async def work(settings: Settings) -> None:
        lines = await _in_session(settings, lambda s: _campaign_lines(s, settings))
        for line in lines or [plain(settings.default_language, "cli.campaign_none")]:
            typer.echo(line)

    _execute(work)


async def _campaign_lines(session: AsyncSession, settings: Settings) -> list[str]:
    lang = settings.default_language
    found = []
    for root in await unit_repo.subtree(session, None):
        for c in await campaign_repo.of_unit(session, root.id):
            found.append(
                plain(
                    lang,
                    "cli.campaign_line",
                    year=c.year,
                    unit=root.name,
                    theme=c.theme,
                    deadline=c.deadline.strftime("%d/%m/%Y"),
                    status=plain(lang, f"campaign.status_{c.status}"),
                )
            )
    return found


@jobs_app.command("tick")
def jobs_tick(
    now: Annotated[str | None, typer.Option(help="Plan as of this ISO 8601 time")] = None,
) -> None:
    """Run the reminder planner once (catch up, or preview as of --now)."""
    from jobs import planner

    async def work(settings: Settings) -> None:
        moment = _moment(now)
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            done = await planner.tick(
                make_sessionmaker(engine),
                moment,
                escalate_after=settings.escalate_after,
                reports=settings.report_time(),
                zone=settings.timezone,
            )
        finally:
            await engine.dispose()
        typer.echo(
            plain(
                settings.default_language,
                "cli.ticked",
                members=done.members,
                queued=done.queued,
                now=moment.isoformat(),
            )
        )

    _execute(work)


def _moment(raw: str | None) -> datetime:
    if raw is None:
        return _now()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise DomainError("cli.bad_moment", value=raw) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@outbox_app.command("status")
def outbox_status() -> None:
    """Counts of outbox messages by state and kind; the senders' heartbeats and who holds
    the sender's lock."""

    async def work(settings: Settings) -> None:
        found = await _in_session(settings, outbox_repo.counts)
        lang = settings.default_language
        if not found:
            typer.echo(plain(lang, "cli.outbox_empty"))
        for state, kind, count in found:
            typer.echo(f"{state:<8} {kind:<14} {count:>9}")
        for line in await _in_session(settings, lambda s: _beats(s, settings)):
            typer.echo(line)

    _execute(work)


async def _beats(session: AsyncSession, settings: Settings) -> list[str]:
    """One line per process that sends: alive how long ago, active or standing by, and its
    counters; then whether the lock is held, and by which PostgreSQL session."""
    from storage import locks
    from storage.repos import status

    lang, now = settings.default_language, _now()
    lines = []
    for beat in await status.latest(session, "sender"):
        age = int((now - beat.at).total_seconds())
        key = "cli.sender_active" if beat.detail.get("active") else "cli.sender_standby"
        counters = ", ".join(f"{k} {v}" for k, v in sorted(beat.detail.items()) if k != "active")
        lines.append(plain(lang, key, owner=beat.owner, age=age, counters=counters or "—"))
    if not lines:
        lines.append(plain(lang, "cli.sender_none"))
    lines += _network_lines(await status.networks(session), lang, now)
    pid = await locks.holder(session, locks.SENDER)
    if session.get_bind().dialect.name == "postgresql":
        key = "cli.sender_lock" if pid is not None else "cli.sender_no_lock"
        lines.append(plain(lang, key, pid=pid or 0))
    return lines


def _network_lines(beats: list[Any], lang: str, now: datetime) -> list[str]:
    """One line per network and process: receiving, connecting, or down since when and why."""
    lines = []
    for beat in beats:
        state = str(beat.detail.get("state", "down"))
        key = {"up": "cli.network_up", "connecting": "cli.network_connecting"}.get(
            state, "cli.network_down"
        )
        age = int((now - beat.at).total_seconds())
        since = str(beat.detail.get("since", ""))[:19].replace("T", " ")
        error = str(beat.detail.get("error", "")) or "—"
        lines.append(
            plain(lang, key, network=beat.name, owner=beat.owner, age=age, since=since, error=error)
        )
    return lines


@outbox_app.command("retry-dead")
def outbox_retry_dead() -> None:
    """Send dead-lettered messages again."""

    async def work(settings: Settings) -> None:
        count = await _in_session(settings, lambda s: outbox_repo.retry_dead(s, _now()))
        typer.echo(plain(settings.default_language, "cli.requeued", n=count))

    _execute(work)


def _attach_console() -> None:
    """The committee's commands (bot/cli_console.py) and the tree's (bot/cli_tree.py)."""
    org_app.command("move")(cli_tree.org_move)
    org_app.command("merge")(cli_tree.org_merge)
    org_app.command("close")(cli_tree.org_close)
    app.add_typer(cli_tree.member_app, name="member")
    app.add_typer(cli_console.import_app, name="import")
    app.add_typer(cli_console.broadcast_app, name="broadcast")
    app.add_typer(cli_console.audit_app, name="audit")
    app.add_typer(cli_web.web_app, name="web")
    app.command("demo")(cli_web.demo)


def main() -> None:
    _attach_console()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
