"""/web: a one-time link that opens the web app signed in (15 minutes, one use)."""

from __future__ import annotations

from bot.context import Ctx
from bot.router import Router
from domain import webaccess


async def on_web(ctx: Ctx) -> None:
    site = ctx.config.site
    if not site:
        ctx.say("web.not_served")
        return
    token = await webaccess.signin_link(ctx.session, ctx.actor.user_id, ctx.now)
    ctx.say("web.your_link", link=f"{site}/s/{token}", minutes=15)


def register(router: Router) -> None:
    router.command("web", "trangweb")(on_web)
    router.menu_item("menu.web")(on_web)
