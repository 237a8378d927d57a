"""/nhapdanhsach: an admin imports members from a spreadsheet sent to the bot.

The file is checked first and nothing is written: the admin sees how many rows are good and,
by line number, what is wrong with the others (all of them in an XLSX when there are many).
A file without errors is imported on "Nhập"; a file with errors only if the admin chooses to
import the good rows. The rows wait in the conversation meanwhile, and are checked again
against the tree when confirmed. The result comes with the members' personal invite links.

Buttons: imp:ok import (the good rows) · imp:x drop · imp:tpl the template.
"""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Screen, rows
from domain import imports, tables
from domain.access import require
from domain.errors import DomainError
from domain.imports import ImportCheck
from domain.tables import Table
from render.attachment import Attachment

FILE, READY = "imp/file", "imp/ready"
CHAT_MAX_ROWS = 20_000  # bigger files: `neuguong import members`
SHOWN_ERRORS = 15
SHOWN_UNITS = 20


async def on_start(ctx: Ctx) -> None:
    require(ctx.actor.is_admin)
    await ctx.set_state(FILE, {})
    choices = rows(ctx.choice("imp.template", "imp:tpl"), ctx.choice("imp.drop", "imp:x"))
    ctx.reply(Screen(ctx.t("imp.ask_file", max=CHAT_MAX_ROWS), choices))


async def on_file(ctx: Ctx) -> None:
    require(ctx.actor.is_admin)
    incoming = ctx.incoming
    if incoming.content != "document" or not incoming.file_name:
        ctx.say("imp.need_file")
        return
    if incoming.file_data is None:
        raise DomainError("import.unreadable")
    table = tables.read(incoming.file_data, incoming.file_name)
    if len(table.rows) > CHAT_MAX_ROWS:
        raise DomainError("imp.too_big_for_chat", max=CHAT_MAX_ROWS)
    found = await imports.check(ctx.session, ctx.actor, table)
    await ctx.set_state(
        READY,
        {"columns": sorted(table.columns), "rows": [[n, v] for n, v in table.rows]},
    )
    _report(ctx, found)


def _report(ctx: Ctx, found: ImportCheck) -> None:
    from render.admin_files import plan_xlsx

    parts = [ctx.t("imp.checked", total=found.total, good=found.good, bad=len(found.errors))]
    if found.units:
        paths = [f"• {u.path}" for u in found.units[:SHOWN_UNITS]]
        more = len(found.units) - SHOWN_UNITS
        tail = [ctx.t("imp.more_units", n=more)] if more > 0 else []
        parts.append("\n".join([ctx.t("imp.new_units", n=len(found.units)), *paths, *tail]))
    if found.moves:
        lines = [
            ctx.t("imp.move_line", name=m.full_name, source=m.source, target=found.paths[m.cell])
            for m in found.moves[:SHOWN_UNITS]
        ]
        more = len(found.moves) - SHOWN_UNITS
        tail = [ctx.t("imp.more_moves", n=more)] if more > 0 else []
        parts.append("\n".join([ctx.t("imp.moves", n=len(found.moves)), *lines, *tail]))
    if found.errors:
        lines = [
            ctx.t("imp.error_line", line=e.line, reason=ctx.t(e.key, **e.params))
            for e in found.errors[:SHOWN_ERRORS]
        ]
        if len(found.errors) > SHOWN_ERRORS:
            lines.append(ctx.t("imp.more_errors", n=len(found.errors) - SHOWN_ERRORS))
        parts.append("\n".join(lines))
    buttons = []
    if found.good:
        key = "imp.import_good" if found.errors else "imp.import_all"
        buttons.append(ctx.choice(key, "imp:ok", n=found.good))
    buttons.append(ctx.choice("imp.drop", "imp:x"))
    ctx.reply(Screen("\n\n".join(parts), rows(*buttons)))
    long = max(len(found.units), len(found.moves)) > SHOWN_UNITS
    if len(found.errors) > SHOWN_ERRORS or long:
        caption = ctx.t("imp.plan_file", n=len(found.errors))
        plan = Attachment.later("document", "kiem-tra-nhap.xlsx", plan_xlsx, ctx.lang, found)
        ctx.reply(Screen(caption, attachment=plan))


def _table(data: dict[str, object]) -> Table | None:
    columns, lines = data.get("columns"), data.get("rows")
    if not isinstance(columns, list) or not isinstance(lines, list):
        return None
    return Table(frozenset(str(c) for c in columns), [(int(n), dict(v)) for n, v in lines])


async def _confirm(ctx: Ctx) -> None:
    from render.admin_files import links_xlsx

    table = _table(ctx.data) if ctx.state == READY else None
    if table is None:
        ctx.reply(views.home(ctx, "imp.gone"))
        return
    found = await imports.check(ctx.session, ctx.actor, table)
    done = await imports.apply(ctx.session, ctx.actor, found, ctx.now)
    await ctx.clear_state()
    text = ctx.t(
        "imp.done",
        created=done.created,
        updated=done.updated,
        unchanged=done.unchanged,
        units=done.units_created,
        skipped=len(found.errors),
        moved=done.moved,
    )
    ctx.reply(Screen(text, edit=True))
    if done.links:
        caption = ctx.t("imp.links_file", n=len(done.links), days=imports.INVITE_DAYS)
        name = f"link-moi-{ctx.local(ctx.now):%Y%m%d-%H%M}.xlsx"
        sheet = Attachment.later(
            "document", name, links_xlsx, ctx.lang, done.links, ctx.config.link
        )
        ctx.reply(Screen(caption, attachment=sheet))


async def on_button(ctx: Ctx) -> None:
    require(ctx.actor.is_admin)
    action = (views.parts(ctx) or [""])[0]
    if action == "ok":
        await _confirm(ctx)
    elif action == "x":
        await ctx.clear_state()
        ctx.reply(views.home(ctx, "imp.dropped"))
    elif action == "tpl":
        ctx.reply(Screen(ctx.t("imp.template_caption"), attachment=_template(ctx)))
    else:
        ctx.say("button.expired")


def _template(ctx: Ctx) -> Attachment:
    from render.admin_files import template_xlsx

    return Attachment("document", "mau-danh-sach-dang-vien.xlsx", template_xlsx(ctx.lang))


def register(router: Router) -> None:
    router.command("nhapdanhsach", "import")(on_start)
    router.state(FILE, files=True)(on_file)
    router.state(READY, files=True)(on_file)  # another file replaces the one checked
    router.button("imp")(on_button)
