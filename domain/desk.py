"""The secretary's desk: the unit's members at a glance, one member's year, nudges.

Everything here is scoped: a member exists for the actor only if the actor leads (or
administers) the member's unit; anything else is "not found", forged callback data included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain import schedules as sched
from domain.access import Actor
from domain.campaigns import current, followed
from domain.commitments import Sheet, reviewable
from domain.commitments import owners as commitment_owners
from domain.digest import behind, reported_week, weeks_back
from domain.errors import NotFound
from domain.members import active_member
from domain.names import sort_key
from domain.reports import visible_unit
from storage.dto import CheckInDTO, MemberDTO, UnitDTO
from storage.repos import checkins as checkin_repo
from storage.repos import commitments as commitment_repo
from storage.repos import digest as digest_repo
from storage.repos import outbox as outbox_repo
from storage.repos import units as unit_repo
from storage.repos.digest import MemberFacts

RECENT = 5


async def roster(
    session: AsyncSession, actor: Actor, unit_id: int, now: datetime, zone: ZoneInfo
) -> tuple[UnitDTO, list[MemberFacts]]:
    """The unit's own members with their year's facts, in Vietnamese name order."""
    unit = await visible_unit(session, actor, unit_id)
    since = weeks_back(reported_week(now, zone, False))[0].start
    facts = await digest_repo.load(session, [unit.id], since, followed)
    return unit, sorted(facts, key=lambda m: sort_key(m.full_name))


async def visible_member(session: AsyncSession, actor: Actor, member_id: int) -> MemberDTO:
    member = await active_member(session, member_id)
    await visible_unit(session, actor, member.unit_id)
    return member


@dataclass(frozen=True)
class Card:
    member: MemberDTO
    unit: UnitDTO
    sheet: Sheet | None
    recent: list[CheckInDTO]


async def card(session: AsyncSession, actor: Actor, member_id: int) -> Card:
    """One member's commitment, items and latest reports, for their secretary."""
    member = await visible_member(session, actor, member_id)
    unit = await unit_repo.get(session, member.unit_id)
    assert unit is not None
    campaign = await current(session, unit)
    found: Sheet | None = None
    recent: list[CheckInDTO] = []
    if campaign is not None:
        commitment = await commitment_repo.find(session, campaign.id, member.id, None)
        if commitment is not None:
            found = await reviewable(session, actor, commitment.id)
            recent = await checkin_repo.of_commitment(session, commitment.id, 0, RECENT)
    return Card(member, unit, found, recent)


@dataclass(frozen=True)
class Nudged:
    sent: int  # new nudges queued now
    already: int  # nudged earlier today: not again
    none_due: bool = False  # nobody is behind


async def nudge_member(
    session: AsyncSession, actor: Actor, member_id: int, now: datetime, zone: ZoneInfo
) -> Nudged:
    member = await visible_member(session, actor, member_id)
    _, facts = await roster(session, actor, member.unit_id, now, zone)
    done = await _nudge(session, [f for f in facts if f.member_id == member.id], now, zone)
    await _log_nudge(session, actor, done, member.unit_id, f"member:{member.id}", now)
    return done


async def nudge_unit(
    session: AsyncSession, actor: Actor, unit_id: int, now: datetime, zone: ZoneInfo
) -> Nudged:
    """Every member of the unit who is behind, at most once a day each."""
    unit, facts = await roster(session, actor, unit_id, now, zone)
    done = await _nudge(session, facts, now, zone)
    await _log_nudge(session, actor, done, unit.id, f"unit:{unit.id}", now)
    return done


async def _log_nudge(
    session: AsyncSession, actor: Actor, done: Nudged, unit_id: int, subject: str, now: datetime
) -> None:
    if done.sent:
        await audit.record(
            session, actor, "nudge", now, subject=subject, unit_id=unit_id, sent=done.sent
        )


async def _nudge(
    session: AsyncSession, facts: list[MemberFacts], now: datetime, zone: ZoneInfo
) -> Nudged:
    due = [f for f in facts if behind(f, now)]
    if not due:
        return Nudged(0, 0, none_due=True)
    today = now.astimezone(zone).date().isoformat()
    send_at = sched.out_of_quiet(sched.Prefs(timezone=zone.key), now)  # not at night
    rows = [
        outbox_repo.pending(
            f"nudge:{f.member_id}:{today}",
            "nudge",
            (f.channel, f.chat_id, f.user_id),
            now,
            subject=f.member_id,
            not_before=send_at,
        )
        for f in due
    ]
    sent = await outbox_repo.add_many(session, rows)
    return Nudged(sent, len(rows) - sent)


async def sheet_of_item(session: AsyncSession, actor: Actor, item_id: int) -> Sheet:
    """The member's commitment holding this item, if the actor leads the member's unit."""
    item = await commitment_repo.item(session, item_id)
    if item is None or item.deleted:
        raise NotFound()
    found = await reviewable(session, actor, item.commitment_id)
    if found.commitment.member_id is None:
        raise NotFound()
    return found


async def owners(session: AsyncSession, found: Sheet) -> list[int]:
    return await commitment_owners(session, found)
