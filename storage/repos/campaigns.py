"""Campaigns: one open year per tree."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import core_rows
from storage.dto import CampaignDTO
from storage.models import Campaign

# Which campaign the units at these paths follow: the domain's one rule
# (domain.campaigns.followed), handed to the loaders that need it.
Follow = Callable[[AsyncSession, Iterable[str]], Awaitable[dict[str, CampaignDTO | None]]]


def to_dto(row: Campaign | Row[Any]) -> CampaignDTO:
    return CampaignDTO(
        row.id,
        row.unit_id,
        row.year,
        row.theme,
        row.opens_on,
        row.deadline,
        row.midyear_review,
        row.yearend_review,
        row.status,
    )


async def get(session: AsyncSession, campaign_id: int) -> CampaignDTO | None:
    row = await session.get(Campaign, campaign_id)
    return to_dto(row) if row else None


_OPEN_FOR = select(Campaign.__table__).where(
    Campaign.unit_id.in_(bindparam("unit_ids", expanding=True)), Campaign.status == "open"
)


async def open_for_units(session: AsyncSession, unit_ids: Sequence[int]) -> list[CampaignDTO]:
    """Open campaigns set on any of these units (a unit and its ancestors)."""
    rows = await core_rows(session, _OPEN_FOR, unit_ids=list(unit_ids))
    return [to_dto(r) for r in rows]


async def of_unit(session: AsyncSession, unit_id: int) -> list[CampaignDTO]:
    rows = await session.scalars(
        select(Campaign).where(Campaign.unit_id == unit_id).order_by(Campaign.year.desc())
    )
    return [to_dto(r) for r in rows]


async def add(
    session: AsyncSession,
    unit_id: int,
    year: int,
    theme: str,
    opens_on: date,
    deadline: date,
    midyear: date | None,
    yearend: date | None,
    now: datetime,
) -> CampaignDTO:
    row = Campaign(
        unit_id=unit_id,
        year=year,
        theme=theme,
        opens_on=opens_on,
        deadline=deadline,
        midyear_review=midyear,
        yearend_review=yearend,
        status="open",
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return to_dto(row)


async def change(session: AsyncSession, campaign_id: int, **values: object) -> None:
    allowed = {"theme", "deadline", "midyear_review", "yearend_review", "status", "opens_on"}
    if not set(values) <= allowed:
        raise ValueError(f"not a campaign field: {set(values) - allowed}")
    await session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))


async def open_all(session: AsyncSession) -> list[CampaignDTO]:
    rows = await session.scalars(select(Campaign).where(Campaign.status == "open"))
    return [to_dto(r) for r in rows]
