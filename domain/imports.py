"""Importing members (and the units they belong to) from a spreadsheet.

Two steps. `check` reads every row and says, by line number, what is wrong with the bad ones;
it writes nothing. `apply` writes the good rows: missing units, new members (each with a
personal invite: using it links the person to their record), changed positions or phones.
Importing the same file again changes nothing. A member is known by cell and name (case and
spacing aside), so a file is the unit of truth for "who is in which cell", not for identity
beyond that.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, validation
from domain.access import Actor, require
from domain.errors import DomainError
from domain.invites import hash_code, hash_token, new_code
from domain.tables import Table, fold
from domain.units import CHILD_KINDS, infer_kind
from storage.dto import Role, UnitDTO, UnitKind
from storage.repos import imports as repo
from storage.repos import members as member_repo
from storage.repos import schedules as schedule_repo
from storage.repos import units as unit_repo
from storage.repos import users as user_repo

MAX_ROWS = 200_000
INVITE_DAYS = 60
COLUMNS = ("unit", "name", "position", "head", "role", "phone")
REQUIRED = ("unit", "name")
# Roles as offices write them, folded (no case, no diacritics), longest first: «Phó Bí thư
# chi bộ», «Bí thư Chi bộ», «Đảng viên dự bị», «Chi ủy viên» (a committee member holds no
# role on the bot: a member).
ROLE_PREFIXES = (
    ("pho bi thu", Role.DEPUTY),
    ("deputy", Role.DEPUTY),
    ("bi thu", Role.SECRETARY),
    ("secretary", Role.SECRETARY),
    ("dang vien", Role.MEMBER),
    ("chi uy vien", Role.MEMBER),
    ("cap uy vien", Role.MEMBER),
    ("dang uy vien", Role.MEMBER),
    ("uy vien", Role.MEMBER),
    ("member", Role.MEMBER),
)
# A new unit's name starts like a Party organisation's; anything else is likely a piece of a
# name cut at a '/' ("Đảng bộ Công ty 3/2" read as two levels).
UNIT_WORDS = ("dang bo", "chi bo", "dang uy", "party")
YES = {"x", "co", "1", "yes", "y", "true", "dung"}
NO = {"", "khong", "0", "no", "n", "false", "sai"}


@dataclass(frozen=True)
class ImportRow:
    line: int
    cell: int  # a unit id; negative for a unit this import creates
    full_name: str
    position: str | None
    is_head: bool
    role: Role
    phone: str | None


@dataclass(frozen=True)
class RowError:
    line: int
    key: str  # catalog key of the reason
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class NewUnit:
    ref: int  # negative
    parent: int | None  # an existing id, another NewUnit's ref, or None for a root
    name: str
    kind: UnitKind
    path: str = ""  # "A > B > C", as the admin reads it


@dataclass(frozen=True)
class Move:
    """A known member listed under another cell: a transfer, not a second record."""

    line: int
    member_id: int
    full_name: str
    source: str  # the path of the cell they are in
    cell: int  # the cell they go to (negative: one this import creates)


@dataclass
class ImportCheck:
    rows: list[ImportRow]
    errors: list[RowError]
    units: list[NewUnit]  # parents first
    paths: dict[int, str]  # cell ref -> "A / B / C", for reports and the links file
    total: int
    common_path: str | None = None  # the deepest existing unit holding every good row
    moves: list[Move] = field(default_factory=list)

    @property
    def good(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Link:
    unit: str  # the cell's path, for grouping
    full_name: str
    position: str | None
    role: Role
    token: str
    code: str = ""  # the short code to type where a link cannot be tapped (Zalo)


@dataclass
class ImportResult:
    units_created: int = 0
    moved: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links: list[Link] = field(default_factory=list)


class _Tree:
    """The existing tree, looked up by (parent, name), plus the units this import will add."""

    def __init__(self, units: Iterable[UnitDTO]) -> None:
        self.by_id: dict[int, UnitDTO] = {}
        self.children: dict[tuple[int | None, str], int] = {}
        self.folded: dict[tuple[int | None, str], str] = {}  # near-duplicates, by folded name
        self.kinds: dict[int, UnitKind] = {}
        for unit in units:
            self.by_id[unit.id] = unit
            self.children[(unit.parent_id, _key(unit.name))] = unit.id
            self.folded[(unit.parent_id, _loose(unit.name))] = unit.name
            self.kinds[unit.id] = unit.kind
        self.new: list[NewUnit] = []
        self.names: dict[int, str] = {}  # ref or id -> its path as read

    def find_or_plan(self, names: list[str]) -> tuple[list[int], int | None]:
        """Ids along the path (new ones negative) and the deepest existing one (None if the
        root itself is new). Raises DomainError for a path the tree cannot hold."""
        parent: int | None = None
        ids: list[int] = []
        deepest: int | None = None
        for depth, name in enumerate(names):
            found = self.children.get((parent, _key(name)))
            if found is None:
                found = self._plan(parent, name, " > ".join(names[: depth + 1]))
            elif found > 0:
                deepest = found
            ids.append(found)
            parent = found
        return ids, deepest

    def _plan(self, parent: int | None, name: str, path: str) -> int:
        parent_kind = self.kinds[parent] if parent is not None else None
        if parent_kind is not None and not CHILD_KINDS[parent_kind]:
            raise DomainError("import.under_cell")
        close = self.folded.get((parent, _loose(name)))
        if close is not None:  # «…tinh» for «…tỉnh», a double space, another case
            raise DomainError("import.near_duplicate", name=name, existing=close)
        if not fold(name).startswith(UNIT_WORDS):
            raise DomainError("import.odd_unit_name", name=name)
        kind = infer_kind(name, parent_kind)
        ref = -(len(self.new) + 1)
        self.new.append(NewUnit(ref, parent, name, kind, path))
        self.children[(parent, _key(name))] = ref
        self.folded[(parent, _loose(name))] = name
        self.kinds[ref] = kind
        return ref


def _key(text: str) -> str:
    return validation.normalize(text).casefold()


def _loose(text: str) -> str:
    """A name without case, diacritics or spacing: near-duplicates share it."""
    return fold(text).replace(" ", "")


def _cell(value: str) -> str:
    return validation.normalize(value or "")


async def check(
    session: AsyncSession,
    actor: Actor | None,
    table: Table,
    progress: Callable[[int], object] | None = None,
) -> ImportCheck:
    """Validate every row against the tree and the actor's scope; writes nothing.

    `actor` None is the operator's command line (the whole tree); `progress` hears how many
    rows are done, every thousand."""
    if actor is not None:
        require(actor.is_admin)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise DomainError("import.missing_columns", columns=", ".join(missing))
    if len(table.rows) > MAX_ROWS:
        raise DomainError("import.too_many_rows", max=MAX_ROWS)
    tree = _Tree(await unit_repo.subtree(session, None))
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[int, str], int] = {}
    paths: dict[int, str] = {}
    common: list[int] | None = None
    for done, (line, values) in enumerate(table.rows):
        if progress is not None and done % 1000 == 0:
            progress(done)
        try:
            row, path, ids = _row(tree, actor, line, values)
        except DomainError as error:
            errors.append(RowError(line, error.key, dict(error.params)))
            continue
        first = seen.setdefault((row.cell, _key(row.full_name)), line)
        if first != line:
            errors.append(RowError(line, "import.duplicate", {"first": first}))
            continue
        paths.setdefault(row.cell, path)
        rows.append(row)
        common = _common(common, ids)
    used = _used_refs(tree, rows)
    units = [u for u in tree.new if u.ref in used]
    where = "/" + "".join(f"{i}/" for i in common) if common else None
    moves = await _moves(session, actor, tree, rows)
    return ImportCheck(rows, errors, units, paths, len(table.rows), where, moves)


async def _moves(
    session: AsyncSession, actor: Actor | None, tree: _Tree, rows: list[ImportRow]
) -> list[Move]:
    """Rows naming a member the tree knows in another cell (and no longer in theirs, in this
    file): transfers. Known by name (and by phone, when both have one), only when exactly one
    member in the admin's scope fits — never a guess between two people of the same name."""
    roots = actor.admin_roots() if actor is not None else None
    scope = None if roots is None else roots
    known = await repo.active_under(session, scope)
    by_name: dict[str, list[repo.KnownMember]] = {}
    present = set()
    for member in known:
        by_name.setdefault(_key(member.full_name), []).append(member)
        present.add((member.unit_id, _key(member.full_name)))
    listed = {(row.cell, _key(row.full_name)) for row in rows}
    moves: list[Move] = []
    for row in rows:
        name = _key(row.full_name)
        if (row.cell, name) in present:
            continue
        fits = [
            m
            for m in by_name.get(name, [])
            if (m.unit_id, name) not in listed and _same_phone(m.phone, row.phone)
        ]
        if len(fits) == 1:
            source = tree.by_id.get(fits[0].unit_id)
            where = await _path_of(session, source) if source is not None else ""
            moves.append(Move(row.line, fits[0].id, row.full_name, where, row.cell))
    return moves


def _same_phone(known: str | None, given: str | None) -> bool:
    return known is None or given is None or known == given


async def _path_of(session: AsyncSession, unit: UnitDTO) -> str:
    return " > ".join(await unit_repo.names_along(session, unit))


def _common(common: list[int] | None, ids: list[int]) -> list[int]:
    """The longest shared start of two paths' existing units (new ones come only below)."""
    existing = [i for i in ids if i > 0]
    if common is None:
        return existing
    n = 0
    while n < min(len(common), len(existing)) and common[n] == existing[n]:
        n += 1
    return common[:n]


def _row(
    tree: _Tree, actor: Actor | None, line: int, values: dict[str, str]
) -> tuple[ImportRow, str, list[int]]:
    raw_path = _cell(values.get("unit", ""))
    if not raw_path:
        raise DomainError("import.no_unit")
    names = _names(raw_path)
    raw_name = _cell(values.get("name", ""))
    if not raw_name:
        raise DomainError("import.no_name")
    full_name = validation.full_name(raw_name)
    role = _role(values.get("role", ""))
    is_head = _flag(values.get("head", ""))
    position = _cell(values.get("position", ""))
    phone = _phone(values.get("phone", ""))
    ids, deepest = tree.find_or_plan(names)
    _check_scope(tree, actor, deepest)
    if not tree.kinds[ids[-1]].is_cell:
        raise DomainError("import.not_a_cell", unit=names[-1])
    return (
        ImportRow(
            line,
            ids[-1],
            full_name,
            validation.position(position) if position else None,
            is_head,
            role,
            phone,
        ),
        " / ".join(names),
        ids,
    )


def _names(raw_path: str) -> list[str]:
    try:
        return validation.split_path(raw_path)
    except DomainError:
        raise DomainError("import.bad_path") from None


def _check_scope(tree: _Tree, actor: Actor | None, deepest: int | None) -> None:
    """The path must be in the actor's subtree; a new root needs a whole-tree admin."""
    if actor is None:
        return
    if deepest is None:
        if not actor.is_tree_admin():
            raise DomainError("import.out_of_scope")
        return
    # New units come only below existing ones: holding the deepest existing unit is holding
    # the whole path (its cell, when the path exists already).
    if not actor.is_admin_of(tree.by_id[deepest]):
        raise DomainError("import.out_of_scope")


def _role(raw: str) -> Role:
    value = fold(raw)
    if not value:
        return Role.MEMBER
    for prefix, role in ROLE_PREFIXES:
        if value.startswith(prefix):
            return role
    raise DomainError("import.bad_role", value=raw)


def _flag(raw: str) -> bool:
    value = fold(raw)
    if value in YES:
        return True
    if value in NO:
        return False
    raise DomainError("import.bad_flag", value=raw)


def _phone(raw: str) -> str | None:
    value = _cell(raw)
    if not value:
        return None
    digits = "".join(ch for ch in value if ch in "0123456789")
    if any(ch not in "0123456789 .-+()" for ch in value) or not 9 <= len(digits) <= 15:
        raise DomainError("import.bad_phone", value=value)
    if len(digits) == 9 and not value.startswith("+") and digits[0] != "0":
        digits = "0" + digits  # a number column dropped the leading 0 of 0912…
    return ("+" if value.startswith("+") else "") + digits


def _used_refs(tree: _Tree, rows: Sequence[ImportRow]) -> set[int]:
    """New units some good row needs (a bad row's planned units are not created)."""
    parents = {u.ref: u.parent for u in tree.new}
    used: set[int] = set()
    for row in rows:
        ref: int | None = row.cell
        while ref is not None and ref < 0 and ref not in used:
            used.add(ref)
            ref = parents[ref]
    return used


async def apply(
    session: AsyncSession,
    actor: Actor | None,
    plan: ImportCheck,
    now: datetime,
    invite_days: int = INVITE_DAYS,
    progress: Callable[[int], object] | None = None,
) -> ImportResult:
    """Write the good rows of a check made in this same state of the tree; `progress` hears
    how many rows are written."""
    result = ImportResult()
    real = await _create_units(session, plan.units, now)
    result.units_created = len(plan.units)
    cells = {row.cell: real.get(row.cell, row.cell) for row in plan.rows}
    result.moved = await _transfer(session, actor, plan.moves, real, now)
    moved = {move.line for move in plan.moves}
    known = {
        (m.unit_id, _key(m.full_name)): m
        for m in await repo.active_in(session, [c for c in cells.values() if c > 0])
    }
    held = await user_repo.held(session, [m.user_id for m in known.values() if m.user_id])
    new_rows: list[ImportRow] = []
    changes: list[dict[str, object]] = []
    for row in plan.rows:
        member = known.get((cells[row.cell], _key(row.full_name)))
        if member is None:
            new_rows.append(row)
            continue
        change = _changes(row, member)
        if change:
            changes.append({"id": member.id, **change})
        user = member.user_id
        grant = (user or 0, row.role, member.unit_id)
        if user is not None and row.role is not Role.MEMBER and grant not in held:
            await user_repo.add_grant(session, user, row.role, member.unit_id, _by(actor), now)
            held.add(grant)
            change = change or {"role": row.role}
        if row.line not in moved:  # a transfer is counted as one, whatever else changed
            result.updated += bool(change)
            result.unchanged += not change
    await repo.update_members(session, changes)
    if progress is not None:
        progress(len(plan.rows) - len(new_rows))
    result.links = await _add_members(session, actor, new_rows, cells, plan, now, invite_days)
    result.created = len(new_rows)
    await audit.record(
        session,
        actor,
        "import_members",
        now,
        unit_path=plan.common_path,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        moved=result.moved,
        units=result.units_created,
        skipped=len(plan.errors),
    )
    return result


async def _transfer(
    session: AsyncSession,
    actor: Actor | None,
    moves: Sequence[Move],
    real: dict[int, int],
    now: datetime,
) -> int:
    """The transfers the check found: history kept, rights of the old cell ended."""
    by_cell: dict[int, list[int]] = {}
    for move in moves:
        by_cell.setdefault(real.get(move.cell, move.cell), []).append(move.member_id)
    for cell, members in by_cell.items():
        await member_repo.transfer(session, members, cell, now, _by(actor), "import")
        target = await unit_repo.get(session, cell)
        for member in (await member_repo.many(session, members)).values():
            if member.user_id is not None and target is not None:
                await user_repo.drop_leader_grants_outside(session, member.user_id, target.path)
        await schedule_repo.wake(session, members, now)
    return len(moves)


def _by(actor: Actor | None) -> int | None:
    return actor.user_id if actor is not None else None


def _changes(row: ImportRow, member: repo.KnownMember) -> dict[str, object]:
    change: dict[str, object] = {}
    if row.position is not None and row.position != member.position:
        change["position"] = row.position
    if row.is_head != member.is_head:
        change["is_head"] = row.is_head
    if row.phone is not None and row.phone != member.phone:
        change["phone"] = row.phone
    return change


async def _create_units(
    session: AsyncSession, units: Sequence[NewUnit], now: datetime
) -> dict[int, int]:
    """Create the planned units, parents first; returns ref -> new id."""
    real: dict[int, int] = {}
    made: dict[int, UnitDTO] = {}
    for unit in units:
        parent_id = real.get(unit.parent, unit.parent) if unit.parent is not None else None
        parent = made.get(parent_id) if parent_id is not None else None
        if parent_id is not None and parent is None:
            parent = await unit_repo.get(session, parent_id)
        created = await unit_repo.add(session, parent, unit.kind, unit.name, now)
        real[unit.ref] = created.id
        made[created.id] = created
    return real


async def _add_members(
    session: AsyncSession,
    actor: Actor | None,
    rows: Sequence[ImportRow],
    cells: dict[int, int],
    plan: ImportCheck,
    now: datetime,
    invite_days: int,
) -> list[Link]:
    ids = await repo.add_members(
        session,
        [
            {
                "unit_id": cells[row.cell],
                "user_id": None,
                "full_name": row.full_name,
                "position": row.position,
                "is_head": row.is_head,
                "phone": row.phone,
                "status": "active",
                "exempt": False,
                "joined_at": now,
                "unit_since": now,
            }
            for row in rows
        ],
    )
    links: list[Link] = []
    invites: list[dict[str, object]] = []
    expires = now + timedelta(days=invite_days)
    for row, member_id in zip(rows, ids, strict=True):
        token, code = secrets.token_urlsafe(24), new_code()
        invites.append(
            {
                "token_hash": hash_token(token),
                "code_hash": hash_code(code),
                "unit_id": cells[row.cell],
                "role": row.role.value,
                "member_id": member_id,
                "created_by": _by(actor),
                "created_at": now,
                "expires_at": expires,
                "max_uses": 1,
                "uses": 0,
            }
        )
        links.append(Link(plan.paths[row.cell], row.full_name, row.position, row.role, token, code))
    await repo.add_invites(session, invites)
    return links
