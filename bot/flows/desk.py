"""The secretary's desk: /baocao_chibo (the unit's report now), /thanhvien (the members at a
glance, one member's year), nudges, reports recorded for members without a smartphone, the
meeting day and /xuatbaocao (the printable report).

Buttons: dg:r:UNIT report · dg:m:UNIT:PAGE members · dg:p:MEMBER card · dg:n:MEMBER nudge one
· dg:na:UNIT nudge everyone behind · dg:k:MEMBER record for · dg:ki:ITEM item · dg:kp:ITEM:PCT
· dg:x:UNIT printable report · dg:mt:UNIT meeting day · dg:md:UNIT:DAY set it (0 clears).
Every one is checked in the domain against the actor's units: forged data finds nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import views
from bot.context import Ctx
from bot.flows.approvals import decision_buttons
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import checkins, desk, meetings, reports
from domain.digest import average_progress, behind
from render.attachment import Attachment
from render.report_text import digest_buttons, digest_text
from storage.dto import ItemDTO, Progress, State, UnitDTO
from storage.repos.digest import MemberFacts

PERCENTS = (0, 25, 50, 75, 100)


async def _choose_unit(ctx: Ctx, action: str) -> int | None:
    """The unit the actor leads, or a question if they lead several (None then)."""
    units = await reports.led_units(ctx.session, ctx.actor)
    if not units:
        ctx.say("desk.not_leader")
        return None
    if len(units) == 1:
        return units[0].id
    suffix = ":0" if action == "m" else ""
    choices = rows(*(Choice(u.name, f"dg:{action}:{u.id}{suffix}") for u in units))
    ctx.reply(Screen(ctx.t("desk.choose_unit"), choices))
    return None


async def on_report(ctx: Ctx) -> None:
    """/baocao_chibo: the unit's report on the week so far, with chart and spreadsheet."""
    unit_id = await _choose_unit(ctx, "r")
    if unit_id is not None:
        await _report(ctx, str(unit_id))


async def _report(ctx: Ctx, arg: str) -> None:
    from render.report_files import chart_png, digest_xlsx  # heavy: loaded on first use

    digest = await reports.digest_of(ctx.session, ctx.actor, _int(arg), ctx.now, ctx.config.zone)
    lang = ctx.lang
    buttons = digest_buttons(lang, digest, ctx.now)
    choices = tuple(tuple(Choice(b["text"], b["data"]) for b in row) for row in buttons)
    ctx.reply(Screen(digest_text(lang, digest), choices))
    key = "digest.chart_caption_rollup" if digest.rollup else "digest.chart_caption"
    # made off the event loop once the update's transaction is over (bot/runtime.py)
    chart = Attachment.later("photo", "bieu-do.png", chart_png, lang, digest, process=True)
    ctx.reply(Screen(ctx.t(key, unit=digest.unit_name), attachment=chart))
    name = f"bao-cao-tuan-{digest.week.key}-{digest.unit_id}.xlsx"
    book = Attachment.later("document", name, digest_xlsx, lang, digest, ctx.local(ctx.now).date())
    caption = ctx.t("digest.xlsx_caption", week=digest.week.number, unit=digest.unit_name)
    ctx.reply(Screen(caption, attachment=book))


async def on_members(ctx: Ctx) -> None:
    """/thanhvien: the unit's members, each with where they stand."""
    unit_id = await _choose_unit(ctx, "m")
    if unit_id is not None:
        await _roster(ctx, f"{unit_id}:0", edit=False)


async def _roster(ctx: Ctx, arg: str, edit: bool = True) -> None:
    unit_id, page = _ints(arg, 2)
    unit, facts = await desk.roster(ctx.session, ctx.actor, unit_id, ctx.now, ctx.config.zone)
    page = max(page, 0)
    shown = facts[page * views.PAGE : (page + 1) * views.PAGE]
    lines = [
        ctx.t(
            "desk.roster_line",
            n=page * views.PAGE + n,
            mark=_mark(ctx, m),
            name=m.full_name,
            state=_state(ctx, m),
        )
        for n, m in enumerate(shown, 1)
    ]
    head = ctx.t("desk.roster_title", unit=unit.name, total=len(facts))
    body = "\n".join(lines) if lines else ctx.t("desk.roster_empty")
    people = [
        Choice(f"{page * views.PAGE + n}. {m.full_name}", f"dg:p:{m.member_id}")
        for n, m in enumerate(shown, 1)
    ]
    choices = list(rows(*people, width=2))
    nav = views.pager(ctx, f"dg:m:{unit.id}", page, len(facts))
    if nav:
        choices.append(nav)
    late = sum(1 for m in facts if behind(m, ctx.now))
    if late:
        choices.append((ctx.choice("desk.nudge_unit", f"dg:na:{unit.id}", n=late),))
    choices.append(
        (
            ctx.choice("desk.meeting", f"dg:mt:{unit.id}"),
            ctx.choice("desk.export", f"dg:x:{unit.id}"),
        )
    )
    ctx.reply(Screen(f"{head}\n\n{body}", tuple(choices), edit=edit))


def _mark(ctx: Ctx, member: MemberFacts) -> str:
    if member.exempt:
        return ctx.t("roster.mark_exempt")
    if member.blocked or member.chat_id is None:
        return ctx.t("roster.mark_unreachable")
    return ctx.t("roster.mark_behind" if behind(member, ctx.now) else "roster.mark_ok")


def _state(ctx: Ctx, member: MemberFacts) -> str:
    if member.exempt:
        return ctx.t("xlsx.exempt")
    if member.approved:
        state = ctx.t("state.approved")
        return ctx.t("desk.roster_progress", state=state, progress=average_progress(member))
    if member.state is None:
        return ctx.t("xlsx.state_none")
    return ctx.t(f"state.{member.state}")


async def _card(ctx: Ctx, arg: str) -> None:
    found = await desk.card(ctx.session, ctx.actor, _int(arg))
    member, sheet = found.member, found.sheet
    parts = [ctx.t("desk.card_title", name=member.full_name, unit=found.unit.name)]
    if sheet is None:
        parts.append(ctx.t("desk.card_no_commitment"))
    else:
        state = ctx.t(f"state.{sheet.commitment.state.value}")
        parts.append(ctx.t("desk.card_state", year=sheet.campaign.year, state=state))
        parts.append("\n\n".join(_item_block(ctx, n, i) for n, i in enumerate(sheet.lines, 1)))
        parts.append(_recent(ctx, found))
    buttons = [ctx.choice("desk.nudge_one", f"dg:n:{member.id}")]
    if sheet is not None and sheet.commitment.state is State.SUBMITTED:
        buttons += decision_buttons(ctx, sheet.commitment.id, sheet.commitment.version)
    if sheet is not None and sheet.commitment.approved_version > 0:
        buttons.append(ctx.choice("desk.proxy", f"dg:k:{member.id}"))
    buttons.append(ctx.choice("desk.back", f"dg:m:{member.unit_id}:0"))
    ctx.reply(Screen("\n\n".join(parts), rows(*buttons), edit=True))


def _item_block(ctx: Ctx, n: int, item: ItemDTO) -> str:
    return ctx.t(
        "desk.card_item",
        n=n,
        text=item.text,
        bar=views.bar(item.progress),
        progress=item.progress,
        status=ctx.t(f"status.{item.status.value}"),
    )


def _recent(ctx: Ctx, found: desk.Card) -> str:
    assert found.sheet is not None
    numbers = {item.id: n for n, item in enumerate(found.sheet.lines, 1)}
    owner = found.member.user_id
    lines = [
        ctx.t(
            "desk.card_recent_line",
            when=views.when(ctx, c.created_at),
            n=numbers.get(c.item_id, "–"),
            progress=c.progress,
            status=ctx.t(f"status.{c.status.value}"),
            proxy=ctx.t("desk.proxy_mark") if c.recorded_by != owner else "",
        )
        for c in found.recent
    ]
    body = "\n".join(lines) if lines else ctx.t("desk.card_recent_none")
    return ctx.t("desk.card_recent_title") + "\n" + body


async def _nudge_one(ctx: Ctx, arg: str) -> None:
    done = await desk.nudge_member(ctx.session, ctx.actor, _int(arg), ctx.now, ctx.config.zone)
    _say_nudged(ctx, done)


async def _nudge_all(ctx: Ctx, arg: str) -> None:
    done = await desk.nudge_unit(ctx.session, ctx.actor, _int(arg), ctx.now, ctx.config.zone)
    _say_nudged(ctx, done)


def _say_nudged(ctx: Ctx, done: desk.Nudged) -> None:
    if done.none_due:
        ctx.say("desk.nudge_none")
        return
    lines = [ctx.t("desk.nudged", n=done.sent)] if done.sent else []
    if done.already:
        lines.append(ctx.t("desk.nudged_already", n=done.already))
    ctx.reply(Screen("\n".join(lines)))


async def _proxy_items(ctx: Ctx, arg: str) -> None:
    found = await desk.card(ctx.session, ctx.actor, _int(arg))
    if found.sheet is None:
        ctx.say("desk.card_no_commitment")
        return
    items = checkins.checkable(found.sheet)
    labels = [f"{n}. {i.text[:40]} ({i.progress}%)" for n, i in enumerate(items, 1)]
    choices = rows(
        *(Choice(label, f"dg:ki:{i.id}") for label, i in zip(labels, items, strict=True))
    )
    ctx.reply(Screen(ctx.t("desk.proxy_choose_item", name=found.member.full_name), choices))


async def _proxy_percent(ctx: Ctx, arg: str) -> None:
    item_id = _int(arg)
    sheet = await desk.sheet_of_item(ctx.session, ctx.actor, item_id)
    item = next(i for i in sheet.lines if i.id == item_id)
    choices = rows(*(Choice(f"{p}%", f"dg:kp:{item_id}:{p}") for p in PERCENTS), width=5)
    text = ctx.t(
        "desk.proxy_choose_percent", text=item.text, progress=item.progress, name=sheet.owner_name
    )
    ctx.reply(Screen(text, choices, edit=True))


async def _proxy_save(ctx: Ctx, arg: str) -> None:
    item_id, percent = _ints(arg, 2)
    if percent not in PERCENTS:
        ctx.say("button.expired")
        return
    status = Progress.DONE if percent == 100 else Progress.IN_PROGRESS
    report = checkins.Report(percent, status)
    done, sheet = await checkins.record_for(ctx.session, ctx.actor, item_id, report, ctx.now)
    text = done.item.text
    done_text = ctx.t("desk.proxy_done", name=sheet.owner_name, text=text, progress=percent)
    ctx.reply(Screen(done_text, edit=True))
    owners = [o for o in await desk.owners(ctx.session, sheet) if o != ctx.actor.user_id]
    await ctx.notify(owners, "notice.proxy", text=text, progress=percent)


async def on_export(ctx: Ctx) -> None:
    """/xuatbaocao: the unit's commitments and progress, ready to print (XLSX and PDF)."""
    unit_id = await _choose_unit(ctx, "x")
    if unit_id is not None:
        await _export(ctx, str(unit_id))


async def _export(ctx: Ctx, arg: str) -> None:
    from render.report_print import Printable, printable_pdf, printable_xlsx

    zone = ctx.config.zone
    unit, members = await reports.printable_members(
        ctx.session, ctx.actor, _int(arg), ctx.now, zone
    )
    year = next((m.campaign.year for m in members if m.campaign), None)
    signer = ctx.actor.member.full_name if ctx.actor.member and ctx.actor.leads(unit) else ""
    report = Printable(unit.name, year, ctx.local(ctx.now).date(), members, signer)
    stem = f"bao-cao-{report.today.isoformat()}-{unit.id}"
    lang = ctx.lang
    sheet = Attachment.later("document", f"{stem}.xlsx", printable_xlsx, lang, report)
    ctx.reply(Screen(ctx.t("export.caption_xlsx", unit=unit.name), attachment=sheet))
    pdf = Attachment.later("document", f"{stem}.pdf", printable_pdf, lang, report)
    ctx.reply(Screen(ctx.t("export.caption_pdf", unit=unit.name), attachment=pdf))


async def _meeting(ctx: Ctx, arg: str) -> None:
    unit = await reports.visible_unit(ctx.session, ctx.actor, _int(arg))
    ctx.reply(_meeting_screen(ctx, unit))


def _meeting_screen(ctx: Ctx, unit: UnitDTO) -> Screen:
    if unit.meeting_day is None:
        current = ctx.t("meeting.none")
    else:
        upcoming = meetings.next_meeting(unit.meeting_day, ctx.local(ctx.now).date())
        current = ctx.t("meeting.current", day=unit.meeting_day, next=views.date_of(ctx, upcoming))
    days = [
        Choice(str(d), f"dg:md:{unit.id}:{d}")
        for d in range(meetings.DAY_MIN, meetings.DAY_MAX + 1)
    ]
    choices = rows(*days, width=7) + rows(ctx.choice("meeting.clear", f"dg:md:{unit.id}:0"))
    return Screen(ctx.t("meeting.settings", unit=unit.name, current=current), choices, edit=True)


async def _meeting_day(ctx: Ctx, arg: str) -> None:
    unit_id, day = _ints(arg, 2)
    unit = await meetings.set_day(ctx.session, ctx.actor, unit_id, day or None, ctx.now)
    if unit.meeting_day is None:
        ctx.say("meeting.cleared")
        return
    upcoming = meetings.next_meeting(unit.meeting_day, ctx.local(ctx.now).date())
    ctx.say("meeting.saved", day=unit.meeting_day, next=views.date_of(ctx, upcoming))


def _int(arg: str) -> int:
    return _ints(arg, 1)[0]


def _ints(arg: str, count: int) -> list[int]:
    """Integer fields of a callback; forged or cut data gives ids that match nothing."""
    parts = arg.split(":")
    values = [views.number(p) or 0 for p in parts[:count]]
    return values + [0] * (count - len(values))


_ACTIONS: dict[str, Callable[[Ctx, str], Awaitable[None]]] = {
    "r": _report,
    "m": _roster,
    "p": _card,
    "n": _nudge_one,
    "na": _nudge_all,
    "k": _proxy_items,
    "ki": _proxy_percent,
    "kp": _proxy_save,
    "x": _export,
    "mt": _meeting,
    "md": _meeting_day,
}


async def on_button(ctx: Ctx) -> None:
    data = ctx.incoming.callback or ""
    action, _, arg = data.partition(":")[2].partition(":")
    handler = _ACTIONS.get(action)
    if handler is None:
        ctx.say("button.expired")
        return
    await handler(ctx, arg)


def register(router: Router) -> None:
    router.command("baocao_chibo", "unitreport")(on_report)
    router.menu_item("menu.unit_report")(on_report)
    router.command("thanhvien", "members")(on_members)
    router.menu_item("menu.members")(on_members)
    router.command("xuatbaocao", "export")(on_export)
    router.button("dg")(on_button)
