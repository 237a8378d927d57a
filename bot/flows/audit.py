"""/nhatky: the audit log for admins, newest first, in their scope; exportable as XLSX.

Buttons: au:p:BEFORE older entries · au:x the spreadsheet."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Screen, rows
from domain import audit
from domain.access import require
from render.attachment import Attachment


async def on_log(ctx: Ctx) -> None:
    await _page(ctx, None, edit=False)


async def _page(ctx: Ctx, before: int | None, edit: bool = True) -> None:
    entries = await audit.latest(ctx.session, ctx.actor, before_id=before)
    if not entries:
        ctx.say("audit.empty")
        return
    lines = [
        ctx.t(
            "audit.line",
            at=views.when(ctx, e.at),
            who=_who(ctx, e.user_id, e.user_name),
            action=ctx.t(f"audit.{e.action}"),
            subject=e.subject or "",
        )
        for e in entries
    ]
    buttons = [ctx.choice("audit.export", "au:x")]
    if len(entries) == audit.PAGE:
        buttons.insert(0, ctx.choice("audit.older", f"au:p:{entries[-1].id}"))
    text = ctx.t("audit.title") + "\n\n" + "\n".join(lines)
    ctx.reply(Screen(text, rows(*buttons, width=2), edit=edit))


def _who(ctx: Ctx, user_id: int | None, name: str) -> str:
    """The author: the command line, or a person (named, else by their number)."""
    if user_id is None:
        return ctx.t("audit.operator")
    return name or ctx.t("audit.user_number", id=user_id)


async def on_button(ctx: Ctx) -> None:
    from render.admin_files import audit_xlsx

    require(ctx.actor.is_admin)
    fields = views.parts(ctx)
    action = fields[0] if fields else ""
    if action == "p" and views.int_at(fields, 1) is not None:
        await _page(ctx, views.int_at(fields, 1))
    elif action == "x":
        entries = await audit.everything(ctx.session, ctx.actor)
        name = f"nhat-ky-{ctx.local(ctx.now):%Y%m%d}.xlsx"
        caption = ctx.t("audit.file", n=len(entries))
        sheet = Attachment.later("document", name, audit_xlsx, ctx.lang, entries, ctx.config.zone)
        ctx.reply(Screen(caption, attachment=sheet))
    else:
        ctx.say("button.expired")


def register(router: Router) -> None:
    router.command("nhatky", "auditlog")(on_log)
    router.button("au")(on_button)
