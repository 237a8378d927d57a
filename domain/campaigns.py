"""Campaigns: the year's theme and dates for one tree; exactly one open per tree."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, validation
from domain.access import Actor, require
from domain.errors import DomainError, NotFound
from domain.units import visible
from storage.dto import CampaignDTO, UnitDTO
from storage.repos import campaigns as repo

THEME_MIN, THEME_MAX = 5, 300
FIELDS = ("theme", "deadline", "midyear_review", "yearend_review")


def check_dates(
    year: int, opens_on: date, deadline: date, midyear: date | None, yearend: date | None
) -> None:
    if not 2000 <= year <= 2100:
        raise DomainError("campaign.bad_year")
    if deadline < opens_on or deadline.year != year:
        raise DomainError("campaign.bad_deadline", year=year)
    for moment in (midyear, yearend):
        if moment is not None and moment.year != year:
            raise DomainError("campaign.bad_review", year=year)


def check_theme(raw: str) -> str:
    theme = validation.normalize(raw)
    if not THEME_MIN <= len(theme) <= THEME_MAX:
        raise DomainError("campaign.theme_length", min=THEME_MIN, max=THEME_MAX, got=len(theme))
    return theme


async def create(
    session: AsyncSession,
    actor: Actor | None,
    unit: UnitDTO,
    year: int,
    theme: str,
    opens_on: date,
    deadline: date,
    now: datetime,
    midyear: date | None = None,
    yearend: date | None = None,
) -> CampaignDTO:
    """Open the year's campaign for the tree under `unit` (actor None: the operator's CLI)."""
    if actor is not None:
        require(actor.is_admin_of(unit))
    theme = check_theme(theme)
    midyear = midyear or date(year, 6, 30)
    yearend = yearend or date(year, 12, 15)
    check_dates(year, opens_on, deadline, midyear, yearend)
    if await repo.open_for_units(session, [unit.id]):
        raise DomainError("campaign.already_open")
    if any(c.year == year for c in await repo.of_unit(session, unit.id)):
        raise DomainError("campaign.year_exists", year=year)
    made = await repo.add(session, unit.id, year, theme, opens_on, deadline, midyear, yearend, now)
    await audit.record(
        session,
        actor,
        "campaign_create",
        now,
        unit_path=unit.path,
        subject=f"campaign:{made.id}",
        year=year,
        deadline=deadline.isoformat(),
    )
    return made


async def current(session: AsyncSession, unit: UnitDTO) -> CampaignDTO | None:
    """The open campaign that covers the unit: the one set nearest above it."""
    found = {c.unit_id: c for c in await repo.open_for_units(session, unit.ancestor_ids)}
    for unit_id in reversed(unit.ancestor_ids):
        if unit_id in found:
            return found[unit_id]
    return None


async def managed(session: AsyncSession, actor: Actor, campaign_id: int) -> CampaignDTO:
    campaign = await repo.get(session, campaign_id)
    if campaign is None:
        raise NotFound()
    unit = await visible(session, actor, campaign.unit_id)
    require(actor.is_admin_of(unit))
    return campaign


async def change(
    session: AsyncSession,
    actor: Actor,
    campaign_id: int,
    field: str,
    value: object,
    now: datetime,
) -> CampaignDTO:
    """Edit the theme or one of the dates of an open campaign."""
    campaign = await managed(session, actor, campaign_id)
    if field not in FIELDS or campaign.status != "open":
        raise DomainError("error.bad_choice")
    if field == "theme":
        value = check_theme(str(value))
    else:
        assert isinstance(value, date)
        dates = {
            "deadline": campaign.deadline,
            "midyear_review": campaign.midyear_review,
            "yearend_review": campaign.yearend_review,
        } | {field: value}
        check_dates(
            campaign.year,
            campaign.opens_on,
            dates["deadline"] or campaign.deadline,
            dates["midyear_review"],
            dates["yearend_review"],
        )
    await repo.change(session, campaign.id, **{field: value})
    await audit.record(
        session,
        actor,
        "campaign_change",
        now,
        unit_id=campaign.unit_id,
        subject=f"campaign:{campaign.id}",
        field=field,
        value=str(value),
    )
    updated = await repo.get(session, campaign.id)
    assert updated is not None
    return updated


async def close(session: AsyncSession, actor: Actor, campaign_id: int) -> CampaignDTO:
    campaign = await managed(session, actor, campaign_id)
    await repo.change(session, campaign.id, status="closed")
    return campaign


async def of_unit(session: AsyncSession, actor: Actor, unit_id: int) -> list[CampaignDTO]:
    unit = await visible(session, actor, unit_id)
    return await repo.of_unit(session, unit.id)


def parse_date(raw: str) -> date:
    """dd/mm/yyyy (also with - or .), as officials write dates."""
    text = raw.strip().replace("-", "/").replace(".", "/")
    parts = text.split("/")
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day)
    except ValueError:
        raise DomainError("campaign.bad_date") from None
