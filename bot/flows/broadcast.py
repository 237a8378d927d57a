"""/thongbao: the committee's announcements, composed in chat.

Steps: the text (or a photo or file with a caption) → where (the admin's whole scope, or
units picked in the tree, each with its subtree) → who (everyone, secretaries, heads of
agencies, members without a submitted commitment) → a preview with the number of recipients
→ send now, or at a time. The draft lives in the conversation, so a slip loses nothing.

Buttons: bc:w:all · bc:u:UNIT:PAGE browse (0: the admin's top units) · bc:t:UNIT:PAGE pick
or unpick · bc:wd picked · bc:a:AUDIENCE · bc:go · bc:at (ask a time) · bc:ed (new text) ·
bc:x drop the draft · bc:l recent · bc:s:ID status · bc:c:ID cancel? · bc:cc:ID cancel.
"""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import broadcasts
from domain.access import require
from domain.errors import DomainError
from domain.units import children, scope_roots
from locales import dates
from render.attachment import Attachment
from render.broadcast_text import report_buttons, report_text
from storage.repos.broadcasts import AUDIENCES

TEXT, DRAFT, TIME = "bc/text", "bc/draft", "bc/time"
PICK_PAGE = 8


async def on_start(ctx: Ctx) -> None:
    """/thongbao: ask for the text; recent broadcasts one tap away."""
    require(ctx.actor.is_admin)
    await ctx.set_state(TEXT, {})
    ctx.reply(Screen(_ask_text(ctx), rows(ctx.choice("bc.recent", "bc:l"))))


async def on_text(ctx: Ctx) -> None:
    """The announcement: a text, or a photo or file with its caption."""
    incoming = ctx.incoming
    attachment = None
    if incoming.content in ("photo", "document") and incoming.file_id:
        attachment = (incoming.content, incoming.file_id)
    elif incoming.content is not None:
        ctx.say("bc.text_or_file")
        return
    raw = incoming.caption if attachment else incoming.text
    text = broadcasts.check_text(raw or "", attachment is not None)
    data: dict[str, object] = {"text": text, "units": [], "audience": None}
    if attachment:
        data["att"] = list(attachment)
    await ctx.set_state(DRAFT, data)
    ctx.reply(_where_screen(ctx))


def _where_screen(ctx: Ctx, edit: bool = False) -> Screen:
    choices = rows(
        ctx.choice("bc.where_all", "bc:w:all"),
        ctx.choice("bc.where_pick", "bc:u:0:0"),
        ctx.choice("bc.drop", "bc:x"),
    )
    return Screen(ctx.t("bc.ask_where"), choices, edit=edit)


def _draft(ctx: Ctx) -> dict[str, object] | None:
    if ctx.state not in (DRAFT, TIME):
        ctx.reply(views.home(ctx, "bc.draft_gone"))
        return None
    return ctx.data


def _units(data: dict[str, object]) -> list[int]:
    value = data.get("units")
    return [int(u) for u in value] if isinstance(value, list) else []


async def _browse(ctx: Ctx, unit_id: int, page: int) -> None:
    """The admin's top units (0), or one unit's children, each with a pick box."""
    data = _draft(ctx)
    if data is None:
        return
    picked = set(_units(data))
    if unit_id == 0:
        units = [u for u in await scope_roots(ctx.session, ctx.actor) if ctx.actor.is_admin_of(u)]
        total = len(units)
        shown = [
            (u.id, u.name, not u.kind.is_cell)
            for u in units[page * PICK_PAGE : (page + 1) * PICK_PAGE]
        ]
        title = ctx.t("bc.pick_title_top")
    else:
        found = await children(ctx.session, ctx.actor, unit_id, page * PICK_PAGE, PICK_PAGE)
        total = found.child_count
        shown = [(k.unit.id, k.unit.name, k.children > 0) for k in found.children]
        title = ctx.t("bc.pick_title", unit=found.unit.name)
    choices: list[tuple[Choice, ...]] = []
    for uid, name, has_kids in shown:
        box = "☑" if uid in picked else "☐"
        row = [Choice(f"{box} {name}", f"bc:t:{uid}:{unit_id}:{page}")]
        if has_kids:
            row.append(Choice("›", f"bc:u:{uid}:0"))
        choices.append(tuple(row))
    nav = views.pager(ctx, f"bc:u:{unit_id}", page, total, PICK_PAGE)
    if nav:
        choices.append(nav)
    choices.append(
        (
            ctx.choice("bc.picked", "bc:wd", n=len(picked)),
            ctx.choice("bc.back_top", "bc:u:0:0"),
        )
    )
    ctx.reply(Screen(title, tuple(choices), edit=True))


async def _toggle(ctx: Ctx, fields: list[str]) -> None:
    data = _draft(ctx)
    unit_id, at, page = (views.int_at(fields, i) for i in (1, 2, 3))
    if data is None or unit_id is None or at is None or page is None:
        return
    await broadcasts.units_named(ctx.session, ctx.actor, [unit_id])  # in scope, or NotFound
    picked = _units(data)
    picked = [u for u in picked if u != unit_id] if unit_id in picked else [*picked, unit_id]
    if len(picked) > broadcasts.MAX_UNITS:
        raise DomainError("bc.too_many_units", max=broadcasts.MAX_UNITS)
    await ctx.set_state(DRAFT, {**data, "units": picked})
    await _browse(ctx, at, page)


async def _who(ctx: Ctx, units: list[int] | None) -> None:
    data = _draft(ctx)
    if data is None:
        return
    if units is not None:
        data = {**data, "units": units}
        await ctx.set_state(DRAFT, data)
    if not _units(data) and units is None:
        ctx.outcome.toast = ctx.t("bc.pick_some")
        return
    choices = rows(*(ctx.choice(f"bc.aud_{a}", f"bc:a:{a}") for a in AUDIENCES))
    ctx.reply(Screen(ctx.t("bc.ask_who"), choices, edit=True))


async def _preview(ctx: Ctx, audience: str) -> None:
    data = _draft(ctx)
    if data is None:
        return
    units = _units(data)
    audience = broadcasts.check_audience(audience)
    n = await broadcasts.count(ctx.session, ctx.actor, units, audience)
    await ctx.set_state(DRAFT, {**data, "audience": audience})
    named = await broadcasts.units_named(ctx.session, ctx.actor, units)
    where = ", ".join(u.name for u in named) if named else ctx.t("bc.where_everything")
    summary = ctx.t("bc.preview", n=n, where=where, who=ctx.t(f"bc.aud_{audience}"))
    ctx.reply(_as_sent(ctx, data))
    choices = rows(
        ctx.choice("bc.send_now", "bc:go"),
        ctx.choice("bc.send_later", "bc:at"),
        ctx.choice("bc.edit_text", "bc:ed"),
        ctx.choice("bc.drop", "bc:x"),
    )
    ctx.reply(Screen(summary if n else ctx.t("bc.nobody"), choices if n else ()))


def _as_sent(ctx: Ctx, data: dict[str, object]) -> Screen:
    """The announcement as members will see it."""
    from render.broadcast_text import announcement_text

    text = announcement_text(ctx.lang, str(data.get("text") or ""))
    att = data.get("att")
    if isinstance(att, list) and len(att) == 2:
        return Screen(text, attachment=Attachment(str(att[0]), "", file_id=str(att[1])))
    return Screen(text)


async def _send(ctx: Ctx, when_raw: str | None) -> None:
    data = _draft(ctx)
    if data is None:
        return
    audience = data.get("audience")
    if not isinstance(audience, str):
        ctx.reply(_where_screen(ctx))
        return
    send_at = ctx.now
    if when_raw is not None:
        send_at = broadcasts.parse_when(when_raw, ctx.config.zone, ctx.now)
    att = data.get("att")
    created = await broadcasts.create(
        ctx.session,
        ctx.actor,
        text=str(data.get("text") or ""),
        attachment=(str(att[0]), str(att[1])) if isinstance(att, list) else None,
        unit_ids=_units(data),
        audience=audience,
        send_at=send_at,
        report_to=(ctx.incoming.channel, ctx.incoming.chat_id),
        now=ctx.now,
    )
    await ctx.clear_state()
    key = "bc.queued_now" if when_raw is None else "bc.queued_later"
    text = ctx.t(key, id=created.id, n=created.recipients, at=views.when(ctx, created.send_at))
    buttons = rows(
        ctx.choice("bc.refresh", f"bc:s:{created.id}"),
        ctx.choice("bc.cancel", f"bc:c:{created.id}"),
    )
    ctx.reply(Screen(text, buttons, edit=when_raw is None))


async def on_time(ctx: Ctx) -> None:
    """A typed time for a scheduled broadcast."""
    await _send(ctx, ctx.incoming.text or "")


async def _status(ctx: Ctx, broadcast_id: int, edit: bool = True) -> None:
    found = await broadcasts.status_of(ctx.session, ctx.actor, broadcast_id)
    markup = report_buttons(ctx.lang, found)
    choices = tuple(tuple(Choice(b["text"], b["data"]) for b in row) for row in markup)
    ctx.reply(Screen(report_text(ctx.lang, found), choices, edit=edit))


async def _recent(ctx: Ctx) -> None:
    found = await broadcasts.recent(ctx.session, ctx.actor)
    if not found:
        ctx.say("bc.none_yet")
        return
    lines = [
        ctx.t(
            "bc.recent_line",
            id=b.id,
            at=views.when(ctx, b.send_at),
            state=ctx.t(f"bc.state_{b.state}"),
            n=b.recipients,
            text=_snippet(b.text),
        )
        for b in found
    ]
    choices = rows(*(Choice(f"#{b.id}", f"bc:s:{b.id}") for b in found), width=5)
    ctx.reply(Screen(ctx.t("bc.recent_title") + "\n\n" + "\n".join(lines), choices))


def _snippet(text: str, limit: int = 40) -> str:
    line = text.split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


async def on_button(ctx: Ctx) -> None:
    fields = views.parts(ctx)
    action = fields[0] if fields else ""
    require(ctx.actor.is_admin)
    number = views.int_at(fields, 1)
    if action == "w":
        await _who(ctx, [])
    elif action == "u" and number is not None:
        await _browse(ctx, number, max(views.int_at(fields, 2) or 0, 0))
    elif action == "t":
        await _toggle(ctx, fields)
    elif action == "wd":
        await _who(ctx, None)
    elif action == "a" and len(fields) > 1:
        await _preview(ctx, fields[1])
    else:
        await _other(ctx, action, number)


async def _other(ctx: Ctx, action: str, number: int | None) -> None:
    if action == "go":
        await _send(ctx, None)
    elif action == "at":
        data = _draft(ctx)
        if data is not None:
            await ctx.set_state(TIME, data)
            ctx.say("bc.ask_time")
    elif action == "ed":
        await ctx.set_state(TEXT, {})
        ctx.reply(Screen(_ask_text(ctx)))
    elif action == "x":
        await ctx.clear_state()
        ctx.reply(views.home(ctx, "bc.dropped"))
    elif action == "l":
        await _recent(ctx)
    elif number is not None:
        await _about(ctx, action, number)
    else:
        ctx.say("button.expired")


async def _about(ctx: Ctx, action: str, number: int) -> None:
    """What can be done with a broadcast already made: status, cancel, resend unknowns."""
    if action == "s":
        await _status(ctx, number)
    elif action == "c":
        await _status(ctx, number, edit=False)
        confirm = rows(ctx.choice("bc.cancel_yes", f"bc:cc:{number}"))
        ctx.reply(Screen(ctx.t("bc.cancel_ask", id=number), confirm))
    elif action == "cc":
        found = await broadcasts.cancel(ctx.session, ctx.actor, number, ctx.now)
        ctx.reply(Screen(ctx.t("bc.cancelled", id=number, n=found.cancelled), edit=True))
    elif action in ("ru", "ruok"):
        await _resend(ctx, number, confirmed=action == "ruok")
    else:
        ctx.say("button.expired")


async def _resend(ctx: Ctx, broadcast_id: int, confirmed: bool) -> None:
    """Send again where delivery is unknown, after saying what that risks."""
    found = await broadcasts.status_of(ctx.session, ctx.actor, broadcast_id)
    if not confirmed:
        yes = rows(ctx.choice("bc.resend_yes", f"bc:ruok:{broadcast_id}"))
        ctx.reply(Screen(ctx.t("bc.resend_ask", id=broadcast_id, n=found.unknown), yes))
        return
    again = await broadcasts.resend_unknown(ctx.session, ctx.actor, broadcast_id, ctx.now)
    ctx.reply(Screen(ctx.t("bc.resent", id=broadcast_id, n=again), edit=True))


def register(router: Router) -> None:
    router.command("thongbao", "broadcast")(on_start)
    router.menu_item("menu.broadcast")(on_start)
    router.state(TEXT, files=True)(on_text)
    router.state(TIME)(on_time)
    router.button("bc")(on_button)


def _ask_text(ctx: Ctx) -> str:
    lang = ctx.lang
    return ctx.t(
        "bc.ask_text",
        text_max=dates.number(broadcasts.TEXT_MAX, lang),
        caption_max=dates.number(broadcasts.CAPTION_MAX, lang),
    )
