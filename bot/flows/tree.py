"""Changing the tree in chat (/donvi, admins): move a unit, merge it into another, close it;
for a member: transfer to another cell (chuyển sinh hoạt) or record that they have left.

The target unit is found by typing part of its name (diacritics optional) and picking it;
every change is confirmed on a screen that names both sides before it is made.

Buttons: t:mv|mg:UNIT ask for the target · t:to:OP:UNIT:TARGET confirm ·
t:ok:OP:UNIT:TARGET do it · t:cl:UNIT / t:clok:UNIT close · t:mb:MEMBER the member ·
t:tr:MEMBER ask for the cell · t:lf:MEMBER / t:lfok:MEMBER left.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import tree
from domain.errors import DomainError
from domain.members import member_of
from domain.units import search
from domain.units import visible as visible_unit

TARGET = "tree/target"
OPS = ("mv", "mg", "tr")  # move under, merge into, transfer the member to


async def _ask_target(ctx: Ctx, op: str, subject: int) -> None:
    if op == "tr":
        member = await member_of(ctx.session, subject)
        await visible_unit(ctx.session, ctx.actor, member.unit_id)
        ctx.say("tree.ask_cell", name=member.full_name)
    else:
        unit = await visible_unit(ctx.session, ctx.actor, subject)
        if not ctx.actor.is_admin_of(unit):
            raise DomainError("error.not_allowed")
        ctx.say(f"tree.ask_{op}", name=unit.name)
    await ctx.set_state(TARGET, {"op": op, "subject": subject})


async def on_target_text(ctx: Ctx) -> None:
    """Part of the target's name was typed: the units it matches, to pick from."""
    op, subject = str(ctx.data.get("op")), ctx.data.get("subject")
    if op not in OPS or not isinstance(subject, int):
        await ctx.clear_state()
        raise DomainError("button.expired")
    found = await search(ctx.session, ctx.actor, ctx.incoming.text or "", cells_only=op != "mv")
    if not found:
        ctx.say("tree.no_match", text=ctx.incoming.text or "")
        return
    buttons = [Choice(u.name, f"t:to:{op}:{subject}:{u.id}") for u in found]
    ctx.reply(Screen(ctx.t("tree.pick"), rows(*buttons, ctx.choice("tree.cancel", "t:x"))))


async def _confirm(ctx: Ctx, op: str, subject: int, target_id: int) -> None:
    target = await visible_unit(ctx.session, ctx.actor, target_id)
    if op == "tr":
        member = await member_of(ctx.session, subject)
        source = await visible_unit(ctx.session, ctx.actor, member.unit_id)
        text = ctx.t(
            "tree.confirm_tr", name=member.full_name, source=source.name, target=target.name
        )
    else:
        unit = await visible_unit(ctx.session, ctx.actor, subject)
        text = ctx.t(f"tree.confirm_{op}", unit=unit.name, target=target.name)
    buttons = rows(
        ctx.choice("tree.yes", f"t:ok:{op}:{subject}:{target.id}"),
        ctx.choice("tree.cancel", "t:x"),
    )
    ctx.reply(Screen(text, buttons, edit=True))


async def _apply(ctx: Ctx, op: str, subject: int, target_id: int) -> None:
    await ctx.clear_state()
    if op == "mv":
        moved = await tree.move_unit(ctx.session, ctx.actor, subject, target_id, ctx.now)
        ctx.reply(Screen(ctx.t("tree.moved", unit=moved.name), edit=True))
    elif op == "mg":
        merged = await tree.merge_units(ctx.session, ctx.actor, subject, target_id, ctx.now)
        text = ctx.t(
            "tree.merged",
            unit=merged.source.name,
            target=merged.target.name,
            members=merged.members,
            units=merged.units_moved,
        )
        ctx.reply(Screen(text, edit=True))
    else:
        member, source, target = await tree.transfer_member(
            ctx.session, ctx.actor, subject, target_id, ctx.now
        )
        text = ctx.t(
            "tree.transferred", name=member.full_name, source=source.name, target=target.name
        )
        ctx.reply(Screen(text, edit=True))
        if member.user_id is not None:
            await ctx.notify(
                [member.user_id], "notice.transferred", source=source.name, target=target.name
            )


async def _ask_close(ctx: Ctx, unit_id: int) -> None:
    unit = await visible_unit(ctx.session, ctx.actor, unit_id)
    if not ctx.actor.is_admin_of(unit):
        raise DomainError("error.not_allowed")
    buttons = rows(ctx.choice("tree.yes", f"t:clok:{unit.id}"), ctx.choice("tree.cancel", "t:x"))
    ctx.reply(Screen(ctx.t("tree.confirm_close", unit=unit.name), buttons, edit=True))


async def _close(ctx: Ctx, unit_id: int) -> None:
    unit = await tree.close_unit(ctx.session, ctx.actor, unit_id, ctx.now)
    ctx.reply(Screen(ctx.t("tree.closed", unit=unit.name), edit=True))


async def member_card(ctx: Ctx, member_id: int, page: int = 0) -> None:
    """A member as the cell's leaders and admins manage them."""
    member = await member_of(ctx.session, member_id)
    if member.status != "active":
        raise DomainError("error.not_found")
    unit = await visible_unit(ctx.session, ctx.actor, member.unit_id)
    text = ctx.t(
        "tree.member_card",
        name=member.full_name,
        unit=unit.name,
        position=member.position or "—",
    )
    buttons = [
        ctx.choice(
            "unit.unexempt" if member.exempt else "unit.exempt",
            f"u:ex:{member.id}:{page}",
            name=member.full_name,
        )
    ]
    if ctx.actor.is_admin_of(unit):
        buttons.append(ctx.choice("tree.transfer", f"t:tr:{member.id}"))
    buttons.append(ctx.choice("tree.left", f"t:lf:{member.id}"))
    buttons.append(ctx.choice("nav.back", f"u:m:{unit.id}:{page}"))
    ctx.reply(Screen(text, rows(*buttons), edit=True))


async def _ask_left(ctx: Ctx, member_id: int) -> None:
    member = await member_of(ctx.session, member_id)
    unit = await visible_unit(ctx.session, ctx.actor, member.unit_id)
    buttons = rows(ctx.choice("tree.yes", f"t:lfok:{member.id}"), ctx.choice("tree.cancel", "t:x"))
    text = ctx.t("tree.confirm_left", name=member.full_name, unit=unit.name)
    ctx.reply(Screen(text, buttons, edit=True))


async def _left(ctx: Ctx, member_id: int) -> None:
    member, unit = await tree.record_left(ctx.session, ctx.actor, member_id, ctx.now)
    ctx.reply(Screen(ctx.t("tree.left_done", name=member.full_name, unit=unit.name), edit=True))


async def _cancel(ctx: Ctx) -> None:
    await ctx.clear_state()
    ctx.reply(Screen(ctx.t("tree.cancelled"), edit=True))


One = Callable[[Ctx, int], Awaitable[None]]
_ONE: dict[str, One] = {
    "cl": _ask_close,
    "clok": _close,
    "mb": member_card,
    "lf": _ask_left,
    "lfok": _left,
}


async def on_button(ctx: Ctx) -> None:
    fields = views.parts(ctx)
    action = fields[0] if fields else ""
    if action == "x":
        await _cancel(ctx)
    elif action in ("mv", "mg", "tr") and views.int_at(fields, 1) is not None:
        await _ask_target(ctx, action, views.int_at(fields, 1) or 0)
    elif action in _ONE and views.int_at(fields, 1) is not None:
        await _ONE[action](ctx, views.int_at(fields, 1) or 0)
    elif action in ("to", "ok") and len(fields) == 4 and fields[1] in OPS:
        subject, target = views.int_at(fields, 2), views.int_at(fields, 3)
        if subject is None or target is None:
            ctx.say("button.expired")
        elif action == "to":
            await _confirm(ctx, fields[1], subject, target)
        else:
            await _apply(ctx, fields[1], subject, target)
    else:
        ctx.say("button.expired")


def register(router: Router) -> None:
    router.button("t")(on_button)
    router.state(TARGET)(on_target_text)
