"""Pieces of screens used by several flows: the home menu, dates, unit and role names."""

from __future__ import annotations

from datetime import date, datetime

from bot.context import Ctx
from bot.i18n import Lazy
from bot.screens import Choice, Screen
from domain import validation
from locales import dates
from storage.dto import Role, UnitDTO, UnitKind

PAGE = 8


def when(ctx: Ctx, moment: datetime) -> str:
    return dates.moment(ctx.local(moment), ctx.lang)


def day(ctx: Ctx, moment: datetime) -> str:
    return dates.day(ctx.local(moment).date(), ctx.lang)


def date_of(ctx: Ctx, value: date) -> str:
    return dates.day(value, ctx.lang)


def kind_name(kind: UnitKind) -> Lazy:
    return Lazy.of(f"kind.{kind.value}")


def role_name(role: Role) -> Lazy:
    return Lazy.of(f"role.{role.value}")


def menu_rows(ctx: Ctx) -> tuple[tuple[str, ...], ...] | None:
    """The home reply keyboard for what this person may do."""
    actor = ctx.actor
    rows: list[tuple[str, ...]] = []
    if actor.member is not None:
        rows.append((ctx.t("menu.commitment"), ctx.t("menu.checkin")))
        rows.append((ctx.t("menu.progress"), ctx.t("menu.reminders")))
        rows.append((ctx.t("menu.profile"), ctx.t("menu.help")))
    if actor.is_leader:
        rows.append((ctx.t("menu.unit_report"), ctx.t("menu.members")))
    if actor.is_leader or actor.is_admin:
        rows.append((ctx.t("menu.pending"), ctx.t("menu.units")))
        rows.append((ctx.t("menu.invites"),))
    if actor.is_admin:
        rows.append((ctx.t("menu.broadcast"), ctx.t("menu.stats")))
        rows.append((ctx.t("menu.campaign"),))
    if not rows:
        return None
    last: tuple[str, ...] = (ctx.t("menu.language"),)
    if actor.member is None:
        last = (ctx.t("menu.help"), *last)
    if ctx.config.site:  # the web app is served: one tap to a signed-in page
        last += (ctx.t("menu.web"),)
    rows.append(last)
    return tuple(rows)


def home(ctx: Ctx, key: str = "home.ready", **params: object) -> Screen:
    """A message that also (re)shows the home menu."""
    menu = menu_rows(ctx)
    return Screen(ctx.t(key, **params), menu=menu, remove_menu=menu is None)


def pager(ctx: Ctx, base: str, page: int, total: int, size: int = PAGE) -> tuple[Choice, ...]:
    """Previous/next buttons for a list shown `size` at a time."""
    buttons = []
    if page > 0:
        buttons.append(ctx.choice("nav.prev", f"{base}:{page - 1}"))
    if (page + 1) * size < total:
        buttons.append(ctx.choice("nav.next", f"{base}:{page + 1}"))
    return tuple(buttons)


def unit_title(ctx: Ctx, unit: UnitDTO) -> str:
    return ctx.t("unit.title", name=unit.name, kind=kind_name(unit.kind))


def number(text: str) -> int | None:
    """A whole number as people and buttons write it: ASCII digits only (not "²", "①" or
    "--5"), at most 9 of them (no 5,000-digit id reaches the database); else None."""
    return validation.whole_number(text)


def parse_ints(data: str, count: int) -> list[int] | None:
    """The integer fields after the prefix of a callback, or None if forged or malformed."""
    parts = data.split(":")[1:]
    if len(parts) < count:
        return None
    values = [number(p) for p in parts[:count]]
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def parts(ctx: Ctx) -> list[str]:
    """The fields of a callback after its prefix: 'c:add:12:example' -> ['add', '12', 'example']."""
    return (ctx.incoming.callback or "").split(":")[1:]


def int_at(fields: list[str], index: int) -> int | None:
    return number(fields[index]) if index < len(fields) else None


def bar(percent: int, width: int = 10) -> str:
    """A text progress bar that reads on any phone: ▓▓▓▓▓░░░░░"""
    filled = round(max(0, min(100, percent)) * width / 100)
    return "▓" * filled + "░" * (width - filled)


def month_label(ctx: Ctx, moment: date) -> str:
    return dates.month(moment, ctx.lang)
