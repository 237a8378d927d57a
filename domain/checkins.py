"""Progress reports (báo cáo tiến độ): record, correct within 24 hours, show where one stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, validation
from domain.access import Actor
from domain.commitments import Sheet, owned_item, reviewable, sheet
from domain.errors import DomainError, NotFound
from storage.dto import CheckInDTO, ItemDTO, ItemKind, Progress
from storage.repos import checkins as repo
from storage.repos import commitments as commitment_repo
from storage.repos import members as member_repo

NOTE_MAX = 1000
CORRECTION_WINDOW = timedelta(hours=24)
STEPS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Report:
    progress: int
    status: Progress
    note: str | None = None
    evidence: tuple[str, str, str] | None = None  # (channel, file id, unique id)


@dataclass(frozen=True)
class Recorded:
    checkin: CheckInDTO
    item: ItemDTO
    corrected: bool


def parse_progress(raw: str) -> int:
    """A percentage typed by a person: '60', '60%', ' 60 % ' (ASCII digits: "①", "50²" or
    "--5" are not percentages)."""
    value = validation.whole_number(raw.strip().rstrip("%").strip())
    if value is None:
        raise DomainError("checkin.progress_not_number")
    if not 0 <= value <= 100:
        raise DomainError("checkin.progress_range", got=value)
    return value


def check_note(raw: str) -> str:
    return validation.content(raw, 1, NOTE_MAX, "checkin.note_length", lines=True)


def checkable(found: Sheet) -> list[ItemDTO]:
    """Items one may report on: the commitment was approved at least once."""
    if found.commitment.approved_version == 0:
        raise DomainError("checkin.not_approved")
    return [i for i in found.items if i.kind is not ItemKind.PLEDGE]


async def record(
    session: AsyncSession,
    actor: Actor,
    item_id: int,
    report: Report,
    now: datetime,
    correcting: int | None = None,
) -> Recorded:
    """Save a check-in (or correct one made in the last 24 hours) and update the item."""
    commitment, item = await owned_item(session, actor, item_id)
    if correcting is not None:
        _valid(commitment.approved_version, item, report)
        note = check_note(report.note) if report.note else None
        checkin = await _correct(session, actor, item, correcting, report, note, now)
        return await _apply(session, checkin, item, report, True)
    return await _save(
        session, actor, commitment.id, commitment.approved_version, item, report, now
    )


async def record_for(
    session: AsyncSession, actor: Actor, item_id: int, report: Report, now: datetime
) -> tuple[Recorded, Sheet]:
    """A secretary records a report for a member of their unit who has no smartphone; it is
    kept as recorded by the secretary and shown so everywhere."""
    item = await commitment_repo.item(session, item_id)
    if item is None or item.deleted:
        raise DomainError("item.gone")
    found = await reviewable(session, actor, item.commitment_id)
    member_id = found.commitment.member_id
    if member_id is None:
        raise NotFound()
    if actor.member is not None and actor.member.id == member_id:
        raise DomainError("proxy.own")
    commitment = found.commitment
    saved = await _save(
        session, actor, commitment.id, commitment.approved_version, item, report, now
    )
    member = await member_repo.get(session, member_id)
    await audit.record(
        session,
        actor,
        "checkin_proxy",
        now,
        subject=f"member:{member_id}",
        unit_id=member.unit_id if member else None,
        item=item.id,
        progress=report.progress,
    )
    return saved, found


def _valid(approved_version: int, item: ItemDTO, report: Report) -> None:
    if item.kind is ItemKind.PLEDGE or approved_version == 0:
        raise DomainError("checkin.not_approved")
    if not 0 <= report.progress <= 100:
        raise DomainError("checkin.progress_range", got=report.progress)


async def _save(
    session: AsyncSession,
    actor: Actor,
    commitment_id: int,
    approved_version: int,
    item: ItemDTO,
    report: Report,
    now: datetime,
) -> Recorded:
    _valid(approved_version, item, report)
    note = check_note(report.note) if report.note else None
    checkin = await repo.add(
        session,
        item.id,
        commitment_id,
        actor.user_id,
        report.progress,
        report.status,
        note,
        report.evidence,
        now,
    )
    return await _apply(session, checkin, item, report, False)


async def _apply(
    session: AsyncSession, checkin: CheckInDTO, item: ItemDTO, report: Report, corrected: bool
) -> Recorded:
    """The item shows its latest report."""
    latest = await repo.latest_for_item(session, item.id)
    if latest is not None and latest.id == checkin.id:
        await commitment_repo.change_item(
            session,
            item.id,
            progress=report.progress,
            status=report.status,
            last_checkin_at=checkin.created_at,
        )
    updated = await commitment_repo.item(session, item.id)
    assert updated is not None
    return Recorded(checkin, updated, corrected)


async def _correct(
    session: AsyncSession,
    actor: Actor,
    item: ItemDTO,
    checkin_id: int,
    report: Report,
    note: str | None,
    now: datetime,
) -> CheckInDTO:
    old = await repo.get(session, checkin_id)
    if old is None or old.item_id != item.id or old.recorded_by != actor.user_id:
        raise DomainError("checkin.gone")
    if now - old.created_at > CORRECTION_WINDOW:
        raise DomainError("checkin.too_late")
    await repo.correct(session, old.id, report.progress, report.status, note, report.evidence, now)
    fixed = await repo.get(session, old.id)
    assert fixed is not None
    return fixed


async def correctable(
    session: AsyncSession, actor: Actor, checkin_id: int, now: datetime
) -> CheckInDTO:
    found = await repo.get(session, checkin_id)
    if found is None or found.recorded_by != actor.user_id:
        raise DomainError("checkin.gone")
    await owned_item(session, actor, found.item_id)
    if now - found.created_at > CORRECTION_WINDOW:
        raise DomainError("checkin.too_late")
    return found


def overdue(item: ItemDTO, today: date) -> bool:
    return item.deadline is not None and item.deadline < today and item.progress < 100


async def history(
    session: AsyncSession, actor: Actor, commitment_id: int, offset: int, limit: int
) -> tuple[Sheet, list[CheckInDTO], int]:
    found = await sheet(session, actor, commitment_id)
    rows, total = await reports_of(session, found, offset, limit)
    return found, rows, total


async def reports_of(
    session: AsyncSession, found: Sheet, offset: int, limit: int
) -> tuple[list[CheckInDTO], int]:
    """A page of the reports of a sheet already given to its keeper, newest first, and how
    many there are in all."""
    commitment_id = found.commitment.id
    if not commitment_id:  # a registration not made yet has no reports
        return [], 0
    rows = await repo.of_commitment(session, commitment_id, offset, limit)
    return rows, await repo.count_of_commitment(session, commitment_id)
