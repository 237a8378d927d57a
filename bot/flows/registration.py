"""Joining with an invite: name, position, head of agency, confirm. State lives in the database."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.i18n import Lazy
from bot.router import Router
from bot.screens import Screen, rows
from domain import validation
from domain.errors import DomainError
from domain.guesses import Refused
from domain.invites import check_code, check_token, code_key, get_invite, invite_unit, token_in
from domain.members import (
    check_can_register,
    leaders_to_notify,
    needs_profile,
    personal_record,
)
from domain.members import register as register_member
from domain.units import path_names
from storage.dto import InviteDTO, Role, UnitDTO

NAME, POSITION, HEAD, CONFIRM = "reg/name", "reg/position", "reg/head", "reg/confirm"


async def begin(ctx: Ctx, sent: str) -> None:
    """/start <token>, a pasted invite link, or a typed short code: check the invite and open
    the dialogue."""
    token = token_in(sent)
    if token is None and code_key(sent) is not None:
        found = await check_code(ctx.session, ctx.actor, ctx.account.id, sent, ctx.now)
        if isinstance(found, Refused):
            text = ctx.t(found.key, **found.params) + "\n\n" + ctx.t("invite.ask_new")
            ctx.reply(Screen(text, remove_menu=True))
            return
        await _open(ctx, found)
        return
    try:
        invite = await check_token(ctx.session, token or sent, ctx.now)
    except DomainError as error:
        ctx.reply(Screen(ctx.t(error.key) + "\n\n" + ctx.t("invite.ask_new"), remove_menu=True))
        return
    await _open(ctx, invite)


async def _open(ctx: Ctx, invite: InviteDTO) -> None:
    unit = await invite_unit(ctx.session, invite)
    try:
        await check_can_register(ctx.session, ctx.actor, invite, unit)
    except DomainError as error:
        ctx.reply(views.home(ctx, error.key, **error.params))
        return
    data: dict[str, object] = {"invite": invite.id, "role": invite.role.value}
    try:
        record = await personal_record(ctx.session, invite)
    except DomainError as error:
        ctx.reply(Screen(ctx.t(error.key) + "\n\n" + ctx.t("invite.ask_new"), remove_menu=True))
        return
    if record is not None:
        data["personal"] = record.full_name
        data["personal_position"] = record.position or ""
    path = " / ".join(await path_names(ctx.session, unit))
    if needs_profile(ctx.actor, invite, unit):
        await ctx.set_state(NAME, data)
        ctx.reply(Screen(ctx.t("reg.welcome", unit=unit.name, path=path), remove_menu=True))
        ctx.say("reg.ask_name")
    else:
        await ctx.set_state(CONFIRM, data)
        ctx.reply(_confirm_screen(ctx, unit, data))


async def resume(ctx: Ctx) -> None:
    """Repeat the question of the step the person is at (after /start, a restart, a slip)."""
    state = ctx.state
    if state == NAME:
        ctx.say("reg.resume_name")
    elif state == POSITION:
        ctx.reply(_position_screen(ctx))
    elif state == HEAD:
        ctx.reply(_head_screen(ctx))
    elif state == CONFIRM:
        ctx.reply(_confirm_screen(ctx, await _unit(ctx), ctx.data))


async def on_name(ctx: Ctx) -> None:
    """Typed full name."""
    name = validation.full_name(ctx.incoming.text or "")
    data = ctx.data | {"name": name}
    if data.get("edit"):
        await _to_confirm(ctx, data)
        return
    await ctx.set_state(POSITION, data)
    ctx.reply(_position_screen(ctx))


async def on_position(ctx: Ctx) -> None:
    """Typed position (chức vụ)."""
    position = validation.position(ctx.incoming.text or "")
    await _after_position(ctx, ctx.data | {"position": position})


async def _after_position(ctx: Ctx, data: dict[str, object]) -> None:
    if data.get("edit"):
        await _to_confirm(ctx, data)
        return
    await ctx.set_state(HEAD, data)
    ctx.reply(_head_screen(ctx))


async def on_head_text(ctx: Ctx) -> None:
    """«Có» or «Không» typed instead of pressed is an answer; anything else asks again."""
    answer = validation.yes_no(ctx.incoming.text or "")
    if answer is not None:
        await _to_confirm(ctx, ctx.data | {"is_head": answer})
        return
    ctx.say("reg.use_buttons")
    ctx.reply(_head_screen(ctx))


async def on_confirm_text(ctx: Ctx) -> None:
    ctx.say("reg.use_buttons")
    ctx.reply(_confirm_screen(ctx, await _unit(ctx), ctx.data))


async def on_button(ctx: Ctx) -> None:
    """reg:skip, reg:head:0|1, reg:ok, reg:edit:name|position|head, reg:cancel."""
    parts = (ctx.incoming.callback or "").split(":")
    action, arg = parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""
    state = ctx.state
    if action == "cancel" and state and state.startswith("reg/"):
        await ctx.clear_state()
        ctx.reply(Screen(ctx.t("reg.cancelled"), edit=True))
    elif action == "skip" and state == POSITION:
        await _after_position(ctx, ctx.data | {"position": None})
    elif action == "head" and state == HEAD and arg in ("0", "1"):
        await _to_confirm(ctx, ctx.data | {"is_head": arg == "1"})
    elif action == "edit" and state == CONFIRM and arg in ("name", "position"):
        await _edit(ctx, arg)
    elif action == "ok" and state == CONFIRM:
        await _finish(ctx)
    else:
        ctx.say("button.expired")


async def _edit(ctx: Ctx, field: str) -> None:
    data = ctx.data | {"edit": True}
    if field == "name":
        await ctx.set_state(NAME, data)
        ctx.say("reg.ask_name")
    else:
        await ctx.set_state(POSITION, data)
        ctx.reply(_position_screen(ctx))


async def _to_confirm(ctx: Ctx, data: dict[str, object]) -> None:
    await ctx.set_state(CONFIRM, data)
    ctx.reply(_confirm_screen(ctx, await _unit(ctx), data))


async def _finish(ctx: Ctx) -> None:
    data = ctx.data
    try:
        done = await register_member(ctx.session, ctx.actor, _invite_id(data), data, ctx.now)
    except DomainError as error:
        if not error.key.startswith("invite."):
            raise
        await ctx.clear_state()
        ctx.reply(Screen(ctx.t(error.key) + "\n\n" + ctx.t("invite.ask_new"), edit=True))
        return
    await ctx.clear_state()
    await ctx.reload_actor()
    ctx.reply(Screen(ctx.t("reg.confirmed"), edit=True))
    role = views.role_name(done.role)
    if done.role is Role.MEMBER:
        ctx.reply(views.home(ctx, "reg.done", unit=done.unit.name))
    else:
        ctx.reply(views.home(ctx, "reg.done_role", role=role, unit=done.unit.name))
    await tell_leaders(ctx, done.unit, done.role, done.invited_by)


async def tell_leaders(ctx: Ctx, unit: UnitDTO, role: Role, invited_by: int | None) -> None:
    """The unit's secretaries learn who joined; so does whoever made the invite."""
    leaders = await leaders_to_notify(ctx.session, unit)
    if invited_by is not None and invited_by not in leaders:
        leaders.append(invited_by)
    member = ctx.actor.member
    if role is Role.MEMBER and member is not None:
        position = member.position or Lazy.of("profile.no_position")
        await ctx.notify(
            leaders, "notice.new_member", name=member.full_name, position=position, unit=unit.name
        )
    else:
        who = member.full_name if member else ctx.incoming.display_name
        await ctx.notify(
            leaders, "notice.new_leader", name=who, role=views.role_name(role), unit=unit.name
        )


def _invite_id(data: dict[str, object]) -> int:
    value = data.get("invite")
    if not isinstance(value, int):
        raise DomainError("invite.unknown")
    return value


async def _unit(ctx: Ctx) -> UnitDTO:
    invite = await get_invite(ctx.session, ctx.data.get("invite"))
    return await invite_unit(ctx.session, invite)


def _position_screen(ctx: Ctx) -> Screen:
    return Screen(ctx.t("reg.ask_position"), rows(ctx.choice("reg.skip", "reg:skip")))


def _head_screen(ctx: Ctx) -> Screen:
    choices = rows(ctx.choice("common.yes", "reg:head:1"), ctx.choice("common.no", "reg:head:0"))
    return Screen(ctx.t("reg.ask_head"), choices)


def _confirm_screen(ctx: Ctx, unit: UnitDTO, data: dict[str, object]) -> Screen:
    role = Role(str(data.get("role", "member")))
    if "personal" in data:
        text = ctx.t(
            "reg.confirm_personal",
            name=str(data["personal"]),
            position=str(data.get("personal_position") or ctx.t("profile.no_position")),
            unit=unit.name,
        )
        if role is not Role.MEMBER:
            text += "\n" + ctx.t("reg.personal_role", role=views.role_name(role))
        buttons = rows(ctx.choice("reg.ok", "reg:ok"), ctx.choice("reg.cancel", "reg:cancel"))
        return Screen(text, buttons)
    if "name" not in data:
        text = ctx.t("reg.confirm_role", role=views.role_name(role), unit=unit.name)
        buttons = rows(ctx.choice("reg.ok", "reg:ok"), ctx.choice("reg.cancel", "reg:cancel"))
        return Screen(text, buttons)
    text = ctx.t(
        "reg.confirm",
        name=str(data["name"]),
        position=str(data.get("position") or ctx.t("profile.no_position")),
        head=ctx.t("common.yes" if data.get("is_head") else "common.no"),
        unit=unit.name,
    )
    buttons = rows(
        ctx.choice("reg.ok", "reg:ok"),
        ctx.choice("reg.edit_name", "reg:edit:name"),
        ctx.choice("reg.edit_position", "reg:edit:position"),
        ctx.choice("reg.cancel", "reg:cancel"),
    )
    return Screen(text, buttons)


def register(router: Router) -> None:
    router.state(NAME)(on_name)
    router.state(POSITION)(on_position)
    router.state(HEAD)(on_head_text)
    router.state(CONFIRM)(on_confirm_text)
    router.button("reg")(on_button)
