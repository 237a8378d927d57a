"""Appointing a unit's secretary or deputy: pick a member, or send a one-time link."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.i18n import Raw
from bot.joining import ways_in
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain.errors import DomainError
from domain.invites import create_invite, may_invite
from domain.members import appoint, unit_members
from domain.units import visible
from storage.dto import Role

ROLES = {"s": Role.SECRETARY, "d": Role.DEPUTY}


async def on_button(ctx: Ctx) -> None:
    """ap:u:UNIT, ap:r:UNIT:R:PAGE, ap:m:UNIT:R:MEMBER, ap:l:UNIT:R."""
    parts = (ctx.incoming.callback or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    role = ROLES.get(parts[3]) if len(parts) > 3 else None
    found = views.number(parts[2]) if len(parts) > 2 else None
    unit_id = -1 if found is None else found
    extra = (views.number(parts[4]) or 0) if len(parts) > 4 else 0
    if unit_id < 0 or (action != "u" and role is None) or action not in _ACTIONS:
        ctx.say("button.expired")
        return
    await _ACTIONS[action](ctx, unit_id, role or Role.SECRETARY, extra)


async def _roles(ctx: Ctx, unit_id: int, _role: Role, _extra: int) -> None:
    unit = await visible(ctx.session, ctx.actor, unit_id)
    if not may_invite(ctx.actor, unit, Role.SECRETARY):
        raise DomainError("error.not_allowed")
    buttons = (
        ctx.choice("role.secretary", f"ap:r:{unit.id}:s:0"),
        ctx.choice("role.deputy", f"ap:r:{unit.id}:d:0"),
        ctx.choice("nav.back", f"u:o:{unit.id}:0"),
    )
    ctx.reply(Screen(ctx.t("appoint.ask_role", unit=unit.name), rows(*buttons), edit=True))


def _code(role: Role) -> str:
    return "s" if role is Role.SECRETARY else "d"


async def _pick(ctx: Ctx, unit_id: int, role: Role, page: int) -> None:
    unit, found, total = await unit_members(
        ctx.session, ctx.actor, unit_id, max(page, 0) * views.PAGE, views.PAGE
    )
    if not may_invite(ctx.actor, unit, role):
        raise DomainError("error.not_allowed")
    code = _code(role)
    people = [Choice(m.full_name, f"ap:m:{unit.id}:{code}:{m.id}") for m in found]
    nav = views.pager(ctx, f"ap:r:{unit.id}:{code}", page, total)
    link = ctx.choice("appoint.by_link", f"ap:l:{unit.id}:{code}")
    key = "appoint.pick" if found else "appoint.pick_none"
    if not unit.kind.is_cell:
        key = "appoint.link_only"
    text = ctx.t(key, role=views.role_name(role), unit=unit.name)
    ctx.reply(Screen(text, rows(*people) + ((nav,) if nav else ()) + ((link,),), edit=True))


async def _member(ctx: Ctx, unit_id: int, role: Role, member_id: int) -> None:
    unit, member, added = await appoint(ctx.session, ctx.actor, unit_id, member_id, role, ctx.now)
    key = "appoint.done" if added else "appoint.already"
    ctx.reply(
        Screen(
            ctx.t(key, name=member.full_name, role=views.role_name(role), unit=unit.name), edit=True
        )
    )
    if added and member.user_id is not None:
        await ctx.notify(
            [member.user_id], "notice.appointed", role=views.role_name(role), unit=unit.name
        )


async def _link(ctx: Ctx, unit_id: int, role: Role, _extra: int) -> None:
    made = await create_invite(
        ctx.session, ctx.actor, unit_id, role, 1, ctx.config.invite_days, ctx.now
    )
    text = ctx.t(
        "appoint.link",
        role=views.role_name(role),
        unit=made.unit.name,
        ways=Raw(ways_in(ctx.config, ctx.lang, made.token, made.code)),
        expires=views.when(ctx, made.invite.expires_at),
    )
    ctx.reply(Screen(text, edit=True))


_ACTIONS = {"u": _roles, "r": _pick, "m": _member, "l": _link}


def register(router: Router) -> None:
    router.button("ap")(on_button)
