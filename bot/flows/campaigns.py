"""The year's campaign in chat (admins): open one, edit the theme and dates, close it."""

from __future__ import annotations

from datetime import date

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import campaigns as svc
from domain.errors import DomainError
from domain.units import scope_roots, visible
from storage.dto import CampaignDTO

THEME, DEADLINE, EDIT = "camp/theme", "camp/deadline", "camp/edit"
DATE_FIELDS = ("deadline", "midyear_review", "yearend_review")


async def on_campaigns(ctx: Ctx) -> None:
    """/dotdangky: the campaign of each tree the admin manages."""
    if not ctx.actor.is_admin:
        raise DomainError("error.not_allowed")
    roots = [u for u in await scope_roots(ctx.session, ctx.actor) if ctx.actor.is_admin_of(u)]
    if len(roots) == 1:
        await show(ctx, roots[0].id)
        return
    buttons = [Choice(u.name, f"cp:u:{u.id}") for u in roots]
    ctx.reply(Screen(ctx.t("campaign.pick_unit" if roots else "unit.no_roots"), rows(*buttons)))


async def show(ctx: Ctx, unit_id: int, edit: bool = False) -> None:
    unit = await visible(ctx.session, ctx.actor, unit_id)
    if not ctx.actor.is_admin_of(unit):
        raise DomainError("error.not_allowed")
    found = [c for c in await svc.of_unit(ctx.session, ctx.actor, unit.id) if c.status == "open"]
    if found:
        ctx.reply(Screen(_card(ctx, found[0], unit.name), _edit_buttons(ctx, found[0]), edit=edit))
        return
    year = ctx.local(ctx.now).year
    buttons = [
        ctx.choice("campaign.new", f"cp:new:{unit.id}:{y}", year=y) for y in (year, year + 1)
    ]
    ctx.reply(Screen(ctx.t("campaign.none", unit=unit.name), rows(*buttons), edit=edit))


def _card(ctx: Ctx, c: CampaignDTO, unit: str) -> str:
    def d(value: date | None) -> str:
        return views.date_of(ctx, value) if value is not None else "—"

    return ctx.t(
        "campaign.card",
        year=c.year,
        unit=unit,
        theme=c.theme,
        opens=d(c.opens_on),
        deadline=d(c.deadline),
        midyear=d(c.midyear_review),
        yearend=d(c.yearend_review),
    )


def _edit_buttons(ctx: Ctx, c: CampaignDTO) -> tuple[tuple[Choice, ...], ...]:
    fields = ("theme", *DATE_FIELDS)
    buttons = [ctx.choice(f"campaign.edit_{f}", f"cp:e:{c.id}:{f}") for f in fields]
    return rows(*buttons, width=2) + ((ctx.choice("campaign.close", f"cp:close:{c.id}"),),)


async def on_button(ctx: Ctx) -> None:
    """cp:u:UNIT, cp:new:UNIT:YEAR, cp:e:ID:FIELD, cp:close:ID, cp:closeok:ID."""
    fields = views.parts(ctx)
    action, target = (fields[0] if fields else ""), views.int_at(fields, 1)
    extra = fields[2] if len(fields) > 2 else ""
    if target is None or action not in _ACTIONS:
        ctx.say("button.expired")
        return
    await _ACTIONS[action](ctx, target, extra)


async def _unit(ctx: Ctx, unit_id: int, _extra: str) -> None:
    await show(ctx, unit_id, edit=True)


async def _new(ctx: Ctx, unit_id: int, extra: str) -> None:
    unit = await visible(ctx.session, ctx.actor, unit_id)
    if not ctx.actor.is_admin_of(unit) or views.number(extra) is None:
        raise DomainError("error.not_allowed")
    await ctx.set_state(THEME, {"unit": unit.id, "year": int(extra)})
    ctx.say("campaign.ask_theme", year=int(extra))


async def on_theme(ctx: Ctx) -> None:
    theme = svc.check_theme(ctx.incoming.text or "")
    await ctx.set_state(DEADLINE, ctx.data | {"theme": theme})
    ctx.say("campaign.ask_deadline", year=ctx.data.get("year", ""))


async def on_deadline(ctx: Ctx) -> None:
    data = ctx.data
    unit_id, year = data.get("unit"), data.get("year")
    if not isinstance(unit_id, int) or not isinstance(year, int):
        raise DomainError("button.expired")
    deadline = svc.parse_date(ctx.incoming.text or "")
    unit = await visible(ctx.session, ctx.actor, unit_id)
    opens = min(ctx.local(ctx.now).date(), deadline)
    campaign = await svc.create(
        ctx.session, ctx.actor, unit, year, str(data.get("theme")), opens, deadline, ctx.now
    )
    await ctx.clear_state()
    ctx.say("campaign.created", year=campaign.year)
    await show(ctx, unit.id)


async def _edit(ctx: Ctx, campaign_id: int, field: str) -> None:
    if field not in ("theme", *DATE_FIELDS):
        ctx.say("button.expired")
        return
    await svc.managed(ctx.session, ctx.actor, campaign_id)
    await ctx.set_state(EDIT, {"campaign": campaign_id, "field": field})
    ctx.say("campaign.ask_theme_edit" if field == "theme" else "campaign.ask_date")


async def on_edit(ctx: Ctx) -> None:
    data = ctx.data
    campaign_id, field = data.get("campaign"), str(data.get("field"))
    if not isinstance(campaign_id, int):
        raise DomainError("button.expired")
    text = ctx.incoming.text or ""
    value: object = text if field == "theme" else svc.parse_date(text)
    campaign = await svc.change(ctx.session, ctx.actor, campaign_id, field, value, ctx.now)
    await ctx.clear_state()
    ctx.say("campaign.saved")
    await show(ctx, campaign.unit_id)


async def _ask_close(ctx: Ctx, campaign_id: int, _extra: str) -> None:
    campaign = await svc.managed(ctx.session, ctx.actor, campaign_id)
    buttons = rows(
        ctx.choice("campaign.close_yes", f"cp:closeok:{campaign.id}"),
        ctx.choice("nav.back", f"cp:u:{campaign.unit_id}"),
    )
    ctx.reply(Screen(ctx.t("campaign.close_ask", year=campaign.year), buttons, edit=True))


async def _close(ctx: Ctx, campaign_id: int, _extra: str) -> None:
    campaign = await svc.close(ctx.session, ctx.actor, campaign_id, ctx.now)
    ctx.reply(Screen(ctx.t("campaign.closed", year=campaign.year), edit=True))


_ACTIONS = {"u": _unit, "new": _new, "e": _edit, "close": _ask_close, "closeok": _close}


def register(router: Router) -> None:
    router.command("dotdangky", "campaign")(on_campaigns)
    router.menu_item("menu.campaign")(on_campaigns)
    router.button("cp")(on_button)
    router.state(THEME)(on_theme)
    router.state(DEADLINE)(on_deadline)
    router.state(EDIT)(on_edit)
