"""Commitments, their items and the history of what was submitted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import core_rows
from storage.dto import (
    CommitmentDTO,
    ItemDTO,
    ItemKind,
    Progress,
    State,
    VersionDTO,
)
from storage.models import (
    Campaign,
    Commitment,
    CommitmentItem,
    CommitmentVersion,
    Member,
    Unit,
)
from storage.sql import among


def to_dto(row: Commitment | Row[Any]) -> CommitmentDTO:
    return CommitmentDTO(
        row.id,
        row.campaign_id,
        row.member_id,
        row.unit_id,
        State(row.state),
        row.version,
        row.approved_version,
        row.return_comment,
        row.submitted_at,
    )


def item_dto(row: CommitmentItem | Row[Any]) -> ItemDTO:
    return ItemDTO(
        row.id,
        row.commitment_id,
        ItemKind(row.kind),
        row.text,
        row.target,
        row.deadline,
        row.position,
        row.progress,
        Progress(row.status),
        row.last_checkin_at,
        row.deleted_at is not None,
    )


async def get(session: AsyncSession, commitment_id: int) -> CommitmentDTO | None:
    row = await session.get(Commitment, commitment_id)
    return to_dto(row) if row else None


_OF_MEMBER = select(Commitment.__table__).where(
    Commitment.campaign_id == bindparam("campaign_id"), Commitment.member_id == bindparam("owner")
)
_OF_UNIT = select(Commitment.__table__).where(
    Commitment.campaign_id == bindparam("campaign_id"), Commitment.unit_id == bindparam("owner")
)


async def find(
    session: AsyncSession, campaign_id: int, member_id: int | None, unit_id: int | None
) -> CommitmentDTO | None:
    query = _OF_MEMBER if member_id else _OF_UNIT
    rows = await core_rows(session, query, campaign_id=campaign_id, owner=member_id or unit_id)
    return to_dto(rows[0]) if rows else None


async def add(
    session: AsyncSession,
    campaign_id: int,
    member_id: int | None,
    unit_id: int | None,
    now: datetime,
) -> CommitmentDTO:
    row = Commitment(
        campaign_id=campaign_id,
        member_id=member_id,
        unit_id=unit_id,
        state=State.DRAFT,
        version=0,
        approved_version=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return to_dto(row)


async def set_state(
    session: AsyncSession, commitment_id: int, state: State, now: datetime, **values: object
) -> None:
    await session.execute(
        update(Commitment)
        .where(Commitment.id == commitment_id)
        .values(state=state, updated_at=now, **values)
    )


_ITEMS = (
    select(CommitmentItem.__table__)
    .where(CommitmentItem.commitment_id == bindparam("commitment_id"))
    .order_by(CommitmentItem.position, CommitmentItem.id)
)
_LIVE_ITEMS = _ITEMS.where(CommitmentItem.deleted_at.is_(None))


async def items(
    session: AsyncSession, commitment_id: int, with_deleted: bool = False
) -> list[ItemDTO]:
    query = _ITEMS if with_deleted else _LIVE_ITEMS
    rows = await core_rows(session, query, commitment_id=commitment_id)
    return [item_dto(r) for r in rows]


async def item(session: AsyncSession, item_id: int) -> ItemDTO | None:
    row = await session.get(CommitmentItem, item_id)
    return item_dto(row) if row else None


async def add_item(
    session: AsyncSession,
    commitment_id: int,
    kind: ItemKind,
    text: str,
    target: str | None,
    deadline: date | None,
    now: datetime,
) -> ItemDTO:
    last = await session.scalar(
        select(func.max(CommitmentItem.position)).where(
            CommitmentItem.commitment_id == commitment_id
        )
    )
    row = CommitmentItem(
        commitment_id=commitment_id,
        kind=kind,
        text=text,
        target=target,
        deadline=deadline,
        position=int(last or 0) + 1,
        progress=0,
        status=Progress.NOT_STARTED,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return item_dto(row)


async def change_item(session: AsyncSession, item_id: int, **values: object) -> None:
    allowed = {"text", "target", "deadline", "deleted_at", "progress", "status", "last_checkin_at"}
    if not set(values) <= allowed:
        raise ValueError(f"not an item field: {set(values) - allowed}")
    await session.execute(
        update(CommitmentItem).where(CommitmentItem.id == item_id).values(**values)
    )


async def add_version(
    session: AsyncSession,
    commitment_id: int,
    version: int,
    snapshot: list[dict[str, object]],
    by: int | None,
    now: datetime,
) -> None:
    session.add(
        CommitmentVersion(
            commitment_id=commitment_id,
            version=version,
            items=snapshot,
            submitted_at=now,
            submitted_by=by,
        )
    )
    await session.flush()


async def decide_version(
    session: AsyncSession,
    commitment_id: int,
    version: int,
    decision: str,
    comment: str | None,
    by: int,
    now: datetime,
) -> None:
    await session.execute(
        update(CommitmentVersion)
        .where(
            CommitmentVersion.commitment_id == commitment_id,
            CommitmentVersion.version == version,
        )
        .values(decision=decision, comment=comment, decided_at=now, decided_by=by)
    )


async def versions(session: AsyncSession, commitment_id: int) -> list[VersionDTO]:
    rows = await session.scalars(
        select(CommitmentVersion)
        .where(CommitmentVersion.commitment_id == commitment_id)
        .order_by(CommitmentVersion.version)
    )
    return [
        VersionDTO(r.version, list(r.items), r.submitted_at, r.decision, r.comment, r.decided_at)
        for r in rows
    ]


async def with_items(
    session: AsyncSession,
    member_ids: Iterable[int],
    campaign_ids: Iterable[int],
    state: Any,
    item_columns: Sequence[Any],
) -> Sequence[Any]:
    """Members' commitments in these campaigns with their items (pledge and deleted ones left
    out), in one outer join, for batch loaders. Each row: commitment id, member id, campaign
    id, `state` (a commitment column), approved version, then `item_columns` (the first one
    the item id: None for a commitment without items)."""
    item = CommitmentItem
    conn = await session.connection()
    rows = await conn.execute(
        select(
            Commitment.id,
            Commitment.member_id,
            Commitment.campaign_id,
            state,
            Commitment.approved_version,
            *item_columns,
        )
        .outerjoin(
            item,
            and_(
                item.commitment_id == Commitment.id,
                item.deleted_at.is_(None),
                item.kind != "pledge",
            ),
        )
        .where(
            among(conn.dialect, Commitment.member_id, member_ids),
            Commitment.campaign_id.in_(sorted(campaign_ids)),
        )
        .order_by(Commitment.id, item.position)
    )
    return rows.all()


@dataclass(frozen=True)
class Waiting:
    """A submitted registration (or a cell's models) waiting for a decision."""

    commitment_id: int
    version: int
    submitted_at: datetime | None
    member_id: int | None
    user_id: int | None  # the member's, to leave out one's own
    name: str  # the member's, or the cell's for models
    unit_id: int
    unit_name: str
    unit_path: str


async def submitted_under(
    session: AsyncSession, paths: Sequence[str] | None, campaign_ids: Sequence[int], limit: int
) -> list[Waiting]:
    """Submitted commitments of these campaigns in these subtrees (None: everywhere), oldest
    first: members' by their cell, models by the cell they belong to."""
    owner_unit = func.coalesce(Member.unit_id, Commitment.unit_id)
    query = (
        select(
            Commitment.id,
            Commitment.version,
            Commitment.submitted_at,
            Commitment.member_id,
            Member.user_id,
            func.coalesce(Member.full_name, Unit.name),
            Unit.id,
            Unit.name,
            Unit.path,
        )
        .outerjoin(Member, Member.id == Commitment.member_id)
        .join(Unit, Unit.id == owner_unit)
        .where(
            Commitment.state == State.SUBMITTED,
            Commitment.campaign_id.in_(list(campaign_ids)),
            or_(Member.id.is_(None), Member.status == "active"),
        )
        .order_by(Commitment.submitted_at, Commitment.id)
        .limit(limit)
    )
    if paths is not None:
        query = query.where(or_(*(Unit.path.startswith(p, autoescape=True) for p in paths)))
    return [Waiting(*row) for row in await session.execute(query)]


async def remedial_of_year(session: AsyncSession, member_id: int, year: int) -> list[ItemDTO]:
    """The remedial items (khắc phục hạn chế) of a member's registration of `year`, as last
    approved or submitted, in order."""
    rows = await session.scalars(
        select(CommitmentItem)
        .join(Commitment, Commitment.id == CommitmentItem.commitment_id)
        .join(Campaign, Campaign.id == Commitment.campaign_id)
        .where(
            Commitment.member_id == member_id,
            Campaign.year == year,
            CommitmentItem.kind == ItemKind.REMEDIAL.value,
            CommitmentItem.deleted_at.is_(None),
        )
        .order_by(CommitmentItem.position, CommitmentItem.id)
    )
    return [item_dto(r) for r in rows]
