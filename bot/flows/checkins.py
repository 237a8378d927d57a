"""Reporting progress (báo cáo tiến độ): item, percentage, status, note, photo; one tap each."""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import checkins as svc
from domain import commitments
from domain.errors import DomainError
from render.report_text import shorten
from storage.dto import ItemDTO, Progress

PERCENT, STATUS, NOTE, PHOTO = "chk/progress", "chk/status", "chk/note", "chk/photo"
STATUSES = (Progress.NOT_STARTED, Progress.IN_PROGRESS, Progress.DONE, Progress.BLOCKED)


async def on_start(ctx: Ctx) -> None:
    """📈 Báo cáo tiến độ: pick the item to report on."""
    sheet = await commitments.open_personal(ctx.session, ctx.actor, ctx.now)
    items = svc.checkable(sheet)
    buttons = [
        Choice(
            ctx.t("checkin.pick_line", n=n, text=shorten(i.text, 40), progress=i.progress),
            f"k:i:{i.id}",
        )
        for n, i in enumerate(items, 1)
    ]
    ctx.reply(Screen(ctx.t("checkin.pick"), rows(*buttons)))


async def on_button(ctx: Ctx) -> None:
    """k:i:ITEM, k:p:PERCENT, k:s:STATUS, k:nn (no note), k:save, k:fix:CHECKIN."""
    fields = views.parts(ctx)
    handler = _ACTIONS.get(fields[0] if fields else "")
    if handler is None:
        ctx.say("button.expired")
        return
    await handler(ctx, fields[1] if len(fields) > 1 else "")


async def _begin(ctx: Ctx, arg: str, correcting: int | None = None) -> None:
    item_id = views.number(arg) or 0
    commitment, item = await commitments.owned_item(ctx.session, ctx.actor, item_id)
    if commitment.approved_version == 0:
        raise DomainError("checkin.not_approved")
    data: dict[str, object] = {"item": item.id}
    if correcting is not None:
        data["correcting"] = correcting
    await ctx.set_state(PERCENT, data)
    ctx.reply(_percent_screen(ctx, item))


def _percent_screen(ctx: Ctx, item: ItemDTO) -> Screen:
    buttons = [Choice(f"{n}%", f"k:p:{n}") for n in svc.STEPS]
    text = ctx.t("checkin.ask_percent", text=item.text, progress=item.progress)
    choices = rows(*buttons, width=5) + _back(ctx, "pick")
    return Screen(_stoppable(ctx, text), choices, values=True)  # "5" typed is 5 %


def _stoppable(ctx: Ctx, text: str) -> str:
    """A step of the dialogue says how to leave it."""
    return text + "\n\n" + ctx.t("dialog.stop_hint")


def _back(ctx: Ctx, to: str) -> tuple[tuple[Choice, ...], ...]:
    return ((ctx.choice("nav.back", f"k:b:{to}"),),)


async def _go_back(ctx: Ctx, to: str) -> None:
    """↩️ Quay lại: the step before, with what was chosen there still to change."""
    data = ctx.data
    if not (ctx.state or "").startswith("chk/") and to != "pick":
        ctx.say("button.expired")
        return
    if to == "pick":
        await ctx.clear_state()
        await on_start(ctx)
        return
    item_id = data.get("item")
    if not isinstance(item_id, int):
        raise DomainError("button.expired")
    if to == "p":
        _commitment, item = await commitments.owned_item(ctx.session, ctx.actor, item_id)
        await ctx.set_state(PERCENT, {k: v for k, v in data.items() if k in ("item", "correcting")})
        ctx.reply(_percent_screen(ctx, item))
    elif to == "s":
        await _to_status(ctx, int(str(data.get("progress", 0))))
    else:
        await _status(ctx, str(data.get("status", "")), again=True)


async def _percent_button(ctx: Ctx, arg: str) -> None:
    if ctx.state != PERCENT or views.number(arg) is None:
        ctx.say("button.expired")
        return
    await _to_status(ctx, svc.parse_progress(arg))


async def on_percent_text(ctx: Ctx) -> None:
    """A typed percentage; a bad one is answered and the step stays."""
    await _to_status(ctx, svc.parse_progress(ctx.incoming.text or ""))


async def _to_status(ctx: Ctx, progress: int) -> None:
    await ctx.set_state(STATUS, ctx.data | {"progress": progress})
    order = sorted(STATUSES, key=lambda s: s is not _suggested(progress))
    buttons = [ctx.choice(f"status.{s.value}", f"k:s:{s.value}") for s in order]
    text = _stoppable(ctx, ctx.t("checkin.ask_status", progress=progress))
    ctx.reply(Screen(text, rows(*buttons, width=2) + _back(ctx, "p")))


def _suggested(progress: int) -> Progress:
    if progress == 0:
        return Progress.NOT_STARTED
    return Progress.DONE if progress == 100 else Progress.IN_PROGRESS


async def _status(ctx: Ctx, arg: str, again: bool = False) -> None:
    if (ctx.state != STATUS and not again) or arg not in {s.value for s in STATUSES}:
        ctx.say("button.expired")
        return
    await ctx.set_state(NOTE, ctx.data | {"status": arg})
    choices = rows(ctx.choice("checkin.no_note", "k:nn")) + _back(ctx, "s")
    ctx.reply(Screen(_stoppable(ctx, ctx.t("checkin.ask_note")), choices))


async def on_status_text(ctx: Ctx) -> None:
    ctx.say("reg.use_buttons")


async def on_note(ctx: Ctx) -> None:
    note = svc.check_note(ctx.incoming.text or "")
    await _to_photo(ctx, note)


async def _no_note(ctx: Ctx, _arg: str) -> None:
    if ctx.state != NOTE:
        ctx.say("button.expired")
        return
    await _to_photo(ctx, None)


async def _to_photo(ctx: Ctx, note: str | None) -> None:
    await ctx.set_state(PHOTO, ctx.data | {"note": note})
    choices = rows(ctx.choice("checkin.save", "k:save")) + _back(ctx, "n")
    ctx.reply(Screen(_stoppable(ctx, ctx.t("checkin.ask_photo")), choices))


async def on_photo(ctx: Ctx) -> None:
    """A photo (or an image sent as a file) as evidence; anything else is refused."""
    incoming = ctx.incoming
    is_image = (incoming.mime_type or "").startswith("image/")
    if incoming.file_id is None or not is_image or incoming.content not in ("photo", "document"):
        raise DomainError("checkin.not_image")
    evidence = (incoming.channel, incoming.file_id, incoming.file_unique_id or "")
    await _save(ctx, evidence)


async def _save_button(ctx: Ctx, _arg: str) -> None:
    if ctx.state != PHOTO:
        ctx.say("button.expired")
        return
    await _save(ctx, None)


async def _save(ctx: Ctx, evidence: tuple[str, str, str] | None) -> None:
    data = ctx.data
    item_id, correcting = data.get("item"), data.get("correcting")
    if not isinstance(item_id, int):
        raise DomainError("button.expired")
    report = svc.Report(
        int(str(data.get("progress", 0))),
        Progress(str(data.get("status"))),
        str(data["note"]) if data.get("note") else None,
        evidence,
    )
    done = await svc.record(
        ctx.session,
        ctx.actor,
        item_id,
        report,
        ctx.now,
        correcting if isinstance(correcting, int) else None,
    )
    await ctx.clear_state()
    item = done.item
    text = ctx.t(
        "checkin.saved_fixed" if done.corrected else "checkin.saved",
        text=item.text,
        bar=views.bar(item.progress),
        progress=item.progress,
        status=ctx.t(f"status.{item.status.value}"),
    )
    fix = rows(ctx.choice("checkin.fix", f"k:fix:{done.checkin.id}"))
    ctx.reply(Screen(text, fix))
    if report.status is Progress.BLOCKED:
        await tell_blocked(ctx, item, report.note)


async def tell_blocked(ctx: Ctx, item: ItemDTO, note: str | None) -> None:
    """The cell's leaders learn that an item is blocked (in chat and on the web alike)."""
    sheet = await commitments.sheet(ctx.session, ctx.actor, item.commitment_id)
    leaders = await commitments.reviewers(ctx.session, sheet)
    await ctx.notify(
        leaders,
        "notice.blocked",
        name=sheet.owner_name,
        unit=sheet.unit.name,
        text=item.text,
        note=note or "—",
    )


async def _fix(ctx: Ctx, arg: str) -> None:
    checkin_id = views.number(arg) or 0
    found = await svc.correctable(ctx.session, ctx.actor, checkin_id, ctx.now)
    await _begin(ctx, str(found.item_id), correcting=found.id)


async def _item(ctx: Ctx, arg: str) -> None:
    await _begin(ctx, arg)


async def _back_button(ctx: Ctx, arg: str) -> None:
    if arg not in ("pick", "p", "s", "n"):
        ctx.say("button.expired")
        return
    await _go_back(ctx, arg)


_ACTIONS = {
    "i": _item,
    "p": _percent_button,
    "s": _status,
    "nn": _no_note,
    "save": _save_button,
    "fix": _fix,
    "b": _back_button,
}


def register(router: Router) -> None:
    router.command("baocao", "report")(on_start)
    router.menu_item("menu.checkin")(on_start)
    router.button("k")(on_button)
    router.state(PERCENT)(on_percent_text)
    router.state(STATUS)(on_status_text)
    router.state(NOTE)(on_note)
    router.state(PHOTO, files=True)(on_photo)
