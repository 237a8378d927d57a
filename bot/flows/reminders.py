"""Reminder preferences with buttons: cadence, day, time, quiet hours, pause; snooze from a
reminder itself."""

from __future__ import annotations

from datetime import date, timedelta

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import preferences as svc
from domain.schedules import CADENCES

TIMES = (6 * 60, 7 * 60, 8 * 60, 12 * 60, 17 * 60, 19 * 60, 20 * 60)
QUIET = ((21 * 60, 7 * 60), (22 * 60, 6 * 60), (20 * 60, 8 * 60), (0, 0))
PAUSES = (7, 14, 30)


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


async def on_show(ctx: Ctx, edit: bool = False) -> None:
    """⏰ Nhắc nhở: the member's reminder settings and buttons to change them."""
    prefs = await svc.get(ctx.session, ctx.actor, ctx.config.zone.key, ctx.now)
    quiet = (
        ctx.t("remind.quiet_off")
        if prefs.quiet_start == prefs.quiet_end
        else (f"{_hm(prefs.quiet_start)}–{_hm(prefs.quiet_end)}")
    )
    paused = (
        ctx.t("remind.paused_until", day=prefs.paused_until.strftime("%d/%m/%Y"))
        if prefs.paused_until
        else ctx.t("remind.not_paused")
    )
    text = ctx.t(
        "remind.settings",
        cadence=ctx.t(f"cadence.{prefs.cadence}"),
        day=ctx.t(f"weekday.{prefs.weekday}"),
        time=_hm(prefs.minute),
        quiet=quiet,
        paused=paused,
    )
    buttons = [ctx.choice(f"cadence.{c}", f"r:c:{c}") for c in CADENCES]
    buttons += [Choice(ctx.t(f"weekday.{d}"), f"r:d:{d}") for d in range(7)]
    buttons += [Choice(_hm(m), f"r:t:{m}") for m in TIMES]
    choices = (
        rows(*buttons[:3], width=3) + rows(*buttons[3:10], width=4) + rows(*buttons[10:], width=4)
    )
    quiet_buttons = [
        Choice(ctx.t("remind.quiet_off") if s == e else f"🌙 {_hm(s)}–{_hm(e)}", f"r:q:{s}:{e}")
        for s, e in QUIET
    ]
    pause = [ctx.choice("remind.pause_days", f"r:p:{n}", n=n) for n in PAUSES]
    pause.append(ctx.choice("remind.resume", "r:p:0"))
    choices += rows(*quiet_buttons, width=2) + rows(*pause, width=2)
    ctx.reply(Screen(text, choices, edit=edit))


async def on_button(ctx: Ctx) -> None:
    """r:c:CADENCE, r:d:DAY, r:t:MINUTE, r:q:START:END, r:p:DAYS, r:sn:DAYS."""
    fields = views.parts(ctx)
    action = fields[0] if fields else ""
    value = views.int_at(fields, 1)
    if action == "c" and len(fields) > 1:
        await svc.change(ctx.session, ctx.actor, ctx.now, cadence=fields[1])
    elif action == "d" and value is not None:
        await svc.change(ctx.session, ctx.actor, ctx.now, weekday=value)
    elif action == "t" and value is not None:
        await svc.change(ctx.session, ctx.actor, ctx.now, minute=value)
    elif action == "q" and value is not None and views.int_at(fields, 2) is not None:
        await svc.change(
            ctx.session, ctx.actor, ctx.now, quiet_start=value, quiet_end=views.int_at(fields, 2)
        )
    elif action == "p" and value is not None:
        await _pause(ctx, value)
    elif action == "sn" and value is not None:
        await _snooze(ctx, value)
        return
    else:
        ctx.say("button.expired")
        return
    await on_show(ctx, edit=True)


async def _pause(ctx: Ctx, days: int) -> None:
    today = ctx.local(ctx.now).date()
    until: date | None = today + timedelta(days=days - 1) if days else None
    await svc.change(ctx.session, ctx.actor, ctx.now, paused_until=until)


async def _snooze(ctx: Ctx, days: int) -> None:
    until = await svc.snooze(ctx.session, ctx.actor, days, ctx.now)
    ctx.reply(Screen(ctx.t("remind.snoozed", when=views.when(ctx, until))))


async def on_open(ctx: Ctx) -> None:
    await on_show(ctx)


def register(router: Router) -> None:
    router.command("nhacnho", "reminders")(on_open)
    router.menu_item("menu.reminders")(on_open)
    router.button("r")(on_button)
