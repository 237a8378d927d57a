"""Invite links in chat: create for a cell, list the live ones, revoke."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.flows import units
from bot.i18n import Raw
from bot.joining import ways_in
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain.errors import DomainError
from domain.invites import MAX_USES, create_invite, list_invites, revoke_invite
from domain.units import scope_roots
from storage.dto import Role

USES_STATE = "inv/uses"
USES = (1, 10, 50, 100)


async def on_invites(ctx: Ctx) -> None:
    """/moi: straight to the cell a secretary leads, else pick a cell in the tree."""
    cells = [g.unit_id for g in ctx.actor.grants if g.unit_id is not None]
    roots = await scope_roots(ctx.session, ctx.actor)
    if len(roots) == 1 and roots[0].kind.is_cell and len(cells) >= 1:
        await show(ctx, roots[0].id)
        return
    if not roots and not ctx.actor.is_tree_admin():
        ctx.say("error.not_allowed")
        return
    ctx.say("invite.pick_cell")
    await units.on_units(ctx)


async def show(ctx: Ctx, unit_id: int, edit: bool = False) -> None:
    """The cell's live invites, each with a revoke button, and a button for a new one."""
    unit, live = await list_invites(ctx.session, ctx.actor, unit_id, ctx.now)
    lines = [
        ctx.t(
            "invite.line",
            id=i.id,
            role=views.role_name(i.role),
            created=views.day(ctx, i.created_at),
            expires=views.when(ctx, i.expires_at),
            uses=i.uses,
            max=i.max_uses,
        )
        for i in live
    ]
    body = "\n".join(lines) if lines else ctx.t("invite.none")
    text = ctx.t("invite.list_title", unit=unit.name) + "\n\n" + body
    buttons = [ctx.choice("invite.revoke", f"inv:rv:{i.id}", id=i.id) for i in live[:10]]
    if unit.kind.is_cell:
        buttons.insert(0, ctx.choice("invite.new", f"inv:new:{unit.id}"))
    buttons.append(ctx.choice("nav.back", f"u:o:{unit.id}:0"))
    ctx.reply(Screen(text, rows(*buttons), edit=edit))


async def on_button(ctx: Ctx) -> None:
    """inv:u:UNIT, inv:new:UNIT, inv:mk:UNIT:USES, inv:rv:ID, inv:rvok:ID."""
    data = ctx.incoming.callback or ""
    action = data.split(":")[1] if data.count(":") >= 1 else ""
    ids = views.parse_ints(data.split(":", 1)[1], 2 if action == "mk" else 1)
    handler = _ACTIONS.get(action)
    if handler is None or ids is None:
        ctx.say("button.expired")
        return
    await handler(ctx, ids)


async def _show(ctx: Ctx, ids: list[int]) -> None:
    await show(ctx, ids[0], edit=True)


async def _ask_uses(ctx: Ctx, ids: list[int]) -> None:
    await list_invites(ctx.session, ctx.actor, ids[0], ctx.now)  # checks the actor's scope
    buttons = [ctx.choice("invite.uses", f"inv:mk:{ids[0]}:{n}", n=n) for n in USES]
    await ctx.set_state(USES_STATE, {"unit": ids[0]})
    text = ctx.t("invite.ask_uses", days=ctx.config.invite_days)
    ctx.reply(Screen(text, rows(*buttons, width=2), values=True))  # or a typed number


async def on_uses_text(ctx: Ctx) -> None:
    """A typed number of uses (1 to 10,000)."""
    unit_id = ctx.data.get("unit")
    uses = views.number(ctx.incoming.text or "")
    if not isinstance(unit_id, int) or uses is None or not 1 <= uses <= MAX_USES:
        raise DomainError("invite.bad_uses", max=MAX_USES)
    await ctx.clear_state()
    await _create(ctx, unit_id, uses, edit=False)


async def _make(ctx: Ctx, ids: list[int]) -> None:
    unit_id, uses = ids
    if uses not in USES:
        ctx.say("button.expired")
        return
    await ctx.clear_state()
    await _create(ctx, unit_id, uses, edit=True)


async def _create(ctx: Ctx, unit_id: int, uses: int, edit: bool) -> None:
    made = await create_invite(
        ctx.session, ctx.actor, unit_id, Role.MEMBER, uses, ctx.config.invite_days, ctx.now
    )
    ctx.reply(
        Screen(
            ctx.t(
                "invite.created",
                unit=made.unit.name,
                ways=Raw(ways_in(ctx.config, ctx.lang, made.token, made.code)),
                expires=views.when(ctx, made.invite.expires_at),
                uses=uses,
            ),
            edit=edit,
        )
    )


async def _ask_revoke(ctx: Ctx, ids: list[int]) -> None:
    buttons = (
        Choice(ctx.t("invite.revoke_yes", id=ids[0]), f"inv:rvok:{ids[0]}"),
        ctx.choice("invite.revoke_no", f"inv:rvno:{ids[0]}"),
    )
    ctx.reply(Screen(ctx.t("invite.revoke_ask", id=ids[0]), rows(*buttons)))


async def _revoke(ctx: Ctx, ids: list[int]) -> None:
    invite = await revoke_invite(ctx.session, ctx.actor, ids[0], ctx.now)
    ctx.reply(Screen(ctx.t("invite.revoked_done", id=invite.id), edit=True))
    await show(ctx, invite.unit_id)


async def _keep(ctx: Ctx, ids: list[int]) -> None:
    ctx.reply(Screen(ctx.t("invite.kept", id=ids[0]), edit=True))


_ACTIONS = {
    "rvno": _keep,
    "u": _show,
    "new": _ask_uses,
    "mk": _make,
    "rv": _ask_revoke,
    "rvok": _revoke,
}


def register(router: Router) -> None:
    router.command("moi", "invite")(on_invites)
    router.menu_item("menu.invites")(on_invites)
    router.button("inv")(on_button)
    router.state(USES_STATE)(on_uses_text)
