"""Who did what, when, where: the audit log of admins' and secretaries' actions.

Entries are written in the same transaction as the action, so a rolled-back action leaves
no entry. Reading is scoped: an admin sees entries in the subtrees they administer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor, require
from domain.errors import NotFound
from storage.repos import audit as repo
from storage.repos import units as unit_repo
from storage.repos.audit import AuditDTO, Filter

# Every action written to the log (the catalog has "audit.<action>" for each).
ACTIONS = (
    "import_members",
    "broadcast_create",
    "broadcast_cancel",
    "broadcast_resend",
    "commitment_approve",
    "commitment_return",
    "checkin_proxy",
    "nudge",
    "invite_create",
    "invite_revoke",
    "appoint",
    "exempt",
    "campaign_create",
    "campaign_change",
    "campaign_close",
    "unit_add",
    "unit_rename",
    "meeting_day",
    "honour_nominate",
    "honour_approve",
    "honour_decline",
    "admin_grant",
    "unit_move",
    "unit_merge",
    "unit_close",
    "member_transfer",
    "member_left",
    "guess_wrong",
    "guess_locked",
    "role_join",
    "web_signin",
    "web_signout",
)
PAGE = 20
EXPORT_LIMIT = 50_000


async def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    now: datetime,
    unit_path: str | None = None,
    subject: str | None = None,
    unit_id: int | None = None,
    **detail: object,
) -> None:
    """Log an action; `actor` None is the operator's command line. Where it happened is a
    unit path (or a unit id, looked up): admins read the entries of their subtrees."""
    assert action in ACTIONS, action
    if unit_path is None and unit_id is not None:
        unit = await unit_repo.get(session, unit_id)
        unit_path = unit.path if unit is not None else None
    user_id = actor.user_id if actor is not None else None
    detail = {k: v for k, v in detail.items() if v is not None}
    await repo.add(session, now, user_id, action, unit_path, subject, detail)


async def latest(
    session: AsyncSession, actor: Actor, limit: int = PAGE, before_id: int | None = None
) -> list[AuditDTO]:
    """The newest entries the admin may see."""
    require(actor.is_admin)
    return await repo.latest(session, actor.admin_roots(), limit, before_id, actor.user_id)


async def everything(session: AsyncSession, actor: Actor | None) -> list[AuditDTO]:
    """For export: the admin's scope, or everything for the operator (actor None)."""
    if actor is None:
        return await repo.latest(session, None, EXPORT_LIMIT)
    require(actor.is_admin)
    return await repo.latest(session, actor.admin_roots(), EXPORT_LIMIT, author=actor.user_id)


async def search(
    session: AsyncSession,
    actor: Actor,
    only: Filter,
    limit: int = PAGE,
    before_id: int | None = None,
) -> list[AuditDTO]:
    """The entries the admin may see, narrowed by action, author's name, unit and dates; a
    unit to narrow to must be one they administer."""
    require(actor.is_admin)
    roots = actor.admin_roots()
    return await repo.latest(session, roots, limit, before_id, actor.user_id, only)


async def narrowed_to(session: AsyncSession, actor: Actor, unit_id: int) -> str:
    """The path of a unit the admin administers, to narrow the log to (not found otherwise)."""
    unit = await unit_repo.get(session, unit_id)
    if unit is None or not actor.is_admin_of(unit):
        raise NotFound()
    return unit.path
