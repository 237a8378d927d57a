"""Broadcasts: the announcement, who it goes to (one set query), and how its delivery stands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Account,
    Broadcast,
    Commitment,
    Member,
    OutboxMessage,
    RoleGrant,
    Unit,
    User,
)
from storage.sql import pairs

AUDIENCES = ("everyone", "secretaries", "heads", "unregistered")
SCHEDULED, SENDING, DONE, CANCELLED = "scheduled", "sending", "done", "cancelled"
KIND = "broadcast"
REPORT_KIND = "broadcast_report"


@dataclass(frozen=True)
class BroadcastDTO:
    id: int
    created_by: int | None
    unit_ids: list[int]
    audience: str
    text: str
    attachment_kind: str | None
    attachment_file_id: str | None
    send_at: datetime
    state: str
    recipients: int
    report_channel: str | None
    report_chat_id: str | None
    created_at: datetime
    finished_at: datetime | None


def to_dto(row: Broadcast) -> BroadcastDTO:
    return BroadcastDTO(
        row.id,
        row.created_by,
        list(row.unit_ids or []),
        row.audience,
        row.text,
        row.attachment_kind,
        row.attachment_file_id,
        row.send_at,
        row.state,
        row.recipients,
        row.report_channel,
        row.report_chat_id,
        row.created_at,
        row.finished_at,
    )


async def add(session: AsyncSession, **values: object) -> BroadcastDTO:
    row = Broadcast(**values)
    session.add(row)
    await session.flush()
    return to_dto(row)


async def get(session: AsyncSession, broadcast_id: int) -> BroadcastDTO | None:
    row = await session.get(Broadcast, broadcast_id)
    return to_dto(row) if row else None


async def many(session: AsyncSession, ids: Sequence[int]) -> dict[int, BroadcastDTO]:
    if not ids:
        return {}
    rows = await session.scalars(select(Broadcast).where(Broadcast.id.in_(set(ids))))
    return {r.id: to_dto(r) for r in rows}


async def recent(session: AsyncSession, limit: int) -> list[BroadcastDTO]:
    rows = await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
    return [to_dto(r) for r in rows]


async def set_state(session: AsyncSession, broadcast_id: int, state: str, **values: object) -> None:
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(state=state, **values)
    )


async def claim_due(session: AsyncSession, now: datetime) -> BroadcastDTO | None:
    """One scheduled broadcast whose time has come, locked for this planner."""
    query = (
        select(Broadcast)
        .where(Broadcast.state == SCHEDULED, Broadcast.send_at <= now)
        .order_by(Broadcast.send_at, Broadcast.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = await session.scalar(query)
    return to_dto(row) if row else None


async def sending(session: AsyncSession) -> list[BroadcastDTO]:
    rows = await session.scalars(select(Broadcast).where(Broadcast.state == SENDING))
    return [to_dto(r) for r in rows]


Recipient = tuple[int, str, str]  # user id, channel, chat id


def _within(paths: Sequence[str]) -> ColumnElement[bool]:
    """Units in any of these subtrees; no paths: none (an audience is always named)."""
    if not paths:
        return false()
    return or_(*(Unit.path.startswith(p, autoescape=True) for p in paths))


def _members(
    paths: Sequence[str], audience: str, follows: Mapping[int, int], dialect: Dialect
) -> Select[Any]:
    query = (
        select(Member.user_id)
        .join(Unit, Unit.id == Member.unit_id)
        .where(_within(paths), Member.status == "active", Member.user_id.isnot(None))
    )
    if audience == "heads":
        query = query.where(Member.is_head.is_(True))
    elif audience == "unregistered":
        follow = pairs(dialect, follows, "unit_id", "campaign_id")
        done = exists().where(
            Commitment.member_id == Member.id,
            Commitment.campaign_id == follow.c.campaign_id,
            follow.c.unit_id == Member.unit_id,
            or_(Commitment.state.in_(("submitted", "approved")), Commitment.approved_version > 0),
        )
        query = query.where(~done, Member.exempt.is_(False))
    return query


def _leaders(paths: Sequence[str]) -> Select[Any]:
    return (
        select(RoleGrant.user_id)
        .join(Unit, Unit.id == RoleGrant.unit_id)
        .where(_within(paths), RoleGrant.role.in_(("secretary", "deputy")))
    )


def _users(
    paths: Sequence[str], audience: str, follows: Mapping[int, int], dialect: Dialect
) -> Subquery:
    """The user ids an audience names (a person may appear more than once); `follows` (unit
    id -> the campaign it follows) decides who has registered."""
    if audience == "secretaries":
        return _leaders(paths).subquery()
    return _members(paths, audience, follows, dialect).subquery()


def _reachable(wanted: Subquery) -> Subquery:
    """Each wanted person's account to write to: one that can still be reached, on the
    network they chose where they have one there (people unreachable everywhere drop out)."""
    chosen = case((Account.channel == User.reminder_channel, 0), else_=1)
    rank = func.row_number().over(partition_by=Account.user_id, order_by=(chosen, Account.id))
    return (
        select(Account.user_id, Account.channel, Account.chat_id, rank.label("rank"))
        .join(User, User.id == Account.user_id)
        .where(
            Account.chat_id.isnot(None),
            Account.unreachable_at.is_(None),
            Account.user_id.in_(select(wanted.c.user_id)),
        )
        .subquery()
    )


async def recipients(
    session: AsyncSession, paths: Sequence[str], audience: str, follows: Mapping[int, int]
) -> list[Recipient]:
    """Everyone the broadcast reaches, once each, by user id."""
    reach = _reachable(_users(paths, audience, follows, session.get_bind().dialect))
    rows = await session.execute(
        select(reach.c.user_id, reach.c.channel, reach.c.chat_id)
        .where(reach.c.rank == 1)
        .order_by(reach.c.user_id)
    )
    return [(int(u), str(ch), str(chat)) for u, ch, chat in rows]


async def count_recipients(
    session: AsyncSession, paths: Sequence[str], audience: str, follows: Mapping[int, int]
) -> int:
    wanted = _users(paths, audience, follows, session.get_bind().dialect)
    total = await session.scalar(
        select(func.count(func.distinct(Account.user_id))).where(
            Account.chat_id.isnot(None),
            Account.unreachable_at.is_(None),
            Account.user_id.in_(select(wanted.c.user_id)),
        )
    )
    return int(total or 0)


async def delivery(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """Outbox states of the broadcast's messages, with the reason for failures split out."""
    rows = await session.execute(
        select(
            OutboxMessage.state,
            func.sum(case((OutboxMessage.error.startswith("blocked"), 1), else_=0)),
            func.count(),
        )
        .where(OutboxMessage.kind == KIND, OutboxMessage.subject_id == broadcast_id)
        .group_by(OutboxMessage.state)
    )
    found: dict[str, int] = {}
    for state, blocked, n in rows:
        if state == "failed":
            found["unreachable"] = found.get("unreachable", 0) + int(blocked or 0)
            found["failed"] = found.get("failed", 0) + int(n) - int(blocked or 0)
        else:
            found[state] = found.get(state, 0) + int(n)
    return found


@dataclass(frozen=True)
class NotReached:
    """A person a broadcast did not reach, for a phone call."""

    name: str
    unit_name: str
    phone: str | None
    channel: str
    reason: str  # unreachable (blocked the bot), failed, unknown


async def not_reached(session: AsyncSession, broadcast_id: int, limit: int) -> list[NotReached]:
    """Who the broadcast's messages did not reach (blocked, failed, or no answer), by name."""
    reason = case(
        (OutboxMessage.state == "unknown", "unknown"),
        (OutboxMessage.error.startswith("blocked"), "unreachable"),
        else_="failed",
    )
    rows = await session.execute(
        select(Member.full_name, Unit.name, Member.phone, OutboxMessage.channel, reason)
        .join(Member, and_(Member.user_id == OutboxMessage.user_id, Member.status == "active"))
        .join(Unit, Unit.id == Member.unit_id)
        .where(
            OutboxMessage.kind == KIND,
            OutboxMessage.subject_id == broadcast_id,
            OutboxMessage.state.in_(("failed", "dead", "unknown")),
        )
        .order_by(Unit.path, Member.full_name)
        .limit(limit)
    )
    return [NotReached(*row) for row in rows]


async def drop_pending(session: AsyncSession, broadcast_id: int) -> int:
    """A cancelled broadcast's messages not yet sent are closed unsent."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == KIND,
            OutboxMessage.subject_id == broadcast_id,
            OutboxMessage.state == "pending",
        )
        .values(state="obsolete")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def report_message(session: AsyncSession, broadcast_id: int) -> str | None:
    """The message id of the delivery report first sent to the admin (edited as it goes)."""
    found = await session.scalar(
        select(OutboxMessage.message_id).where(
            OutboxMessage.dedupe_key == f"{REPORT_KIND}:{broadcast_id}:start",
            OutboxMessage.state == "sent",
        )
    )
    return str(found) if found else None


async def requeue_unknown(session: AsyncSession, broadcast_id: int, now: datetime) -> int:
    """The announcement's messages of unknown delivery, pending again."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == KIND,
            OutboxMessage.subject_id == broadcast_id,
            OutboxMessage.state == "unknown",
        )
        .values(state="pending", not_before=now, error="resent: delivery unknown", attempts=0)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
