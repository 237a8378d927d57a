"""Members (đảng viên) of the cells."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import MemberDTO, Role
from storage.models import Account, Member, MemberTransfer, RoleGrant, Unit


def to_dto(row: Member) -> MemberDTO:
    return MemberDTO(
        row.id,
        row.unit_id,
        row.user_id,
        row.full_name,
        row.position,
        row.is_head,
        row.status,
        row.joined_at,
        row.exempt,
    )


async def active_of_user(session: AsyncSession, user_id: int) -> MemberDTO | None:
    row = await session.scalar(
        select(Member).where(Member.user_id == user_id, Member.status == "active")
    )
    return to_dto(row) if row else None


async def get(session: AsyncSession, member_id: int) -> MemberDTO | None:
    row = await session.get(Member, member_id)
    return to_dto(row) if row else None


async def add(
    session: AsyncSession,
    unit_id: int,
    user_id: int | None,
    full_name: str,
    position: str | None,
    is_head: bool,
    now: datetime,
) -> MemberDTO:
    row = Member(
        unit_id=unit_id,
        user_id=user_id,
        full_name=full_name,
        position=position,
        is_head=is_head,
        status="active",
        joined_at=now,
        unit_since=now,
    )
    session.add(row)
    await session.flush()
    return to_dto(row)


async def update_profile(session: AsyncSession, member_id: int, **values: object) -> None:
    allowed = {"full_name", "position", "is_head"}
    if not set(values) <= allowed:
        raise ValueError(f"not a profile field: {set(values) - allowed}")
    await session.execute(update(Member).where(Member.id == member_id).values(**values))


async def set_exempt(session: AsyncSession, member_id: int, exempt: bool) -> None:
    await session.execute(update(Member).where(Member.id == member_id).values(exempt=exempt))


async def transfer(
    session: AsyncSession,
    member_ids: Sequence[int],
    to_unit: int,
    now: datetime,
    by: int | None,
    reason: str,
) -> None:
    """Move members to another cell (chuyển sinh hoạt) and keep where they came from; they
    are counted in the new cell from `now` — except in a merge, where the cells' histories
    join and each member's earlier reports count in the merged cell too."""
    ids = list(member_ids)
    if not ids:
        return
    rows = await session.execute(select(Member.id, Member.unit_id).where(Member.id.in_(ids)))
    history = [
        {
            "member_id": mid,
            "from_unit_id": unit,
            "to_unit_id": to_unit,
            "at": now,
            "by_user_id": by,
            "reason": reason,
        }
        for mid, unit in rows
    ]
    await session.execute(
        update(Member)
        .where(Member.id.in_(ids))
        .values(unit_id=to_unit, **({} if reason == "merge" else {"unit_since": now}))
        .execution_options(synchronize_session=False)
    )
    await session.execute(insert(MemberTransfer), history)


async def record_left(
    session: AsyncSession, member_id: int, unit_id: int, now: datetime, by: int | None
) -> None:
    """The member has left the cell (and the organisation's records here)."""
    await leave(session, member_id, now)
    session.add(
        MemberTransfer(
            member_id=member_id,
            from_unit_id=unit_id,
            to_unit_id=None,
            at=now,
            by_user_id=by,
            reason="left",
        )
    )
    await session.flush()


async def transfers_of(
    session: AsyncSession, member_id: int
) -> list[tuple[int | None, int | None, datetime, str]]:
    rows = await session.execute(
        select(
            MemberTransfer.from_unit_id,
            MemberTransfer.to_unit_id,
            MemberTransfer.at,
            MemberTransfer.reason,
        )
        .where(MemberTransfer.member_id == member_id)
        .order_by(MemberTransfer.at, MemberTransfer.id)
    )
    return [(f, t, at, r) for f, t, at, r in rows]


async def active_ids_in(session: AsyncSession, unit_id: int) -> list[int]:
    """The active members of this unit itself."""
    rows = await session.scalars(
        select(Member.id).where(Member.unit_id == unit_id, Member.status == "active")
    )
    return list(rows)


async def active_ids_under(session: AsyncSession, path: str) -> list[int]:
    """Active members anywhere under this unit path."""
    rows = await session.scalars(
        select(Member.id)
        .join(Unit, Unit.id == Member.unit_id)
        .where(Unit.path.startswith(path, autoescape=True), Member.status == "active")
    )
    return list(rows)


async def leave(session: AsyncSession, member_id: int, now: datetime) -> None:
    await session.execute(
        update(Member).where(Member.id == member_id).values(status="left", left_at=now)
    )


async def of_unit(
    session: AsyncSession, unit_id: int, offset: int = 0, limit: int | None = None
) -> list[MemberDTO]:
    rows = await session.scalars(
        select(Member)
        .where(Member.unit_id == unit_id, Member.status == "active")
        .order_by(Member.full_name, Member.id)
        .offset(offset)
        .limit(limit)
    )
    return [to_dto(r) for r in rows]


async def count_of_unit(session: AsyncSession, unit_id: int) -> int:
    found = await session.scalar(
        select(func.count()).where(Member.unit_id == unit_id, Member.status == "active")
    )
    return int(found or 0)


async def secretary_name(session: AsyncSession, unit_id: int) -> str:
    """The full name of the unit's secretary (who signs its reports), or ""."""
    name = await session.scalar(
        select(Member.full_name)
        .join(RoleGrant, RoleGrant.user_id == Member.user_id)
        .where(
            RoleGrant.unit_id == unit_id,
            RoleGrant.role == Role.SECRETARY,
            Member.status == "active",
        )
        .order_by(RoleGrant.id)
        .limit(1)
    )
    return name or ""


async def link_user(session: AsyncSession, member_id: int, user_id: int) -> bool:
    """Give an imported record its person; False if someone took it first."""
    result = await session.execute(
        update(Member)
        .where(Member.id == member_id, Member.user_id.is_(None), Member.status == "active")
        .values(user_id=user_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def many(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, MemberDTO]:
    if not member_ids:
        return {}
    rows = await session.scalars(select(Member).where(Member.id.in_(set(member_ids))))
    return {r.id: to_dto(r) for r in rows}


async def reachable_under(session: AsyncSession, path: str) -> list[tuple[int, int, str, str, int]]:
    """(member id, user id, channel, chat id, unit id) of the active, not exempt members of
    the subtree the bot can reach (one account each: the first)."""
    rows = await session.execute(
        select(Member.id, Member.user_id, Account.channel, Account.chat_id, Member.unit_id)
        .join(Unit, Unit.id == Member.unit_id)
        .join(Account, Account.user_id == Member.user_id)
        .where(
            Unit.path.startswith(path, autoescape=True),
            Member.status == "active",
            Member.exempt.is_(False),
            Account.chat_id.isnot(None),
            Account.unreachable_at.is_(None),
        )
        .order_by(Member.id, Account.id)
    )
    found: dict[int, tuple[int, int, str, str, int]] = {}
    for member_id, user_id, channel, chat_id, unit_id in rows:
        if user_id is not None and chat_id is not None:
            found.setdefault(member_id, (member_id, user_id, channel, chat_id, unit_id))
    return list(found.values())
