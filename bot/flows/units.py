"""The organisation tree in chat: browse one's subtree, add and rename units, list members."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.flows.tree import member_card
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import validation
from domain.errors import DomainError
from domain.invites import may_invite
from domain.members import member_of, set_exempt, unit_members
from domain.units import CHILD_KINDS, add_unit, children, infer_kind, rename_unit, scope_roots
from domain.units import visible as visible_unit
from storage.dto import Role, UnitDTO, UnitKind

ADD, RENAME = "unit/add", "unit/rename"


async def on_units(ctx: Ctx) -> None:
    """/donvi: the units this person manages or leads."""
    roots = await scope_roots(ctx.session, ctx.actor)
    if not roots and not ctx.actor.is_tree_admin():
        ctx.say("error.not_allowed")
        return
    if len(roots) == 1:
        await show(ctx, roots[0].id, 0)
        return
    buttons = [Choice(u.name, f"u:o:{u.id}:0") for u in roots]
    if ctx.actor.is_tree_admin():
        buttons.append(ctx.choice("unit.add_root", "u:addroot"))
    key = "unit.roots" if roots else "unit.no_roots"
    ctx.reply(Screen(ctx.t(key), rows(*buttons)))


async def show(ctx: Ctx, unit_id: int, page: int, edit: bool = False) -> None:
    """One unit: what it is, its children (paged) and what may be done with it."""
    found = await children(ctx.session, ctx.actor, unit_id, page * views.PAGE, views.PAGE)
    unit, total = found.unit, found.child_count
    text = ctx.t(
        "unit.card",
        title=views.unit_title(ctx, unit),
        children=total,
        members=found.member_count,
    )
    kid_buttons = [
        Choice(ctx.t("unit.child", name=k.unit.name, members=k.members), f"u:o:{k.unit.id}:0")
        for k in found.children
    ]
    nav = views.pager(ctx, f"u:o:{unit.id}", page, total)
    choices = rows(*kid_buttons) + ((nav,) if nav else ()) + rows(*_actions(ctx, unit), width=2)
    ctx.reply(Screen(text, choices, edit=edit))


def _actions(ctx: Ctx, unit: UnitDTO) -> list[Choice]:
    actor = ctx.actor
    found = []
    if actor.is_admin_of(unit) and CHILD_KINDS[unit.kind]:
        found.append(ctx.choice("unit.add", f"u:add:{unit.id}"))
    if actor.is_admin_of(unit):
        found.append(ctx.choice("unit.rename", f"u:ren:{unit.id}"))
        if unit.parent_id is not None:
            found.append(ctx.choice("tree.move", f"t:mv:{unit.id}"))
        found.append(ctx.choice("tree.merge", f"t:mg:{unit.id}"))
        found.append(ctx.choice("tree.close", f"t:cl:{unit.id}"))
    if unit.kind.is_cell:
        found.append(ctx.choice("unit.members", f"u:m:{unit.id}:0"))
    if may_invite(actor, unit, Role.MEMBER):
        found.append(ctx.choice("menu.invites", f"inv:u:{unit.id}"))
    if may_invite(actor, unit, Role.SECRETARY):
        found.append(ctx.choice("unit.appoint", f"ap:u:{unit.id}"))
    if unit.parent_id is not None and actor.sees_path(unit.parent_path):
        found.append(ctx.choice("nav.up", f"u:o:{unit.parent_id}:0"))
    return found


async def on_button(ctx: Ctx) -> None:
    """u:o:ID:PAGE, u:add:ID, u:addroot, u:ren:ID, u:kind:KIND, u:m:ID:PAGE."""
    data = ctx.incoming.callback or ""
    action = data.split(":")[1] if ":" in data else ""
    handler = _ACTIONS.get(action)
    if handler is None:
        ctx.say("button.expired")
        return
    await handler(ctx, data.split(":", 1)[1])


async def _open(ctx: Ctx, data: str) -> None:
    ids = views.parse_ints(data, 2)
    if ids is None:
        ctx.say("button.expired")
        return
    await show(ctx, ids[0], max(ids[1], 0), edit=True)


async def _ask_add(ctx: Ctx, data: str) -> None:
    ids = views.parse_ints(data, 1)
    if ids is None:
        ctx.say("button.expired")
        return
    unit = await visible_unit(ctx.session, ctx.actor, ids[0])
    if not ctx.actor.is_admin_of(unit):
        raise DomainError("error.not_allowed")
    await ctx.set_state(ADD, {"parent": unit.id})
    ctx.say("unit.ask_name", parent=unit.name)


async def _ask_add_root(ctx: Ctx, _data: str) -> None:
    if not ctx.actor.is_tree_admin():
        raise DomainError("error.not_allowed")
    await ctx.set_state(ADD, {"parent": None})
    ctx.say("unit.ask_root_name")


async def on_add_name(ctx: Ctx) -> None:
    """The new unit's name was typed: offer the kinds allowed under the parent."""
    name = validation.unit_name(ctx.incoming.text or "")
    parent_id = ctx.data.get("parent")
    parent_kind = None
    if isinstance(parent_id, int):
        parent_kind = (await visible_unit(ctx.session, ctx.actor, parent_id)).kind
    suggested = infer_kind(name, parent_kind)
    kinds = sorted(CHILD_KINDS[parent_kind], key=lambda k: k != suggested)
    await ctx.set_state(ADD, ctx.data | {"name": name})
    buttons = [ctx.choice(f"kind.{k.value}", f"u:kind:{k.value}") for k in kinds]
    ctx.reply(Screen(ctx.t("unit.ask_kind", name=name), rows(*buttons)))


async def _kind(ctx: Ctx, data: str) -> None:
    state_data = ctx.data
    kind_value = data.split(":")[1] if ":" in data else ""
    if ctx.state != ADD or "name" not in state_data or kind_value not in set(UnitKind):
        ctx.say("button.expired")
        return
    parent = state_data.get("parent")
    unit = await add_unit(
        ctx.session,
        ctx.actor,
        parent if isinstance(parent, int) else None,
        str(state_data["name"]),
        UnitKind(kind_value),
        ctx.now,
    )
    await ctx.clear_state()
    ctx.say("unit.added", title=views.unit_title(ctx, unit))
    await show(ctx, unit.id, 0)


async def _ask_rename(ctx: Ctx, data: str) -> None:
    ids = views.parse_ints(data, 1)
    if ids is None:
        ctx.say("button.expired")
        return
    unit = await visible_unit(ctx.session, ctx.actor, ids[0])
    if not ctx.actor.is_admin_of(unit):
        raise DomainError("error.not_allowed")
    await ctx.set_state(RENAME, {"unit": unit.id})
    ctx.say("unit.ask_rename", name=unit.name)


async def on_rename_text(ctx: Ctx) -> None:
    unit_id = ctx.data.get("unit")
    if not isinstance(unit_id, int):
        await ctx.clear_state()
        ctx.say("button.expired")
        return
    unit = await rename_unit(ctx.session, ctx.actor, unit_id, ctx.incoming.text or "", ctx.now)
    await ctx.clear_state()
    ctx.say("unit.renamed", name=unit.name)
    await show(ctx, unit.id, 0)


async def _members(ctx: Ctx, data: str) -> None:
    ids = views.parse_ints(data, 2)
    if ids is None:
        ctx.say("button.expired")
        return
    page = max(ids[1], 0)
    unit, found, total = await unit_members(
        ctx.session, ctx.actor, ids[0], page * views.PAGE, views.PAGE
    )
    lines = [
        ctx.t(
            "unit.member_line",
            n=page * views.PAGE + i + 1,
            name=m.full_name,
            position=m.position or "—",
            head=(ctx.t("unit.head_mark") if m.is_head else "")
            + (ctx.t("unit.exempt_mark") if m.exempt else ""),
        )
        for i, m in enumerate(found)
    ]
    body = "\n".join(lines) if lines else ctx.t("unit.no_members")
    text = ctx.t("unit.members_title", unit=unit.name, total=total) + "\n\n" + body
    nav = views.pager(ctx, f"u:m:{unit.id}", page, total)
    back = (ctx.choice("nav.back", f"u:o:{unit.id}:0"),)
    toggles = rows(*(Choice(f"👤 {m.full_name}", f"t:mb:{m.id}") for m in found), width=2)
    ctx.reply(Screen(text, toggles + ((nav,) if nav else ()) + (back,), edit=True))


async def _exempt(ctx: Ctx, data: str) -> None:
    """u:ex:MEMBER:PAGE toggles miễn sinh hoạt."""
    ids = views.parse_ints(data, 2)
    if ids is None:
        ctx.say("button.expired")
        return
    member = await member_of(ctx.session, ids[0])
    updated = await set_exempt(ctx.session, ctx.actor, member.id, not member.exempt, ctx.now)
    ctx.say("unit.exempt_on" if updated.exempt else "unit.exempt_off", name=updated.full_name)
    await member_card(ctx, updated.id, ids[1])


_ACTIONS = {
    "o": _open,
    "add": _ask_add,
    "addroot": _ask_add_root,
    "kind": _kind,
    "ren": _ask_rename,
    "m": _members,
    "ex": _exempt,
}


def register(router: Router) -> None:
    router.command("donvi", "units")(on_units)
    router.menu_item("menu.units")(on_units)
    router.button("u")(on_button)
    router.state(ADD)(on_add_name)
    router.state(RENAME)(on_rename_text)
