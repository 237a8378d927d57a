"""/thongke: roll-up statistics for admins, a unit and its child units, with drill-down,
an XLSX export and a chart.

Buttons: st:u:UNIT:PAGE a unit (its children paged for drilling) · st:x:UNIT spreadsheet ·
st:c:UNIT chart. Every one is checked in the domain against the admin's scope.
"""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import stats
from domain.access import require
from domain.stats import Rollup, UnitStats
from render.attachment import Attachment
from render.report_text import LIMIT

TEXT_LINES = 30
DRILL_PAGE = 8


async def on_stats(ctx: Ctx) -> None:
    require(ctx.actor.is_admin)
    tops = await stats.top_units(ctx.session, ctx.actor)
    if not tops:
        ctx.say("stats.no_units")
        return
    if len(tops) == 1:
        await _show(ctx, tops[0].id, 0, edit=False)
        return
    choices = rows(*(Choice(u.name, f"st:u:{u.id}:0") for u in tops))
    ctx.reply(Screen(ctx.t("stats.choose"), choices))


def _line(ctx: Ctx, n: int, s: UnitStats) -> str:
    return ctx.t(
        "stats.line",
        n=n,
        name=s.name,
        members=s.members,
        registered=s.registered_pct,
        approved=s.approved_pct,
        active=s.active_pct,
        unreachable=s.unreachable,
    )


def _text(ctx: Ctx, found: Rollup) -> str:
    total = found.total
    head = ctx.t("stats.title", path=" / ".join(found.path))
    summary = ctx.t(
        "stats.total",
        members=total.members,
        joined=total.joined,
        registered=total.registered,
        registered_pct=total.registered_pct,
        approved=total.approved,
        approved_pct=total.approved_pct,
        active=total.active,
        active_pct=total.active_pct,
        unreachable=total.unreachable,
    )
    parts = [head, summary]
    if found.children:
        parts.append(ctx.t("stats.children", n=len(found.children)))
        lines = [_line(ctx, n, s) for n, s in enumerate(found.children[:TEXT_LINES], 1)]
        rest = len(found.children) - TEXT_LINES
        if rest > 0:
            lines.append(ctx.t("stats.more", n=rest))
        parts.append("\n".join(lines))
    text = "\n\n".join(parts)
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"


async def _show(ctx: Ctx, unit_id: int, page: int, edit: bool = True) -> None:
    found = await stats.rollup(ctx.session, ctx.actor, unit_id, ctx.now)
    by_name = sorted(found.children, key=lambda s: s.name)
    shown = by_name[page * DRILL_PAGE : (page + 1) * DRILL_PAGE]
    choices = list(rows(*(Choice(f"› {s.name}", f"st:u:{s.unit_id}:0") for s in shown), width=2))
    nav = views.pager(ctx, f"st:u:{unit_id}", page, len(by_name), DRILL_PAGE)
    if nav:
        choices.append(nav)
    tools = [ctx.choice("stats.xlsx", f"st:x:{unit_id}")]
    if found.children:
        tools.append(ctx.choice("stats.chart", f"st:c:{unit_id}"))
    parent = found.unit.parent_id
    if parent is not None and ctx.actor.sees_path(found.unit.parent_path):
        tools.append(ctx.choice("stats.up", f"st:u:{parent}:0"))
    choices.append(tuple(tools))
    ctx.reply(Screen(_text(ctx, found), tuple(choices), edit=edit))


async def _xlsx(ctx: Ctx, unit_id: int) -> None:
    from render.admin_files import stats_xlsx

    found = await stats.rollup(ctx.session, ctx.actor, unit_id, ctx.now)
    title = ctx.t("stats.file_title", unit=found.unit.name, day=views.day(ctx, ctx.now))
    name = f"thong-ke-{found.unit.id}-{ctx.local(ctx.now):%Y%m%d}.xlsx"
    rows = [found.total, *found.children]
    sheet = Attachment.later("document", name, stats_xlsx, ctx.lang, title, rows)
    ctx.reply(Screen(title, attachment=sheet))


async def _chart(ctx: Ctx, unit_id: int) -> None:
    from render.admin_files import stats_png

    found = await stats.rollup(ctx.session, ctx.actor, unit_id, ctx.now)
    title = ctx.t("stats.chart_title", unit=found.unit.name)
    chart = Attachment.later(
        "photo", "thong-ke.png", stats_png, ctx.lang, title, found.children, process=True
    )
    ctx.reply(Screen(title, attachment=chart))


async def on_button(ctx: Ctx) -> None:
    require(ctx.actor.is_admin)
    fields = views.parts(ctx)
    unit_id = views.int_at(fields, 1)
    action = fields[0] if fields else ""
    if unit_id is None:
        ctx.say("button.expired")
    elif action == "u":
        await _show(ctx, unit_id, max(views.int_at(fields, 2) or 0, 0))
    elif action == "x":
        await _xlsx(ctx, unit_id)
    elif action == "c":
        await _chart(ctx, unit_id)
    else:
        ctx.say("button.expired")


def register(router: Router) -> None:
    router.command("thongke", "stats")(on_stats)
    router.menu_item("menu.stats")(on_stats)
    router.button("st")(on_button)
