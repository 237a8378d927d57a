"""Roll-up counts per unit, each unit counting its whole subtree, in one query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Account, CheckIn, Commitment, Member, Unit
from storage.sql import among


@dataclass(frozen=True)
class Counts:
    unit_id: int
    members: int  # active, not exempt
    joined: int  # with a chat account (imported members may not have one yet)
    registered: int  # a commitment submitted (or approved) in an open campaign
    approved: int
    active: int  # at least one progress report since `since`
    unreachable: int  # blocked the bot


async def per_unit(
    session: AsyncSession,
    top_path: str,
    unit_ids: Sequence[int],
    since: datetime,
    follows: Mapping[int, int],
    within: Sequence[int] | None = None,
) -> dict[int, Counts]:
    """For each of `unit_ids` (units under `top_path`), counts over its whole subtree; a
    member's registration counts in the campaign their cell follows (`follows`: unit id ->
    campaign id, from the domain's rule).

    Two grouped queries by the members' own unit — people, and their registrations in the
    followed campaigns — then each unit's figures added up to every wanted unit above it
    (paths name the ancestors). A province of 150,000 members and 10,000 cells is two scans,
    not a join of every member against every unit. `within`: the ids of every unit under the
    top, when they are few (a grassroots đảng bộ): its members are then read by their unit,
    not found among the province's."""
    if not unit_ids:
        return {}
    wanted = set(unit_ids)
    totals = {uid: [0] * 6 for uid in unit_ids}
    where = _counted(session, top_path, within)
    people = await session.execute(_people(where))
    for path, *numbers in people:
        _add(totals, wanted, path, (numbers[0], numbers[1], 0, 0, 0, numbers[2]))
    campaigns = sorted(set(follows.values()))
    if campaigns:
        for unit_id, path, campaign_id, registered, approved, active in await session.execute(
            _registrations(where, campaigns, since)
        ):
            if follows.get(unit_id) == campaign_id:
                _add(totals, wanted, path, (0, 0, registered, approved, active, 0))
    return {uid: Counts(uid, *(int(n or 0) for n in numbers)) for uid, numbers in totals.items()}


def _add(
    totals: dict[int, list[int]], wanted: set[int], path: str, numbers: Sequence[int | None]
) -> None:
    """One unit's own figures, into every wanted unit on its path (itself included)."""
    for part in path.strip("/").split("/"):
        unit_id = int(part)
        if unit_id in wanted:
            row = totals[unit_id]
            for n, value in enumerate(numbers):
                row[n] += int(value or 0)


def _tally(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _counted(
    session: AsyncSession, top_path: str, within: Sequence[int] | None
) -> ColumnElement[bool]:
    """Active members, not exempt, of units under the top."""
    if within is not None:
        place = among(session.get_bind().dialect, Member.unit_id, within)
    else:
        place = Unit.path.startswith(top_path, autoescape=True)
    return and_(Member.status == "active", Member.exempt.is_(False), place)


def _people(where: ColumnElement[bool]) -> Select[str, int, int, int]:
    # unreachable: every account the person has refuses messages (one that works is enough);
    # the people concerned found once, not asked about member by member
    other = aliased(Account)
    refusing = select(Account.user_id).where(
        Account.unreachable_at.isnot(None),
        ~exists().where(other.user_id == Account.user_id, other.unreachable_at.is_(None)),
    )
    blocked = Member.user_id.in_(refusing)
    return (
        select(
            Unit.path, func.count(Member.id), _tally(Member.user_id.isnot(None)), _tally(blocked)
        )
        .join(Unit, Unit.id == Member.unit_id)
        .where(where)
        .group_by(Unit.path)
    )


def _registrations(
    where: ColumnElement[bool], campaigns: Sequence[int], since: datetime
) -> Select[int, str, int, int, int, int]:
    registered = or_(
        Commitment.state.in_(("submitted", "approved")), Commitment.approved_version > 0
    )
    # reports count for the cell from the day the member was counted in it (a transfer)
    in_cell = or_(Member.unit_since.is_(None), CheckIn.created_at >= Member.unit_since)
    active = exists().where(
        CheckIn.commitment_id == Commitment.id, CheckIn.created_at >= since, in_cell
    )
    return (
        select(
            Unit.id,
            Unit.path,
            Commitment.campaign_id,
            _tally(registered),
            _tally(Commitment.approved_version > 0),
            _tally(active),
        )
        .select_from(Member)
        .join(Unit, Unit.id == Member.unit_id)
        .join(Commitment, Commitment.member_id == Member.id)
        # "+ 0": the members of the units asked for drive the query, each registration
        # found by its member; not every registration of the campaign read and then sifted
        .where(where, (Commitment.campaign_id + 0).in_(campaigns))
        .group_by(Unit.id, Unit.path, Commitment.campaign_id)
    )
