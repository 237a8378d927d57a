"""Approving or returning a submitted commitment: from the notice the secretary received, from
the «chờ duyệt» list (/choduyet) or from the member's card — a lost notice loses nothing.

Buttons: a:l the list · a:v:ID one registration · a:ok:ID:VERSION approve ·
a:ret:ID:VERSION return (asks for the comment)."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.flows.commitments import sheet_text
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import commitments as svc
from domain.errors import DomainError
from storage.dto import State

COMMENT = "apr/comment"
PAGE = 10


async def on_waiting(ctx: Ctx) -> None:
    """/choduyet: every registration waiting for this person's decision."""
    await _list(ctx, edit=False)


async def _list(ctx: Ctx, edit: bool = True) -> None:
    found = await svc.waiting(ctx.session, ctx.actor)
    if not found:
        ctx.reply(Screen(ctx.t("pending.none"), edit=edit))
        return
    shown = found[:PAGE]
    buttons = [
        Choice(
            ctx.t("pending.line", name=w.name, unit=w.unit_name, version=w.version),
            f"a:v:{w.commitment_id}",
        )
        for w in shown
    ]
    text = ctx.t("pending.title", n=len(found))
    if len(found) > PAGE:
        text += "\n" + ctx.t("pending.more", n=len(found) - PAGE)
    ctx.reply(Screen(text, rows(*buttons), edit=edit))


async def _view(ctx: Ctx, commitment_id: int) -> None:
    """One waiting registration with its decision buttons."""
    sheet = await svc.reviewable(ctx.session, ctx.actor, commitment_id)
    c = sheet.commitment
    text = sheet_text(ctx, sheet)
    buttons: list[Choice] = []
    if c.state is State.SUBMITTED:
        buttons += decision_buttons(ctx, c.id, c.version)
    buttons.append(ctx.choice("pending.back", "a:l"))
    ctx.reply(Screen(text, rows(*buttons, width=2), edit=True))


def decision_buttons(ctx: Ctx, commitment_id: int, version: int) -> list[Choice]:
    return [
        ctx.choice("approval.approve", f"a:ok:{commitment_id}:{version}"),
        ctx.choice("approval.return", f"a:ret:{commitment_id}:{version}"),
    ]


async def on_button(ctx: Ctx) -> None:
    """a:l, a:v:ID, a:ok:ID:VERSION approves; a:ret:ID:VERSION asks for the comment."""
    fields = views.parts(ctx)
    action = fields[0] if fields else ""
    if action == "l":
        await _list(ctx)
        return
    if action == "v" and views.int_at(fields, 1) is not None:
        await _view(ctx, views.int_at(fields, 1) or 0)
        return
    commitment_id, version = views.int_at(fields, 1), views.int_at(fields, 2)
    if action not in ("ok", "ret") or commitment_id is None or version is None:
        ctx.say("button.expired")
        return
    if action == "ok":
        await _approve(ctx, commitment_id, version)
        return
    sheet = await svc.reviewable(ctx.session, ctx.actor, commitment_id)
    if sheet.commitment.version != version:
        raise DomainError("approval.stale")
    await ctx.set_state(COMMENT, {"commitment": commitment_id, "version": version})
    ctx.say("approval.ask_comment", name=sheet.owner_name)


async def _approve(ctx: Ctx, commitment_id: int, version: int) -> None:
    sheet = await svc.decide(ctx.session, ctx.actor, commitment_id, version, True, None, ctx.now)
    ctx.reply(Screen(ctx.t("approval.approved", name=sheet.owner_name, version=version), edit=True))
    await ctx.notify(await _owners(ctx, sheet), "notice.approved", year=sheet.campaign.year)
    await _next(ctx)


async def _next(ctx: Ctx) -> None:
    """After a decision, what is still waiting, if anything."""
    if await svc.waiting(ctx.session, ctx.actor):
        await _list(ctx, edit=False)


async def on_comment(ctx: Ctx) -> None:
    """The reason for returning was typed."""
    data = ctx.data
    commitment_id, version = data.get("commitment"), data.get("version")
    if not isinstance(commitment_id, int) or not isinstance(version, int):
        raise DomainError("button.expired")
    sheet = await svc.decide(
        ctx.session, ctx.actor, commitment_id, version, False, ctx.incoming.text, ctx.now
    )
    await ctx.clear_state()
    ctx.say("approval.returned", name=sheet.owner_name)
    await ctx.notify(
        await _owners(ctx, sheet), "notice.returned", comment=sheet.commitment.return_comment or ""
    )
    await _next(ctx)


async def _owners(ctx: Ctx, sheet: svc.Sheet) -> list[int]:
    return await svc.owners(ctx.session, sheet)


def register(router: Router) -> None:
    router.command("choduyet", "pending")(on_waiting)
    router.menu_item("menu.pending")(on_waiting)
    router.button("a")(on_button)
    router.state(COMMENT)(on_comment)
