"""Reminder preferences with buttons: cadence, day, time, quiet hours, pause; snooze from a
reminder itself."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import preferences as svc
from domain.errors import DomainError
from domain.schedules import CADENCES, Prefs
from locales import dates

TIME = "remind/time"
TIMES = (6 * 60, 7 * 60, 8 * 60, 12 * 60, 17 * 60, 19 * 60, 20 * 60)
QUIET = ((21 * 60, 7 * 60), (22 * 60, 6 * 60), (20 * 60, 8 * 60), (0, 0))
PAUSES = (7, 14, 30)


def hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


async def on_show(ctx: Ctx, edit: bool = False) -> None:
    """⏰ Nhắc nhở: the member's reminder settings, one button per setting (each opens its
    choices, the current one marked), so the screen fits a phone and a numbered list."""
    prefs = await svc.get(ctx.session, ctx.actor, ctx.config.zone.key, ctx.now)
    values = _values(ctx, prefs)
    zone = _zone_label(ctx, prefs.timezone)
    text = ctx.t("remind.settings", zone=zone, **values)
    buttons = rows(
        ctx.choice("remind.set_cadence", "r:m:c", value=values["cadence"]),
        ctx.choice("remind.set_day", "r:m:d", value=values["day"]),
        ctx.choice("remind.set_time", "r:m:t", value=values["time"]),
        ctx.choice("remind.set_quiet", "r:m:q", value=values["quiet"]),
        ctx.choice("remind.set_pause", "r:m:p", value=values["paused"]),
        ctx.choice("remind.set_zone", "r:m:z", value=zone),
        width=1,
    )
    ctx.reply(Screen(text, buttons, edit=edit))


def _values(ctx: Ctx, prefs: Prefs) -> dict[str, str]:
    quiet = (
        ctx.t("remind.quiet_off")
        if prefs.quiet_start == prefs.quiet_end
        else f"{hm(prefs.quiet_start)}–{hm(prefs.quiet_end)}"
    )
    paused = (
        ctx.t("remind.paused_until", day=views.date_of(ctx, prefs.paused_until))
        if prefs.paused_until
        else ctx.t("remind.not_paused")
    )
    return {
        "cadence": ctx.t(f"cadence.{prefs.cadence}"),
        "day": ctx.t(f"weekday.{prefs.weekday}"),
        "time": hm(prefs.minute),
        "quiet": quiet,
        "paused": paused,
    }


def _marked(label: str, current: bool) -> str:
    return f"✓ {label}" if current else label


async def _menu(ctx: Ctx, which: str) -> None:
    """One setting's choices, the current one marked ✓, and the way back."""
    prefs = await svc.get(ctx.session, ctx.actor, ctx.config.zone.key, ctx.now)
    found = _CHOICES.get(which)
    if which == "z":
        key, choices, width = await _zones(ctx, prefs)
    elif found is None:
        ctx.say("button.expired")
        return
    else:
        key, choices, width = found(ctx, prefs)
    back = (ctx.choice("nav.back", "r:m:home"),)
    typed = which == "t"  # the time may be typed: "8" is 08:00, "20:30", "7h"
    if typed:
        await ctx.set_state(TIME, {})
    elif ctx.state == TIME:
        await ctx.clear_state()
    screen = Screen(ctx.t(key), rows(*choices, width=width) + (back,), edit=True, values=typed)
    ctx.reply(screen)


def _cadences(ctx: Ctx, prefs: Prefs) -> tuple[str, list[Choice], int]:
    found = [
        Choice(_marked(ctx.t(f"cadence.{c}"), c == prefs.cadence), f"r:c:{c}") for c in CADENCES
    ]
    return "remind.ask_cadence", found, 1


def _days(ctx: Ctx, prefs: Prefs) -> tuple[str, list[Choice], int]:
    found = [
        Choice(_marked(ctx.t(f"weekday.{d}"), d == prefs.weekday), f"r:d:{d}") for d in range(7)
    ]
    return "remind.ask_day", found, 2


def _times(ctx: Ctx, prefs: Prefs) -> tuple[str, list[Choice], int]:
    found = [Choice(_marked(hm(m), m == prefs.minute), f"r:t:{m}") for m in TIMES]
    return "remind.ask_time", found, 2


def _quiet(ctx: Ctx, prefs: Prefs) -> tuple[str, list[Choice], int]:
    found = [
        Choice(
            _marked(
                ctx.t("remind.quiet_off") if s == e else f"🌙 {hm(s)}–{hm(e)}",
                (s, e) == (prefs.quiet_start, prefs.quiet_end),
            ),
            f"r:q:{s}:{e}",
        )
        for s, e in QUIET
    ]
    return "remind.ask_quiet", found, 1


def _pauses(ctx: Ctx, prefs: Prefs) -> tuple[str, list[Choice], int]:
    found = [ctx.choice("remind.pause_days", f"r:p:{n}", n=n) for n in PAUSES]
    found.append(Choice(_marked(ctx.t("remind.resume"), prefs.paused_until is None), "r:p:0"))
    return "remind.ask_pause", found, 1


def _zone_label(ctx: Ctx, zone: str) -> str:
    """'Giờ Việt Nam (UTC+07:00)'."""
    return dates.zone(zone, ctx.now, ctx.lang)


async def _zones(ctx: Ctx, prefs: Prefs) -> tuple[str, list[Choice], int]:
    chosen = await svc.own_zone(ctx.session, ctx.actor, ctx.now)
    own = Choice(
        _marked(ctx.t("remind.zone_default", zone=_zone_label(ctx, ctx.config.zone.key)),
                chosen is None),
        "r:z:d",
    )  # fmt: skip
    found = [
        Choice(_marked(_zone_label(ctx, z), z == chosen), f"r:z:{n}")
        for n, z in enumerate(svc.ZONES)
    ]
    return "remind.ask_zone", [own, *found], 1


_CHOICES = {"c": _cadences, "d": _days, "t": _times, "q": _quiet, "p": _pauses}


async def on_button(ctx: Ctx) -> None:
    """r:m:WHICH a setting's choices (r:m:home the settings), r:c:CADENCE, r:d:DAY,
    r:t:MINUTE, r:q:START:END, r:p:DAYS, r:sn:DAYS."""
    fields = views.parts(ctx)
    action = fields[0] if fields else ""
    value = views.int_at(fields, 1)
    if action == "m" and len(fields) > 1:
        await (on_show(ctx, edit=True) if fields[1] == "home" else _menu(ctx, fields[1]))
        return
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
    elif action == "z" and len(fields) > 1:
        await _set_zone(ctx, fields[1])
    elif action == "sn" and value is not None:
        await _snooze(ctx, value)
        return
    else:
        ctx.say("button.expired")
        return
    await on_show(ctx, edit=True)


async def on_time_text(ctx: Ctx) -> None:
    """A typed time of day for the reminder."""
    minute = parse_time(ctx.incoming.text or "")
    if minute is None:
        raise DomainError("remind.bad_time")
    await ctx.clear_state()
    await svc.change(ctx.session, ctx.actor, ctx.now, minute=minute)
    await on_show(ctx)


_TIME = re.compile(r"^\s*(\d{1,2})(?:\s*[:hg.]\s*(\d{2})?)?\s*$", re.IGNORECASE)


def parse_time(text: str) -> int | None:
    """'8' → 08:00, '20:30', '7h', '7h15', '19g' → minutes after midnight; None otherwise."""
    found = _TIME.match(text)
    if found is None or not found.group(1).isascii():
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    return hour * 60 + minute if hour < 24 and minute < 60 else None


async def _set_zone(ctx: Ctx, pick: str) -> None:
    number = views.number(pick)
    zone = (
        None
        if pick == "d"
        else svc.ZONES[number]
        if number is not None and number < len(svc.ZONES)
        else ""
    )
    await svc.change(ctx.session, ctx.actor, ctx.now, timezone=zone)


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
    router.state(TIME)(on_time_text)
