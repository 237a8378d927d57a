"""Campaigns: the year's theme and dates for one tree; exactly one open per tree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, validation
from domain.access import Actor, require
from domain.errors import DomainError, NotFound
from domain.units import visible
from storage.dto import CampaignDTO, UnitDTO
from storage.repos import campaigns as repo
from storage.repos import schedules as schedule_repo

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
    await schedule_repo.wake_under(session, unit.path, now)  # registration reminders are due
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


def path_ids(path: str) -> list[int]:
    """'/1/5/9/' -> [1, 5, 9]: the unit and its ancestors, root first."""
    return [int(p) for p in path.strip("/").split("/") if p]


def nearest(path: str, open_by_unit: Mapping[int, CampaignDTO]) -> CampaignDTO | None:
    """THE rule: a unit follows the open campaign set on the nearest unit at or above it
    (a grassroots committee's own campaign overrides the bloc's for its cells)."""
    for unit_id in reversed(path_ids(path)):
        if unit_id in open_by_unit:
            return open_by_unit[unit_id]
    return None


async def followed(session: AsyncSession, paths: Iterable[str]) -> dict[str, CampaignDTO | None]:
    """The campaign each unit (given by its path) follows, by `nearest`; one query.

    Every report, statistic, reminder and screen that asks "which year's registration counts
    for this member" calls this, so the answers agree everywhere."""
    wanted = set(paths)
    ids = sorted({u for path in wanted for u in path_ids(path)})
    by_unit = {c.unit_id: c for c in await repo.open_for_units(session, ids)}
    return {path: nearest(path, by_unit) for path in wanted}


async def current(session: AsyncSession, unit: UnitDTO) -> CampaignDTO | None:
    """The open campaign that covers the unit: the one set nearest above it."""
    return (await followed(session, [unit.path]))[unit.path]


async def followed_by_units(
    session: AsyncSession, units: Iterable[UnitDTO]
) -> dict[int, CampaignDTO | None]:
    """`followed`, keyed by unit id."""
    found = list(units)
    by_path = await followed(session, [u.path for u in found])
    return {u.id: by_path[u.path] for u in found}


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
    unit = await visible(session, actor, campaign.unit_id)
    await schedule_repo.wake_under(session, unit.path, now)  # a new deadline: new reminders
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


async def close(
    session: AsyncSession, actor: Actor, campaign_id: int, now: datetime
) -> CampaignDTO:
    campaign = await managed(session, actor, campaign_id)
    if campaign.status != "open":
        raise DomainError("campaign.already_closed")
    await repo.change(session, campaign.id, status="closed")
    unit = await visible(session, actor, campaign.unit_id)
    await schedule_repo.wake_under(session, unit.path, now)
    await audit.record(
        session, actor, "campaign_close", now, unit_id=campaign.unit_id,
        subject=f"campaign:{campaign.id}", year=campaign.year,
    )  # fmt: skip
    return campaign


async def of_unit(session: AsyncSession, actor: Actor, unit_id: int) -> list[CampaignDTO]:
    unit = await visible(session, actor, unit_id)
    return await repo.of_unit(session, unit.id)


def parse_date(raw: str) -> date:
    """dd/mm/yyyy (also with - or .), as officials write dates."""
    text = raw.strip().replace("-", "/").replace(".", "/")
    parts = text.split("/")
    numbers = [validation.whole_number(p) for p in parts]
    if len(numbers) != 3 or any(n is None for n in numbers):
        raise DomainError("campaign.bad_date")
    day, month, year = (n or 0 for n in numbers)
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError("campaign.bad_date") from None
