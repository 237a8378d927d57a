"""Progress reports (check-ins)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import CheckInDTO, Progress
from storage.models import CheckIn


def to_dto(row: CheckIn) -> CheckInDTO:
    return CheckInDTO(
        row.id,
        row.item_id,
        row.commitment_id,
        row.recorded_by,
        row.progress,
        Progress(row.status),
        row.note,
        row.evidence_file_id,
        row.created_at,
    )


async def add(
    session: AsyncSession,
    item_id: int,
    commitment_id: int,
    recorded_by: int | None,
    progress: int,
    status: Progress,
    note: str | None,
    evidence: tuple[str, str, str] | None,
    now: datetime,
) -> CheckInDTO:
    channel, file_id, unique_id = evidence or (None, None, None)
    row = CheckIn(
        item_id=item_id,
        commitment_id=commitment_id,
        recorded_by=recorded_by,
        progress=progress,
        status=status,
        note=note,
        evidence_channel=channel,
        evidence_file_id=file_id,
        evidence_unique_id=unique_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return to_dto(row)


async def correct(
    session: AsyncSession,
    checkin_id: int,
    progress: int,
    status: Progress,
    note: str | None,
    evidence: tuple[str, str, str] | None,
    now: datetime,
) -> None:
    values: dict[str, object] = {
        "progress": progress,
        "status": status,
        "note": note,
        "updated_at": now,
    }
    if evidence is not None:
        values.update(
            evidence_channel=evidence[0],
            evidence_file_id=evidence[1],
            evidence_unique_id=evidence[2],
        )
    await session.execute(update(CheckIn).where(CheckIn.id == checkin_id).values(**values))


async def get(session: AsyncSession, checkin_id: int) -> CheckInDTO | None:
    row = await session.get(CheckIn, checkin_id)
    return to_dto(row) if row else None


async def latest_for_item(session: AsyncSession, item_id: int) -> CheckInDTO | None:
    row = await session.scalar(
        select(CheckIn)
        .where(CheckIn.item_id == item_id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(1)
    )
    return to_dto(row) if row else None


async def of_commitment(
    session: AsyncSession, commitment_id: int, offset: int, limit: int
) -> list[CheckInDTO]:
    rows = await session.scalars(
        select(CheckIn)
        .where(CheckIn.commitment_id == commitment_id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [to_dto(r) for r in rows]


async def count_of_commitment(session: AsyncSession, commitment_id: int) -> int:
    found = await session.scalar(select(func.count()).where(CheckIn.commitment_id == commitment_id))
    return int(found or 0)
