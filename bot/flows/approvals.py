"""Approving or returning a submitted commitment, from the notice the secretary received."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Screen
from domain import commitments as svc
from domain.errors import DomainError

COMMENT = "apr/comment"


async def on_button(ctx: Ctx) -> None:
    """a:ok:ID:VERSION approves; a:ret:ID:VERSION asks for the comment to return it with."""
    fields = views.parts(ctx)
    action = fields[0] if fields else ""
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


async def _owners(ctx: Ctx, sheet: svc.Sheet) -> list[int]:
    return await svc.owners(ctx.session, sheet)


def register(router: Router) -> None:
    router.button("a")(on_button)
    router.state(COMMENT)(on_comment)
