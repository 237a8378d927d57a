"""The member's own profile: see it, correct name, position and head flag, leave."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Screen, rows
from domain.members import leaders_to_notify, leave, own_unit, update_profile
from domain.units import path_names

EDIT_NAME, EDIT_POSITION = "prof/name", "prof/position"


async def show(ctx: Ctx, edit: bool = False) -> None:
    """/hoso: the profile card with its buttons."""
    member = ctx.actor.member
    if member is None:
        ctx.reply(views.home(ctx, "profile.not_member"))
        return
    unit = await own_unit(ctx.session, ctx.actor)
    roles = [ctx.t(f"role.{g.role.value}") for g in ctx.actor.grants]
    text = ctx.t(
        "profile.card",
        name=member.full_name,
        position=member.position or ctx.t("profile.no_position"),
        head=ctx.t("common.yes" if member.is_head else "common.no"),
        unit=" / ".join(await path_names(ctx.session, unit)),
        roles=", ".join(roles) or ctx.t("role.member"),
        language=ctx.t(f"lang.{ctx.lang}"),
    )
    buttons = rows(
        ctx.choice("profile.edit_name", "prof:name"),
        ctx.choice("profile.edit_position", "prof:position"),
        ctx.choice("profile.edit_head", "prof:head"),
        ctx.choice("menu.language", "lang:ask"),
        ctx.choice("profile.leave", "prof:leave"),
        width=2,
    )
    ctx.reply(Screen(text, buttons, edit=edit))


async def on_button(ctx: Ctx) -> None:
    """prof:name, prof:position, prof:clearpos, prof:head[:0|1], prof:leave[:yes|no]."""
    if ctx.actor.member is None:
        ctx.reply(views.home(ctx, "profile.not_member"))
        return
    parts = (ctx.incoming.callback or "").split(":")
    action, arg = parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""
    handler = _ACTIONS.get(action)
    if handler is None:
        ctx.say("button.expired")
        return
    await handler(ctx, arg)


async def _ask_name(ctx: Ctx, _arg: str) -> None:
    await ctx.set_state(EDIT_NAME, {})
    ctx.say("profile.ask_name")


async def _ask_position(ctx: Ctx, _arg: str) -> None:
    await ctx.set_state(EDIT_POSITION, {})
    ctx.reply(
        Screen(ctx.t("profile.ask_position"), rows(ctx.choice("profile.clear", "prof:clearpos")))
    )


async def _clear_position(ctx: Ctx, _arg: str) -> None:
    if ctx.state != EDIT_POSITION:
        ctx.say("button.expired")
        return
    await _save(ctx, "position", None)


async def _head(ctx: Ctx, arg: str) -> None:
    if arg in ("0", "1"):
        await _save(ctx, "is_head", arg == "1")
        return
    choices = rows(
        ctx.choice("common.yes", "prof:head:1"), ctx.choice("common.no", "prof:head:0"), width=2
    )
    ctx.reply(Screen(ctx.t("reg.ask_head"), choices))


async def _leave(ctx: Ctx, arg: str) -> None:
    member = ctx.actor.member
    assert member is not None
    if arg == "no":
        ctx.reply(Screen(ctx.t("profile.leave_kept"), edit=True))
    elif arg == "yes":
        unit = await leave(ctx.session, ctx.actor, ctx.now)
        await ctx.notify(
            await leaders_to_notify(ctx.session, unit),
            "notice.member_left",
            name=member.full_name,
            unit=unit.name,
        )
        await ctx.reload_actor()
        ctx.reply(Screen(ctx.t("profile.left", unit=unit.name), edit=True))
        ctx.reply(views.home(ctx, "profile.left_next"))
    else:
        choices = rows(
            ctx.choice("profile.leave_yes", "prof:leave:yes"),
            ctx.choice("profile.leave_no", "prof:leave:no"),
        )
        ctx.reply(Screen(ctx.t("profile.leave_ask"), choices))


async def _save(ctx: Ctx, field: str, value: object) -> None:
    await update_profile(ctx.session, ctx.actor, field, value)
    await ctx.clear_state()
    await ctx.reload_actor()
    ctx.say("profile.saved")
    await show(ctx)


async def on_name_text(ctx: Ctx) -> None:
    await _save(ctx, "name", ctx.incoming.text or "")


async def on_position_text(ctx: Ctx) -> None:
    await _save(ctx, "position", ctx.incoming.text or "")


async def on_show(ctx: Ctx) -> None:
    await show(ctx)


_ACTIONS = {
    "name": _ask_name,
    "position": _ask_position,
    "clearpos": _clear_position,
    "head": _head,
    "leave": _leave,
}


def register(router: Router) -> None:
    router.command("hoso", "profile")(on_show)
    router.menu_item("menu.profile")(on_show)
    router.button("prof")(on_button)
    router.state(EDIT_NAME)(on_name_text)
    router.state(EDIT_POSITION)(on_position_text)
