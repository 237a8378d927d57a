"""The web app from the command line: the operator's sign-in link when `neuguong run` starts
with no messenger, `neuguong web signin` for a new one, `neuguong web signout USER` to end a
person's sessions. Attached to the `neuguong` app by bot/cli.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli_common import Fail, _execute, _in_session, _now
from bot.i18n import plain
from bot.settings import Settings
from domain import webaccess

web_app = typer.Typer(no_args_is_help=True, help="The web app: sign-in links and sessions.")
Ready = Callable[[str, async_sessionmaker[AsyncSession]], Awaitable[None]]


def ready(settings: Settings) -> Ready:
    """Said once everything is up: where the web app is, and — with no messenger configured —
    a link that signs the operator in as admin of the whole tree."""

    async def say(site: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        lang = settings.default_language
        if settings.messengers():
            typer.echo(plain(lang, "cli.web_serving", site=site))
            return
        async with sessions() as session:
            token = await webaccess.operator_link(session, lang, _now())
            await session.commit()
        typer.echo(plain(lang, "cli.web_only", link=f"{site}/s/{token}", site=site))

    return say


@web_app.command("signin")
def signin() -> None:
    """A new one-time link (15 minutes) that signs the operator in as admin of the tree."""

    async def work(settings: Settings) -> None:
        lang = settings.default_language
        token = await _in_session(settings, lambda s: webaccess.operator_link(s, lang, _now()))
        typer.echo(plain(lang, "cli.web_link", link=f"{settings.site()}/s/{token}"))

    _execute(work)


@web_app.command("signout")
def signout(
    user: Annotated[int, typer.Argument(help="The person's user id (as in the audit log)")],
) -> None:
    """End every web session and unused sign-in link of a person."""

    async def work(settings: Settings) -> None:
        count = await _in_session(
            settings, lambda s: webaccess.sign_out_everywhere(s, user, _now())
        )
        typer.echo(plain(settings.default_language, "cli.web_signed_out", n=count, user=user))

    _execute(work)


def demo() -> None:
    """Fill an empty database with a small demo province and print sign-in links for a
    member, a secretary and an admin (then `neuguong run` serves them)."""
    from bot.demo import NotEmpty, build

    async def work(settings: Settings) -> None:
        lang = settings.default_language
        try:
            links = await _in_session(settings, lambda s: build(s, _now(), lang))
        except NotEmpty:
            raise Fail(plain(lang, "cli.demo_not_empty"), 2) from None
        site = settings.site()
        typer.echo(
            plain(
                lang,
                "cli.demo_ready",
                member=f"{site}/s/{links.member}",
                secretary=f"{site}/s/{links.secretary}",
                admin=f"{site}/s/{links.admin}",
            )
        )

    _execute(work)
