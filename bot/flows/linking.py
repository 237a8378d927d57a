"""/lienket: one person on Telegram and on Zalo. Without a code: a one-time code to send from
the other network, and (with two networks) where reminders go. With a code: this account
joins the person it belongs to.

Buttons: lk:r:CHANNEL reminders on that network."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import linking
from domain.guesses import Refused

NAMES = {"telegram": "Telegram", "zalo": "Zalo"}


async def on_link(ctx: Ctx) -> None:
    code = ctx.incoming.args.strip()
    if code:
        owner = await linking.link(ctx.session, ctx.actor, ctx.account, code, ctx.now)
        if isinstance(owner, Refused):
            ctx.say(owner.key, **owner.params)
            return
        await ctx.reload_actor()
        name = ctx.actor.member.full_name if ctx.actor.member else ""
        ctx.reply(views.home(ctx, "link.done", name=name))
        network = NAMES.get(ctx.account.channel, ctx.account.channel)
        await ctx.notify_own_accounts("link.notice", network=network)  # the original account
        return
    made = await linking.new_code(ctx.session, ctx.actor, ctx.now)
    shown = f"{made[:4]} {made[4:]}"
    ctx.reply(Screen(ctx.t("link.code", code=shown, minutes=int(linking.VALID.seconds / 60))))
    await _networks(ctx, edit=False)


async def _networks(ctx: Ctx, edit: bool) -> None:
    found, chosen = await linking.networks(ctx.session, ctx.actor)
    if len(found) < 2:
        return
    current = chosen if chosen in found else found[0]
    choices = rows(
        *(Choice(("✅ " if c == current else "") + NAMES.get(c, c), f"lk:r:{c}") for c in found)
    )
    ctx.reply(
        Screen(ctx.t("link.reminders_on", network=NAMES.get(current, current)), choices, edit=edit)
    )


async def on_button(ctx: Ctx) -> None:
    fields = views.parts(ctx)
    if len(fields) == 2 and fields[0] == "r":
        await linking.choose_reminder_network(ctx.session, ctx.actor, fields[1], ctx.now)
        await _networks(ctx, edit=True)
    else:
        ctx.say("button.expired")


def register(router: Router) -> None:
    router.command("lienket", "link")(on_link)
    router.button("lk")(on_button)
