"""Announcements from the committee to part of the tree (thông báo).

An admin picks where (their whole scope, or some units: each counts with its subtree) and who
(everyone, secretaries and deputies, heads of agencies, members without a submitted
commitment), sees the number of recipients, and confirms, now or for a time. The planner
turns a due broadcast into one outbox row per person in one transaction (jobs/broadcasts.py);
cancelling closes the rows not yet sent. Every read and write is scoped: an admin sees only
broadcasts whose units all lie in what they administer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, validation
from domain.access import Actor, require
from domain.campaigns import followed_by_units
from domain.errors import DomainError, NotFound
from domain.units import units_at
from storage.dto import UnitDTO
from storage.repos import broadcasts as repo
from storage.repos import units as unit_repo
from storage.repos.broadcasts import AUDIENCES, BroadcastDTO

TEXT_MAX = 4000  # with the heading, within Telegram's 4,096 (counted after HTML is read)
CAPTION_MAX = 1000  # Telegram's caption limit is 1,024 with our heading
MAX_UNITS = 50
MAX_AHEAD = timedelta(days=60)
RECENT = 10


@dataclass(frozen=True)
class Status:
    broadcast: BroadcastDTO
    sent: int
    pending: int  # not yet sent, being sent, or waiting to retry
    unreachable: int
    failed: int  # rejected, or gave up after hours of retries
    cancelled: int
    unknown: int = 0  # the request went and no answer came: it may or may not have arrived

    @property
    def finished(self) -> bool:
        return self.broadcast.state in (repo.DONE, repo.CANCELLED)


def check_text(raw: str, with_attachment: bool) -> str:
    text = validation.multiline(raw)
    limit = CAPTION_MAX if with_attachment else TEXT_MAX
    if not text and not with_attachment:
        raise DomainError("bc.empty")
    if len(text) > limit:
        raise DomainError("bc.too_long", max=limit, got=len(text))
    return text


_WHEN = re.compile(
    r"^\s*(?:(?P<h1>\d{1,2})[:hg](?P<m1>\d{2})\s+)?(?P<d>\d{1,2})[/.-](?P<mo>\d{1,2})"
    r"(?:[/.-](?P<y>\d{4}))?(?:\s+(?P<h2>\d{1,2})[:hg](?P<m2>\d{2}))?\s*$"
)


def parse_when(raw: str, zone: ZoneInfo, now: datetime) -> datetime:
    """'08:00 25/11/2026', '25/11/2026 08:00', '25/11 8h00' (local time) -> a UTC moment in
    the future, within MAX_AHEAD."""
    match = _WHEN.match(raw or "")
    if match is None or (match["h1"] is None) == (match["h2"] is None):
        raise DomainError("bc.bad_time_format")
    local_now = now.astimezone(zone)
    hour, minute = (match["h1"], match["m1"]) if match["h1"] else (match["h2"], match["m2"])
    try:
        moment = datetime(
            int(match["y"] or local_now.year),
            int(match["mo"]),
            int(match["d"]),
            int(hour),
            int(minute),
            tzinfo=zone,
        )
    except ValueError:
        raise DomainError("bc.bad_time_format") from None
    if match["y"] is None and moment < local_now:
        moment = moment.replace(year=moment.year + 1)  # "05/01" typed in December
    if not now < moment <= now + MAX_AHEAD:
        raise DomainError("bc.bad_time", days=MAX_AHEAD.days)
    return moment.astimezone(UTC)


def check_audience(audience: str) -> str:
    if audience not in AUDIENCES:
        raise DomainError("bc.bad_audience")
    return audience


async def _scope(session: AsyncSession, actor: Actor, unit_ids: list[int]) -> list[UnitDTO]:
    """The units whose subtrees a broadcast covers, each one the admin's. No units picked
    means everything the admin administers, named explicitly: the top units of their grants
    (every root for a whole-tree admin), never "the whole tree" by omission."""
    require(actor.is_admin)
    if not unit_ids:
        roots = actor.admin_roots()
        found = await unit_repo.roots(session) if roots is None else await units_at(session, roots)
        return sorted(found, key=lambda u: u.path)
    if len(unit_ids) > MAX_UNITS:
        raise DomainError("bc.too_many_units", max=MAX_UNITS)
    units = await unit_repo.many(session, unit_ids)
    if len(units) != len(set(unit_ids)) or not all(actor.is_admin_of(u) for u in units.values()):
        raise NotFound()
    return sorted(units.values(), key=lambda u: u.path)


async def _follows(session: AsyncSession, units: list[UnitDTO], audience: str) -> dict[int, int]:
    """Who has registered depends on the campaign each cell follows: only then is it read."""
    if audience != "unregistered":
        return {}
    found = await followed_by_units(session, await unit_repo.subtrees(session, units))
    return {unit: c.id for unit, c in found.items() if c is not None}


async def _count(session: AsyncSession, units: list[UnitDTO], audience: str) -> int:
    follows = await _follows(session, units, audience)
    return await repo.count_recipients(session, [u.path for u in units], audience, follows)


async def recipients(session: AsyncSession, broadcast: BroadcastDTO) -> list[repo.Recipient]:
    """Everyone a broadcast goes to now: its units' subtrees, its audience, reachable."""
    units = sorted((await unit_repo.many(session, broadcast.unit_ids)).values(), key=_path)
    if not units:
        return []
    follows = await _follows(session, units, broadcast.audience)
    return await repo.recipients(session, [u.path for u in units], broadcast.audience, follows)


def _path(unit: UnitDTO) -> str:
    return unit.path


async def count(session: AsyncSession, actor: Actor, unit_ids: list[int], audience: str) -> int:
    units = await _scope(session, actor, unit_ids)
    return await _count(session, units, check_audience(audience))


async def units_named(session: AsyncSession, actor: Actor, unit_ids: list[int]) -> list[UnitDTO]:
    """The units picked (none picked: []), once each is checked to be the admin's."""
    await _scope(session, actor, unit_ids)
    found = await unit_repo.many(session, unit_ids)
    return [found[i] for i in unit_ids if i in found]


async def create(
    session: AsyncSession,
    actor: Actor,
    *,
    text: str,
    attachment: tuple[str, str] | None,
    unit_ids: list[int],
    audience: str,
    send_at: datetime,
    report_to: tuple[str, str] | None,
    now: datetime,
) -> BroadcastDTO:
    """Queue a broadcast for `send_at` (now or later); the planner sends it when it comes."""
    units = await _scope(session, actor, unit_ids)
    paths = [u.path for u in units]
    text = check_text(text, attachment is not None)
    check_audience(audience)
    if not now - timedelta(minutes=5) <= send_at <= now + MAX_AHEAD:
        raise DomainError("bc.bad_time", days=MAX_AHEAD.days)
    found = await _count(session, units, audience)
    if found == 0:
        raise DomainError("bc.nobody")
    created = await repo.add(
        session,
        created_by=actor.user_id,
        unit_ids=[u.id for u in units],
        audience=audience,
        text=text,
        attachment_kind=attachment[0] if attachment else None,
        attachment_file_id=attachment[1] if attachment else None,
        send_at=max(send_at, now),
        state=repo.SCHEDULED,
        recipients=found,
        report_channel=report_to[0] if report_to else None,
        report_chat_id=report_to[1] if report_to else None,
        created_at=now,
    )
    await audit.record(
        session,
        actor,
        "broadcast_create",
        now,
        unit_path=_where(paths),
        subject=f"broadcast:{created.id}",
        audience=audience,
        recipients=found,
        send_at=created.send_at.isoformat(),
    )
    return created


def _where(paths: list[str]) -> str | None:
    """One path for the audit entry: the common ancestor of the subtrees, if any."""
    if not paths:
        return None
    parts = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return "/" + "".join(f"{c}/" for c in common) if common else None


async def visible(session: AsyncSession, actor: Actor, broadcast_id: int) -> BroadcastDTO:
    """A broadcast the admin may see: all its units in their scope (NotFound otherwise)."""
    found = await repo.get(session, broadcast_id)
    if found is None or not actor.is_admin:
        raise NotFound()
    units = await unit_repo.many(session, found.unit_ids)
    if not units or not all(actor.is_admin_of(u) for u in units.values()):
        raise NotFound()
    return found


async def status(session: AsyncSession, broadcast: BroadcastDTO) -> Status:
    d = await repo.delivery(session, broadcast.id)
    pending = d.get("pending", 0) + d.get("sending", 0)
    if broadcast.state == repo.SCHEDULED:
        pending = broadcast.recipients
    failed = d.get("failed", 0) + d.get("dead", 0)
    return Status(
        broadcast,
        d.get("sent", 0),
        pending,
        d.get("unreachable", 0),
        failed,
        d.get("obsolete", 0),
        d.get("unknown", 0),
    )


async def status_of(session: AsyncSession, actor: Actor, broadcast_id: int) -> Status:
    return await status(session, await visible(session, actor, broadcast_id))


NOT_REACHED_MAX = 2000  # listed for phone calls; the counts say how many in all


async def not_reached(
    session: AsyncSession, actor: Actor, broadcast_id: int
) -> list[repo.NotReached]:
    """Who a broadcast the admin may see did not reach, to be called by phone."""
    found = await visible(session, actor, broadcast_id)
    return await repo.not_reached(session, found.id, NOT_REACHED_MAX)


async def recent(session: AsyncSession, actor: Actor) -> list[BroadcastDTO]:
    """The latest broadcasts the admin may see."""
    require(actor.is_admin)
    shown: list[BroadcastDTO] = []
    for b in await repo.recent(session, RECENT * 5):
        try:
            shown.append(await visible(session, actor, b.id))
        except NotFound:
            continue
        if len(shown) == RECENT:
            break
    return shown


async def cancel(session: AsyncSession, actor: Actor, broadcast_id: int, now: datetime) -> Status:
    """Stop a broadcast: before it goes, nothing is sent; while it goes, the rest is not."""
    broadcast = await visible(session, actor, broadcast_id)
    if broadcast.state in (repo.DONE, repo.CANCELLED):
        raise DomainError("bc.already_finished")
    dropped = await repo.drop_pending(session, broadcast.id)
    await repo.set_state(session, broadcast.id, repo.CANCELLED, finished_at=now)
    units = await unit_repo.many(session, broadcast.unit_ids)
    await audit.record(
        session,
        actor,
        "broadcast_cancel",
        now,
        unit_path=_where(sorted(u.path for u in units.values())),
        subject=f"broadcast:{broadcast.id}",
        dropped=dropped,
    )
    updated = await repo.get(session, broadcast.id)
    assert updated is not None
    return await status(session, updated)


async def resend_unknown(
    session: AsyncSession, actor: Actor, broadcast_id: int, now: datetime
) -> int:
    """Send again to the people whose delivery is unknown (the request went, no answer
    came). Some of them may have it already and get it twice: the admin is told so before
    choosing this. Returns how many are queued again."""
    broadcast = await visible(session, actor, broadcast_id)
    if broadcast.state == repo.CANCELLED:
        raise DomainError("bc.already_finished")
    again = await repo.requeue_unknown(session, broadcast.id, now)
    if again:
        await repo.set_state(session, broadcast.id, repo.SENDING)
        await audit.record(
            session,
            actor,
            "broadcast_resend",
            now,
            unit_path=_where(
                sorted(u.path for u in (await unit_repo.many(session, broadcast.unit_ids)).values())
            ),
            subject=f"broadcast:{broadcast.id}",
            resent=again,
        )
    return again
