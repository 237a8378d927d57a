"""/tiendo: each item with a progress bar, last report and overdue marks; history on request."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Screen, rows
from domain import checkins as svc
from domain import commitments

HISTORY_PAGE = 10


async def on_progress(ctx: Ctx) -> None:
    """📊 Tiến độ của tôi."""
    sheet = await commitments.open_personal(ctx.session, ctx.actor, ctx.now)
    today = ctx.local(ctx.now).date()
    blocks = []
    for n, item in enumerate(sheet.lines, 1):
        last = (
            views.day(ctx, item.last_checkin_at)
            if item.last_checkin_at
            else ctx.t("progress.never")
        )
        block = ctx.t(
            "progress.item",
            n=n,
            text=item.text,
            bar=views.bar(item.progress),
            progress=item.progress,
            status=ctx.t(f"status.{item.status.value}"),
            last=last,
        )
        if svc.overdue(item, today) and item.deadline is not None:
            block += "\n" + ctx.t("progress.overdue", deadline=views.date_of(ctx, item.deadline))
        blocks.append(block)
    done = sum(1 for i in sheet.lines if i.progress >= 100)
    head = ctx.t("progress.title", year=sheet.campaign.year)
    body = "\n\n".join(blocks) if blocks else ctx.t("sheet.empty")
    summary = ctx.t("progress.summary", done=done, total=len(sheet.lines))
    buttons = rows(ctx.choice("progress.history", f"h:{sheet.commitment.id}:0"))
    ctx.reply(Screen(f"{head}\n\n{body}\n\n{summary}", buttons))


async def on_history(ctx: Ctx) -> None:
    """h:COMMITMENT:PAGE — every report of the year, newest first, paged."""
    ids = views.parse_ints(ctx.incoming.callback or "", 2)
    if ids is None:
        ctx.say("button.expired")
        return
    commitment_id, page = ids[0], max(ids[1], 0)
    sheet, found, total = await svc.history(
        ctx.session, ctx.actor, commitment_id, page * HISTORY_PAGE, HISTORY_PAGE
    )
    numbers = {item.id: n for n, item in enumerate(sheet.lines, 1)}
    personal = sheet.commitment.member_id is not None  # a report someone else recorded
    lines = [
        ctx.t(
            "progress.history_line",
            when=views.when(ctx, c.created_at),
            n=numbers.get(c.item_id, "–"),
            progress=c.progress,
            status=ctx.t(f"status.{c.status.value}"),
            proxy=ctx.t("desk.proxy_mark")
            if personal and c.recorded_by != ctx.actor.user_id
            else "",
            note=f" — {c.note}" if c.note else "",
            photo=" 📎" if c.evidence_file_id else "",
        )
        for c in found
    ]
    text = (
        ctx.t("progress.history_title", total=total)
        + "\n\n"
        + ("\n".join(lines) if lines else ctx.t("progress.history_none"))
    )
    nav = views.pager(ctx, f"h:{commitment_id}", page, total, HISTORY_PAGE)
    ctx.reply(Screen(text, (nav,) if nav else (), edit=page > 0))


def register(router: Router) -> None:
    router.command("tiendo", "progress")(on_progress)
    router.menu_item("menu.progress")(on_progress)
    router.button("h")(on_history)
