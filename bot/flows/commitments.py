"""Registering commitments: items by kind, the 27-manifestation pledge, submit, history.

The same screens serve a member's own registration and a cell's collective models; every
button carries the commitment or item id and is re-checked against the database.
"""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.i18n import Raw
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import commitments as svc
from domain.errors import DomainError
from domain.reference import manifestations
from storage.dto import ItemDTO, ItemKind, State

TEXT, TARGET, EDIT_TEXT = "cmt/text", "cmt/target", "cmt/edit_text"
EDITABLE = (State.DRAFT, State.RETURNED, State.AMENDING, State.APPROVED)
KIND_KEYS = {
    ItemKind.EXAMPLE: "item.kind_example",
    ItemKind.REMEDIAL: "item.kind_remedial",
    ItemKind.MODEL: "item.kind_model",
}


async def on_open(ctx: Ctx) -> None:
    """📝 Đăng ký nêu gương: the member's registration for the open campaign."""
    await show(ctx, await svc.open_personal(ctx.session, ctx.actor, ctx.now))


async def on_models(ctx: Ctx) -> None:
    """/mohinh: the collective models of the cell this person leads."""
    cells = [g.unit_id for g in ctx.actor.grants if g.unit_id is not None and g.role != "admin"]
    if not cells:
        ctx.say("models.not_leader")
        return
    await show(ctx, await svc.open_collective(ctx.session, ctx.actor, cells[0], ctx.now))


def _item_line(ctx: Ctx, number: int, item: ItemDTO) -> str:
    extra = []
    if item.target:
        extra.append(ctx.t("item.target_is", target=item.target))
    if item.deadline:
        extra.append(ctx.t("item.deadline_is", month=views.month_label(ctx, item.deadline)))
    tail = f" <i>({'; '.join(extra)})</i>" if extra else ""
    return ctx.t("item.line", n=number, text=item.text) + tail


def sheet_text(ctx: Ctx, sheet: svc.Sheet) -> str:
    c, campaign = sheet.commitment, sheet.campaign
    head_key = "sheet.head_models" if c.collective else "sheet.head"
    parts = [
        ctx.t(
            head_key,
            year=campaign.year,
            name=sheet.owner_name,
            theme=campaign.theme,
            deadline=views.date_of(ctx, campaign.deadline),
            state=ctx.t(f"state.{c.state.value}"),
        ),
    ]
    if c.state is State.RETURNED and c.return_comment:
        parts.append(ctx.t("sheet.returned", comment=c.return_comment))
    lines = sheet.lines
    for kind, key in KIND_KEYS.items():
        chosen = [(n, i) for n, i in enumerate(lines, 1) if i.kind is kind]
        if chosen:
            body = "\n".join(_item_line(ctx, n, i) for n, i in chosen)
            parts.append(f"<b>{ctx.t(key)}</b>\n{body}")
    if not c.collective:
        parts.append(ctx.t("sheet.pledged" if sheet.pledged else "sheet.not_pledged"))
    parts.append(
        ctx.tn("sheet.count", "sheet.count_plural", len(lines)) if lines else ctx.t("sheet.empty")
    )
    return "\n\n".join(parts)


def _buttons(ctx: Ctx, sheet: svc.Sheet) -> tuple[tuple[Choice, ...], ...]:
    c = sheet.commitment
    found: list[tuple[Choice, ...]] = []
    if c.state in EDITABLE:
        kinds = (ItemKind.MODEL,) if c.collective else (ItemKind.EXAMPLE, ItemKind.REMEDIAL)
        found += [(ctx.choice(f"sheet.add_{k.value}", f"c:add:{c.id}:{k.value}"),) for k in kinds]
        if not c.collective and not sheet.pledged:
            found.append((ctx.choice("sheet.pledge", f"c:pl:{c.id}:0"),))
        numbered = [Choice(f"✏️ {n}", f"c:it:{i.id}") for n, i in enumerate(sheet.lines, 1)]
        found += rows(*numbered, width=5)
        if c.state is not State.APPROVED and sheet.lines:
            found.append((ctx.choice("sheet.submit", f"c:sub:{c.id}"),))
    if c.state is State.SUBMITTED:
        found.append((ctx.choice("sheet.withdraw", f"c:wd:{c.id}"),))
    if c.version > 0:
        found.append((ctx.choice("sheet.history", f"c:hist:{c.id}"),))
    return tuple(found)


async def show(ctx: Ctx, sheet: svc.Sheet, edit: bool = False) -> None:
    ctx.reply(Screen(sheet_text(ctx, sheet), _buttons(ctx, sheet), edit=edit))


async def refresh(ctx: Ctx, commitment_id: int, note: str | None = None, **params: object) -> None:
    if note:
        ctx.say(note, **params)
    await show(ctx, await svc.sheet(ctx.session, ctx.actor, commitment_id))


async def on_button(ctx: Ctx) -> None:
    """c:ACTION:ID[:ARG] — every action re-reads and re-checks the rows."""
    fields = views.parts(ctx)
    action, target = (fields[0] if fields else ""), views.int_at(fields, 1)
    handler = _ACTIONS.get(action)
    if handler is None or target is None:
        ctx.say("button.expired")
        return
    await handler(ctx, target, fields[2] if len(fields) > 2 else "")


async def _show(ctx: Ctx, commitment_id: int, _arg: str) -> None:
    await show(ctx, await svc.sheet(ctx.session, ctx.actor, commitment_id), edit=True)


async def _ask_text(ctx: Ctx, commitment_id: int, kind: str) -> None:
    if kind not in {k.value for k in KIND_KEYS}:
        ctx.say("button.expired")
        return
    await svc.sheet(ctx.session, ctx.actor, commitment_id)
    await svc.check_room(ctx.session, commitment_id)
    await ctx.set_state(TEXT, {"commitment": commitment_id, "kind": kind})
    ctx.say(f"item.ask_{kind}")


async def on_text(ctx: Ctx) -> None:
    """The text of a new item was typed."""
    data = ctx.data
    commitment_id, kind = data.get("commitment"), str(data.get("kind"))
    if not isinstance(commitment_id, int):
        raise DomainError("button.expired")
    item = await svc.add_item(
        ctx.session, ctx.actor, commitment_id, ItemKind(kind), ctx.incoming.text or "", ctx.now
    )
    if item.kind is ItemKind.REMEDIAL:
        await ctx.clear_state()
        await _ask_month(ctx, item.id, "")
        return
    await ctx.set_state(TARGET, {"item": item.id})
    choices = rows(ctx.choice("item.no_target", f"c:tskip:{item.id}"))
    ctx.reply(Screen(ctx.t("item.ask_target"), choices))


async def on_target(ctx: Ctx) -> None:
    item_id = ctx.data.get("item")
    if not isinstance(item_id, int):
        raise DomainError("button.expired")
    item = await svc.edit_item(
        ctx.session, ctx.actor, item_id, "target", ctx.incoming.text or "", ctx.now
    )
    await _after_target(ctx, item.id)


async def _skip_target(ctx: Ctx, item_id: int, _arg: str) -> None:
    if ctx.state != TARGET or ctx.data.get("item") != item_id:
        ctx.say("button.expired")
        return
    await svc.edit_item(ctx.session, ctx.actor, item_id, "target", None, ctx.now)
    await _after_target(ctx, item_id)


async def _after_target(ctx: Ctx, item_id: int) -> None:
    editing = bool(ctx.data.get("edit"))
    await ctx.clear_state()
    if editing:
        _commitment, item = await svc.owned_item(ctx.session, ctx.actor, item_id)
        await refresh(ctx, item.commitment_id, "item.saved")
    else:
        await _ask_month(ctx, item_id, "")


async def _ask_month(ctx: Ctx, item_id: int, _arg: str) -> None:
    commitment, _item = await svc.owned_item(ctx.session, ctx.actor, item_id)
    sheet = await svc.sheet(ctx.session, ctx.actor, commitment.id)
    months = [Choice(f"{m:02d}/{sheet.campaign.year}", f"c:dl:{item_id}:{m}") for m in range(1, 13)]
    none = (ctx.choice("item.no_deadline", f"c:dl:{item_id}:0"),)
    ctx.reply(Screen(ctx.t("item.ask_deadline"), rows(*months, width=4) + (none,)))


async def _set_month(ctx: Ctx, item_id: int, arg: str) -> None:
    month = views.number(arg)
    month = -1 if month is None else month
    if not 0 <= month <= 12:
        ctx.say("button.expired")
        return
    item = await svc.edit_item(ctx.session, ctx.actor, item_id, "deadline", month or None, ctx.now)
    ctx.reply(Screen(ctx.t("item.saved"), edit=True))
    await refresh(ctx, item.commitment_id)


async def _item(ctx: Ctx, item_id: int, _arg: str) -> None:
    commitment, item = await svc.owned_item(ctx.session, ctx.actor, item_id)
    text = ctx.t(
        "item.card",
        kind=ctx.t(KIND_KEYS.get(item.kind, "item.kind_example")),
        text=item.text,
        target=item.target or "—",
        deadline=views.month_label(ctx, item.deadline) if item.deadline else "—",
    )
    buttons = rows(
        ctx.choice("item.edit_text", f"c:et:{item.id}"),
        ctx.choice("item.edit_target", f"c:eg:{item.id}"),
        ctx.choice("item.edit_deadline", f"c:ed:{item.id}"),
        ctx.choice("item.delete", f"c:del:{item.id}"),
        ctx.choice("nav.back", f"c:sh:{commitment.id}"),
        width=2,
    )
    ctx.reply(Screen(text, buttons, edit=True))


async def _edit_text(ctx: Ctx, item_id: int, _arg: str) -> None:
    await svc.owned_item(ctx.session, ctx.actor, item_id)
    await ctx.set_state(EDIT_TEXT, {"item": item_id})
    ctx.say("item.ask_new_text")


async def on_edit_text(ctx: Ctx) -> None:
    item_id = ctx.data.get("item")
    if not isinstance(item_id, int):
        raise DomainError("button.expired")
    item = await svc.edit_item(
        ctx.session, ctx.actor, item_id, "text", ctx.incoming.text or "", ctx.now
    )
    await ctx.clear_state()
    await refresh(ctx, item.commitment_id, "item.saved")


async def _edit_target(ctx: Ctx, item_id: int, _arg: str) -> None:
    await svc.owned_item(ctx.session, ctx.actor, item_id)
    await ctx.set_state(TARGET, {"item": item_id, "edit": True})
    choices = rows(ctx.choice("item.clear_target", f"c:tskip:{item_id}"))
    ctx.reply(Screen(ctx.t("item.ask_target"), choices))


async def _ask_delete(ctx: Ctx, item_id: int, _arg: str) -> None:
    _commitment, item = await svc.owned_item(ctx.session, ctx.actor, item_id)
    buttons = rows(
        ctx.choice("item.delete_yes", f"c:delok:{item.id}"),
        ctx.choice("item.delete_no", f"c:sh:{item.commitment_id}"),
    )
    ctx.reply(Screen(ctx.t("item.delete_ask", text=item.text), buttons, edit=True))


async def _delete(ctx: Ctx, item_id: int, _arg: str) -> None:
    item = await svc.delete_item(ctx.session, ctx.actor, item_id, ctx.now)
    ctx.reply(Screen(ctx.t("item.deleted"), edit=True))
    await refresh(ctx, item.commitment_id)


async def _pledge_page(ctx: Ctx, commitment_id: int, arg: str) -> None:
    await svc.sheet(ctx.session, ctx.actor, commitment_id)
    data = manifestations()
    page = views.number(arg) or 0
    page = page if page < len(data.groups) else 0
    title, items = data.groups[page]
    start = 9 * page
    body = "\n".join(f"{start + n}. {text}" for n, text in enumerate(items, 1))
    text = ctx.t("pledge.page", page=page + 1, pages=len(data.groups), group=title, body=body)
    nav = []
    if page > 0:
        nav.append(ctx.choice("nav.prev", f"c:pl:{commitment_id}:{page - 1}"))
    if page + 1 < len(data.groups):
        nav.append(ctx.choice("nav.next", f"c:pl:{commitment_id}:{page + 1}"))
    choices: tuple[tuple[Choice, ...], ...] = (tuple(nav),)
    if page + 1 == len(data.groups):
        choices += ((ctx.choice("pledge.confirm", f"c:plok:{commitment_id}"),),)
    choices += ((ctx.choice("nav.back", f"c:sh:{commitment_id}"),),)
    ctx.reply(Screen(text, choices, edit=page > 0 or ctx.incoming.callback is not None))


async def _pledge(ctx: Ctx, commitment_id: int, _arg: str) -> None:
    await svc.pledge(ctx.session, ctx.actor, commitment_id, manifestations().pledge, ctx.now)
    ctx.reply(Screen(ctx.t("pledge.done"), edit=True))
    await refresh(ctx, commitment_id)


async def _ask_submit(ctx: Ctx, commitment_id: int, _arg: str) -> None:
    sheet = await svc.sheet(ctx.session, ctx.actor, commitment_id)
    svc.next_state(sheet.commitment.state, svc.SUBMIT, sheet.commitment.approved_version > 0)
    svc.check_complete(sheet.commitment, sheet.items)
    buttons = rows(
        ctx.choice("submit.yes", f"c:subok:{commitment_id}"),
        ctx.choice("submit.no", f"c:sh:{commitment_id}"),
    )
    text = ctx.tn("submit.ask", "submit.ask_plural", len(sheet.lines))
    ctx.reply(Screen(text, buttons, edit=True))


async def _submit(ctx: Ctx, commitment_id: int, _arg: str) -> None:
    sheet = await svc.submit(ctx.session, ctx.actor, commitment_id, ctx.now)
    c = sheet.commitment
    leaders = await svc.reviewers(ctx.session, sheet)
    key = "submit.done"
    if not leaders:
        key = "submit.done_nobody"
    elif await svc.decided_above(ctx.session, sheet):
        key = "submit.done_models" if c.collective else "submit.done_above"
    ctx.reply(Screen(ctx.t(key, version=c.version), edit=True))
    await show(ctx, sheet)
    await tell_submitted(ctx, sheet, leaders)


async def tell_submitted(ctx: Ctx, sheet: svc.Sheet, leaders: list[int] | None = None) -> None:
    """The reviewers get the submitted registration with approve and return choices (in chat
    and on the web alike)."""
    c = sheet.commitment
    if leaders is None:
        leaders = await svc.reviewers(ctx.session, sheet)
    body = "\n".join(_item_line(ctx, n, i) for n, i in enumerate(sheet.lines, 1))
    await ctx.notify(
        leaders,
        "notice.submitted_models" if c.collective else "notice.submitted",
        buttons=(
            ("approval.approve", f"a:ok:{c.id}:{c.version}"),
            ("approval.return", f"a:ret:{c.id}:{c.version}"),
        ),
        name=sheet.owner_name,
        unit=sheet.unit.name,
        version=c.version,
        body=Raw(body),
        n=len(sheet.lines),
    )


async def _withdraw(ctx: Ctx, commitment_id: int, _arg: str) -> None:
    await svc.withdraw(ctx.session, ctx.actor, commitment_id, ctx.now)
    ctx.say("submit.withdrawn")
    await refresh(ctx, commitment_id)


async def _history(ctx: Ctx, commitment_id: int, _arg: str) -> None:
    versions = await svc.history(ctx.session, ctx.actor, commitment_id)
    blocks = []
    for v in versions:
        decision = ctx.t(f"history.{v.decision or 'pending'}")
        lines = [
            ctx.t("item.line", n=n, text=str(entry.get("text", "")))
            for n, entry in enumerate((e for e in v.items if e.get("kind") != "pledge"), 1)
        ]
        head = ctx.t(
            "history.version",
            version=v.version,
            sent=views.when(ctx, v.submitted_at),
            decision=decision,
        )
        comment = ctx.t("history.comment", comment=v.comment) if v.comment else ""
        blocks.append("\n".join([head, *lines]) + (f"\n{comment}" if comment else ""))
    text = ctx.t("history.title") + "\n\n" + "\n\n".join(blocks)
    ctx.reply(Screen(text, rows(ctx.choice("nav.back", f"c:sh:{commitment_id}"))))


_ACTIONS = {
    "sh": _show,
    "add": _ask_text,
    "tskip": _skip_target,
    "dl": _set_month,
    "it": _item,
    "et": _edit_text,
    "eg": _edit_target,
    "ed": _ask_month,
    "del": _ask_delete,
    "delok": _delete,
    "pl": _pledge_page,
    "plok": _pledge,
    "sub": _ask_submit,
    "subok": _submit,
    "wd": _withdraw,
    "hist": _history,
}


async def _open_from_reminder(ctx: Ctx) -> None:
    """cm:open, the button on a registration reminder."""
    await on_open(ctx)


def register(router: Router) -> None:
    router.command("dangky", "commitment")(on_open)
    router.command("mohinh", "models")(on_models)
    router.menu_item("menu.commitment")(on_open)
    router.button("c")(on_button)
    router.button("cm")(_open_from_reminder)
    router.state(TEXT)(on_text)
    router.state(TARGET)(on_target)
    router.state(EDIT_TEXT)(on_edit_text)
