"""Members and the people behind chat accounts: identify, register, profile, leave, appoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, validation
from domain.access import Actor, require
from domain.errors import DomainError, NotFound
from domain.invites import invite_unit
from domain.units import visible
from storage.dto import AccountDTO, InviteDTO, MemberDTO, Role, UnitDTO
from storage.repos import invites as invite_repo
from storage.repos import members as repo
from storage.repos import schedules as schedule_repo
from storage.repos import units as unit_repo
from storage.repos import users as user_repo

LEADER_ROLES = (Role.SECRETARY, Role.DEPUTY)


@dataclass(frozen=True)
class Identity:
    account: AccountDTO
    actor: Actor
    is_new: bool


@dataclass(frozen=True)
class Registration:
    unit: UnitDTO
    member: MemberDTO | None
    role: Role
    invited_by: int | None


async def identify(
    session: AsyncSession,
    channel: str,
    external_id: str,
    chat_id: str | None,
    display_name: str,
    default_language: str,
    root_admin: bool,
    now: datetime,
) -> Identity:
    """Find or create the account behind an incoming message and load what it may do."""
    account = await user_repo.find_account(session, channel, external_id)
    is_new = account is None
    if account is None:
        account = await user_repo.create_account(
            session, channel, external_id, chat_id, display_name, default_language, now
        )
    else:
        await user_repo.touch_account(session, account.id, chat_id, now)
    actor = await load_actor(session, account, root_admin)
    if account is not None and account.unreachable and actor.member is not None:
        await schedule_repo.wake(session, [actor.member.id], now)  # back: remind again
    return Identity(account, actor, is_new)


async def load_actor(session: AsyncSession, account: AccountDTO, root_admin: bool) -> Actor:
    member = await repo.active_of_user(session, account.user_id)
    grants = await user_repo.grants(session, account.user_id)
    return Actor(account.user_id, account.language, member, tuple(grants), root_admin)


async def actor_of(
    session: AsyncSession, user_id: int, root_admins: frozenset[tuple[str, str]] = frozenset()
) -> Actor:
    """What a person may do, found by their user id (a web session); root when one of their
    accounts is among `root_admins` ((network, id) pairs from the settings)."""
    language = (await user_repo.languages(session, [user_id])).get(user_id, "vi")
    member = await repo.active_of_user(session, user_id)
    return await actor_with(session, user_id, language, member, root_admins)


async def actor_with(
    session: AsyncSession,
    user_id: int,
    language: str,
    member: MemberDTO | None,
    root_admins: frozenset[tuple[str, str]] = frozenset(),
) -> Actor:
    """`actor_of`, the person's language and active membership already read."""
    root = bool(root_admins) and any(
        (a.channel, a.external_id) in root_admins
        for a in await user_repo.accounts_of(session, user_id)
    )
    grants = await user_repo.grants(session, user_id)
    return Actor(user_id, language, member, tuple(grants), root)


async def set_language(session: AsyncSession, actor: Actor, language: str) -> None:
    if language not in ("vi", "en"):
        raise DomainError("error.bad_choice")
    await user_repo.set_language(session, actor.user_id, language)


async def check_can_register(
    session: AsyncSession, actor: Actor, invite: InviteDTO, unit: UnitDTO
) -> None:
    """A person holds one membership. A secretary's or deputy's invite may be used by a member
    only where they belong: a cell's by its own members, a committee's by members of a cell
    under it (a leader of a cell is one of its members); anyone else is told why."""
    if actor.member is None:
        return
    if invite.role is Role.MEMBER or invite.member_id:
        raise DomainError("register.already_member")
    cell = await unit_repo.get(session, actor.member.unit_id)
    inside = cell is not None and (
        cell.id == unit.id if unit.kind.is_cell else cell.path.startswith(unit.path)
    )
    if not inside:
        raise DomainError(
            "register.leader_elsewhere", cell=cell.name if cell else "", unit=unit.name
        )


async def personal_record(session: AsyncSession, invite: InviteDTO) -> MemberDTO | None:
    """The member record a personal invite (from an import) is for; DomainError if someone
    has taken it meanwhile or the member left."""
    if invite.member_id is None:
        return None
    member = await repo.get(session, invite.member_id)
    if member is None or member.status != "active":
        raise DomainError("invite.unknown")
    if member.user_id is not None:
        raise DomainError("invite.used_up")
    return member


async def register(
    session: AsyncSession,
    actor: Actor,
    invite_id: int,
    profile: dict[str, object],
    now: datetime,
) -> Registration:
    """Use the invite: create the member (for a cell) and grant the invite's role."""
    invite = await invite_repo.get(session, invite_id)
    if invite is None:
        raise DomainError("invite.unknown")
    unit = await invite_unit(session, invite)
    await check_can_register(session, actor, invite, unit)
    record = await personal_record(session, invite)
    if not await invite_repo.consume(session, invite.id, now):
        raise DomainError("invite.used_up")
    member = actor.member
    if record is not None:
        member = await _link(session, actor, record, now)
    elif member is None and unit.kind.is_cell:
        member = await _new_member(session, actor, unit, profile, now)
    if invite.role is not Role.MEMBER:
        await user_repo.add_grant(session, actor.user_id, invite.role, unit.id, None, now)
        await audit.record(
            session,
            actor,
            "role_join",
            now,
            unit_path=unit.path,
            subject=f"user:{actor.user_id}",
            role=invite.role.value,
            invited_by=invite.created_by,
        )
    return Registration(unit, member, invite.role, invite.created_by)


async def _new_member(
    session: AsyncSession,
    actor: Actor,
    unit: UnitDTO,
    profile: dict[str, object],
    now: datetime,
) -> MemberDTO:
    member = await repo.add(
        session,
        unit.id,
        actor.user_id,
        validation.full_name(str(profile.get("name", ""))),
        _optional_position(profile.get("position")),
        bool(profile.get("is_head", False)),
        now,
    )
    await schedule_repo.ensure(session, member.id, now)
    return member


async def _link(session: AsyncSession, actor: Actor, record: MemberDTO, now: datetime) -> MemberDTO:
    """The person takes up the record an import made for them."""
    if not await repo.link_user(session, record.id, actor.user_id):
        raise DomainError("invite.used_up")
    await schedule_repo.ensure(session, record.id, now)
    linked = await repo.get(session, record.id)
    assert linked is not None
    return linked


def _optional_position(value: object) -> str | None:
    return validation.position(str(value)) if value else None


def needs_profile(actor: Actor, invite: InviteDTO, unit: UnitDTO) -> bool:
    """Whether using this invite asks for name and position (a personal one knows them)."""
    return actor.member is None and unit.kind.is_cell and invite.member_id is None


async def update_profile(session: AsyncSession, actor: Actor, field: str, raw: object) -> MemberDTO:
    member = _own_member(actor)
    if field == "name":
        await repo.update_profile(session, member.id, full_name=validation.full_name(str(raw)))
    elif field == "position":
        await repo.update_profile(session, member.id, position=_optional_position(raw))
    elif field == "is_head":
        await repo.update_profile(session, member.id, is_head=bool(raw))
    else:
        raise DomainError("error.bad_choice")
    updated = await repo.get(session, member.id)
    assert updated is not None
    return updated


def _own_member(actor: Actor) -> MemberDTO:
    if actor.member is None:
        raise DomainError("profile.not_member")
    return actor.member


async def leave(session: AsyncSession, actor: Actor, now: datetime) -> UnitDTO:
    """The member leaves the bot; the record stays with the cell, the roles go."""
    member = _own_member(actor)
    await repo.leave(session, member.id, now)
    await user_repo.remove_grants(session, actor.user_id, LEADER_ROLES)
    unit = await unit_repo.get(session, member.unit_id)
    assert unit is not None
    return unit


async def appoint(
    session: AsyncSession, actor: Actor, unit_id: int, member_id: int, role: Role, now: datetime
) -> tuple[UnitDTO, MemberDTO, bool]:
    """Make a member of the unit its secretary or deputy. Returns whether it was new."""
    if role not in LEADER_ROLES:
        raise DomainError("error.bad_choice")
    unit = await visible(session, actor, unit_id)
    require(actor.is_admin_of(unit) or actor.is_secretary_of(unit))
    member = await repo.get(session, member_id)
    if member is None or member.unit_id != unit.id or member.status != "active":
        raise NotFound()
    if member.user_id is None:
        raise DomainError("appoint.no_account")
    added = await user_repo.add_grant(session, member.user_id, role, unit.id, actor.user_id, now)
    if added:
        await audit.record(
            session,
            actor,
            "appoint",
            now,
            unit_path=unit.path,
            subject=f"member:{member.id}",
            role=role.value,
        )
    return unit, member, added


async def unit_members(
    session: AsyncSession, actor: Actor, unit_id: int, offset: int, limit: int
) -> tuple[UnitDTO, list[MemberDTO], int]:
    unit = await visible(session, actor, unit_id)
    found = await repo.of_unit(session, unit.id, offset, limit)
    return unit, found, await repo.count_of_unit(session, unit.id)


async def leaders_to_notify(session: AsyncSession, unit: UnitDTO) -> list[int]:
    """The unit's secretaries and deputies; if it has none yet, the nearest ones above it."""
    return await leaders_along(session, unit.path)


async def leaders_along(session: AsyncSession, path: str) -> list[int]:
    """Leaders of the deepest unit on this path (/1/5/9/) that has any."""
    for unit_id in reversed([int(p) for p in path.strip("/").split("/") if p]):
        found = await user_repo.leaders_of(session, [unit_id])
        if found:
            return found
    return []


async def own_unit(session: AsyncSession, actor: Actor) -> UnitDTO:
    """The cell of the acting member."""
    member = _own_member(actor)
    unit = await unit_repo.get(session, member.unit_id)
    if unit is None:
        raise NotFound()
    return unit


async def set_exempt(
    session: AsyncSession, actor: Actor, member_id: int, exempt: bool, now: datetime
) -> MemberDTO:
    """Miễn sinh hoạt: no reminders, left out of statistics. Set by the cell's leaders."""
    member = await active_member(session, member_id)
    unit = await visible(session, actor, member.unit_id)
    require(actor.leads(unit) or actor.is_admin_of(unit))
    await repo.set_exempt(session, member.id, exempt)
    await schedule_repo.wake(session, [member.id], now)
    await audit.record(
        session,
        actor,
        "exempt",
        now,
        unit_path=unit.path,
        subject=f"member:{member.id}",
        exempt=exempt,
    )
    updated = await repo.get(session, member.id)
    assert updated is not None
    return updated


async def member_of(session: AsyncSession, member_id: int) -> MemberDTO:
    member = await repo.get(session, member_id)
    if member is None:
        raise NotFound()
    return member


async def grant_admin(
    session: AsyncSession,
    channel: str,
    external_id: str,
    scope: UnitDTO | None,
    default_language: str,
    now: datetime,
) -> bool:
    """Make the person behind a chat id an admin of a subtree (None: the whole tree)."""
    account = await user_repo.find_account(session, channel, external_id)
    if account is None:
        # In a private Telegram chat the chat id is the user id.
        account = await user_repo.create_account(
            session, channel, external_id, external_id, "", default_language, now
        )
    added = await user_repo.add_grant(
        session, account.user_id, Role.ADMIN, scope.id if scope else None, None, now
    )
    if added:
        await audit.record(
            session,
            None,
            "admin_grant",
            now,
            unit_path=scope.path if scope else None,
            subject=f"user:{account.user_id}",
            channel=channel,
            account=external_id,
        )
    return added


async def active_member(session: AsyncSession, member_id: int) -> MemberDTO:
    """The member with this id, still in their cell; NotFound otherwise."""
    member = await repo.get(session, member_id)
    if member is None or member.status != "active":
        raise NotFound()
    return member
