"""Start, help, language, cancel, and answers to what the bot did not understand."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.flows import registration
from bot.router import Router
from bot.screens import Screen, rows
from domain.invites import code_key, token_in
from domain.members import set_language


async def on_start(ctx: Ctx) -> None:
    """/start with a token registers; without one it greets or explains how to join."""
    token = ctx.incoming.args.strip()
    if token:
        await registration.begin(ctx, token)
        return
    actor = ctx.actor
    if ctx.state and ctx.state.startswith("reg/"):
        await registration.resume(ctx)
    elif actor.member is not None:
        ctx.reply(views.home(ctx, "home.welcome_member", name=actor.member.full_name))
    elif actor.is_admin or actor.is_leader:
        ctx.reply(views.home(ctx, "home.welcome_official"))
    else:
        _how_to_join(ctx)


def _how_to_join(ctx: Ctx) -> None:
    """A stranger: where to get an invite and, on a network without links into the bot,
    what to send."""
    key = "start.need_invite" if ctx.incoming.channel == "telegram" else "start.need_invite_code"
    ctx.reply(Screen(ctx.t(key), remove_menu=True))


async def on_help(ctx: Ctx) -> None:
    """Explains what this person can do, by role."""
    actor = ctx.actor
    parts = [ctx.t("help.intro")]
    if actor.member is not None:
        parts.append(ctx.t("help.member"))
    if actor.is_leader:
        parts.append(ctx.t("help.leader"))
    if actor.is_admin:
        parts.append(ctx.t("help.admin"))
    if len(parts) == 1:
        parts.append(ctx.t("help.guest"))
    parts.append(ctx.t("help.footer"))
    ctx.reply(Screen("\n\n".join(parts)))


async def on_language(ctx: Ctx) -> None:
    """Offers the two languages."""
    choices = rows(ctx.choice("lang.vi", "lang:vi"), ctx.choice("lang.en", "lang:en"), width=2)
    ctx.reply(Screen(ctx.t("lang.ask"), choices))


async def on_language_chosen(ctx: Ctx) -> None:
    """Switches the language and shows the menu in it."""
    code = (ctx.incoming.callback or "").partition(":")[2]
    if code == "ask":
        await on_language(ctx)
        return
    await set_language(ctx.session, ctx.actor, code)
    await ctx.reload_actor()
    ctx.reply(Screen(ctx.t("lang.done"), edit=True))
    if views.menu_rows(ctx):
        ctx.reply(views.home(ctx))


async def on_cancel(ctx: Ctx) -> None:
    """Drops the dialogue in progress."""
    had = ctx.state is not None
    await ctx.clear_state()
    ctx.reply(views.home(ctx, "cancel.done" if had else "cancel.nothing"))


async def on_unknown(ctx: Ctx) -> None:
    """Anything no flow took: say so and say what to do next."""
    incoming = ctx.incoming
    if incoming.command is not None:
        ctx.say("unknown.command")
    elif ctx.state and ctx.state.startswith("reg/"):
        if incoming.content is not None:  # a sticker or a voice message mid-registration
            ctx.say("unknown.content")
        await registration.resume(ctx)
    elif incoming.content is not None:
        ctx.say("unknown.content")
    elif incoming.pending_choices:  # a network without buttons: the choices are shown again
        ctx.say("numbered.no_match")
        ctx.outcome.repeat_choices = True
    elif _joining(ctx):  # a stranger types the invite's short code or pastes its link
        await registration.begin(ctx, incoming.text or "")
    elif _stranger(ctx):
        _how_to_join(ctx)
    else:
        ctx.reply(views.home(ctx, "unknown.text"))


def _stranger(ctx: Ctx) -> bool:
    return ctx.actor.member is None and not ctx.actor.grants and not ctx.actor.root_admin


def _joining(ctx: Ctx) -> bool:
    text = ctx.incoming.text or ""
    return _stranger(ctx) and (token_in(text) is not None or code_key(text) is not None)


async def on_expired(ctx: Ctx) -> None:
    """A button from an old message, or forged data."""
    ctx.say("button.expired")


def register(router: Router) -> None:
    router.command("start")(on_start)
    router.command("help", "trogiup")(on_help)
    router.command("language", "ngonngu")(on_language)
    router.command("cancel", "huy")(on_cancel)
    router.button("lang")(on_language_chosen)
    router.menu_item("menu.help")(on_help)
    router.menu_item("menu.language")(on_language)
    router.fallback = on_unknown
    router.expired = on_expired
