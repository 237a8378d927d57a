"""The organisation tree: adding, renaming, finding and listing units within one's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, validation
from domain.access import Actor, require, tops
from domain.errors import DomainError, NotFound
from domain.tables import fold
from storage.dto import UnitDTO, UnitKind, UnitSummary
from storage.repos import units as repo

K = UnitKind
CHILD_KINDS: dict[UnitKind | None, tuple[UnitKind, ...]] = {
    None: (K.DANG_BO_KHOI, K.DANG_BO_CO_SO, K.CHI_BO_CO_SO),
    K.DANG_BO_KHOI: (K.DANG_BO_KHOI, K.DANG_BO_CO_SO, K.CHI_BO_CO_SO),
    K.DANG_BO_CO_SO: (K.DANG_BO_BO_PHAN, K.CHI_BO_TRUC_THUOC),
    K.DANG_BO_BO_PHAN: (K.CHI_BO_TRUC_THUOC,),
    K.CHI_BO_CO_SO: (),
    K.CHI_BO_TRUC_THUOC: (),
}


def infer_kind(name: str, parent: UnitKind | None) -> UnitKind:
    """Guess a unit's kind from its name and its parent's kind."""
    lowered = name.lower()
    allowed = CHILD_KINDS[parent]
    if not allowed:
        raise DomainError("unit.cell_has_no_children")
    if lowered.startswith("chi bộ"):
        cell = K.CHI_BO_TRUC_THUOC if K.CHI_BO_TRUC_THUOC in allowed else K.CHI_BO_CO_SO
        return cell
    if "bộ phận" in lowered and K.DANG_BO_BO_PHAN in allowed:
        return K.DANG_BO_BO_PHAN
    if (lowered.startswith("đảng bộ khối") or parent is None) and K.DANG_BO_KHOI in allowed:
        return K.DANG_BO_KHOI
    return K.DANG_BO_CO_SO if K.DANG_BO_CO_SO in allowed else allowed[0]


def check_kind(kind: UnitKind, parent: UnitKind | None) -> None:
    if kind not in CHILD_KINDS[parent]:
        raise DomainError("unit.kind_not_allowed")


async def _create(
    session: AsyncSession, parent: UnitDTO | None, name: str, kind: UnitKind, now: datetime
) -> UnitDTO:
    check_kind(kind, parent.kind if parent else None)
    if await repo.child_by_name(session, parent.id if parent else None, name):
        raise DomainError("unit.duplicate", name=name)
    return await repo.add(session, parent, kind, name, now)


async def add_unit(
    session: AsyncSession,
    actor: Actor,
    parent_id: int | None,
    raw_name: str,
    kind: UnitKind,
    now: datetime,
) -> UnitDTO:
    """Add a unit under parent (a root for a whole-tree admin)."""
    name = validation.unit_name(raw_name)
    parent = await visible(session, actor, parent_id) if parent_id is not None else None
    require(actor.is_admin_of(parent) if parent else actor.is_tree_admin())
    unit = await _create(session, parent, name, kind, now)
    await audit.record(
        session, actor, "unit_add", now, unit_path=unit.path, subject=f"unit:{unit.id}", name=name
    )
    return unit


async def add_path(
    session: AsyncSession, raw_path: str, now: datetime, kind: UnitKind | None = None
) -> tuple[UnitDTO, int]:
    """Create 'A/B/C' and any missing parents (operator's CLI). Returns the leaf and how many
    units were created."""
    names = validation.split_path(raw_path)
    parent: UnitDTO | None = None
    created = 0
    for depth, name in enumerate(names):
        found = await repo.child_by_name(session, parent.id if parent else None, name)
        if found is None:
            parent_kind = parent.kind if parent else None
            leaf = depth == len(names) - 1
            this_kind = kind if leaf and kind else infer_kind(name, parent_kind)
            found = await _create(session, parent, name, this_kind, now)
            created += 1
        parent = found
    assert parent is not None
    return parent, created


async def find_path(session: AsyncSession, raw_path: str) -> UnitDTO:
    """The unit at 'A/B/C', or NotFound naming the first missing part."""
    parent: UnitDTO | None = None
    for name in validation.split_path(raw_path):
        found = await repo.child_by_name(session, parent.id if parent else None, name)
        if found is None:
            raise NotFound("unit.path_not_found", name=name)
        parent = found
    assert parent is not None
    return parent


async def rename_unit(
    session: AsyncSession, actor: Actor, unit_id: int, raw_name: str, now: datetime
) -> UnitDTO:
    name = validation.unit_name(raw_name)
    unit = await visible(session, actor, unit_id)
    require(actor.is_admin_of(unit))
    clash = await repo.child_by_name(session, unit.parent_id, name)
    if clash is not None and clash.id != unit.id:
        raise DomainError("unit.duplicate", name=name)
    await repo.rename(session, unit.id, name)
    await audit.record(
        session,
        actor,
        "unit_rename",
        now,
        unit_path=unit.path,
        subject=f"unit:{unit.id}",
        before=unit.name,
        after=name,
    )
    return UnitDTO(unit.id, unit.parent_id, unit.kind, name, unit.path)


async def visible(session: AsyncSession, actor: Actor, unit_id: int) -> UnitDTO:
    """The unit if the actor administers or leads it; NotFound otherwise (existence is not
    disclosed)."""
    unit = await repo.get(session, unit_id)
    if unit is None or unit.closed or not (actor.is_admin_of(unit) or actor.leads(unit)):
        raise NotFound()
    return unit


async def scope_roots(session: AsyncSession, actor: Actor) -> list[UnitDTO]:
    """The top units the actor manages or leads, without ones nested in another."""
    if actor.is_tree_admin():
        return await repo.roots(session)
    found = await units_at(session, tops(g.unit_path for g in actor.grants if g.unit_id))
    return sorted(found, key=lambda u: u.name)


async def units_at(session: AsyncSession, paths: list[str]) -> list[UnitDTO]:
    """The units these paths end in ('/1/5/' -> unit 5)."""
    found = await repo.many(session, [int(p.strip("/").split("/")[-1]) for p in paths])
    return list(found.values())


@dataclass(frozen=True)
class UnitPage:
    unit: UnitDTO
    children: list[UnitSummary]
    child_count: int
    member_count: int


async def children(
    session: AsyncSession, actor: Actor, unit_id: int, offset: int, limit: int
) -> UnitPage:
    """A unit in the actor's scope with one page of its children."""
    unit = await visible(session, actor, unit_id)
    kids = await repo.children(session, unit.id, offset, limit)
    count = await repo.count_children(session, unit.id)
    members = await repo.member_counts(session, [unit.id])
    return UnitPage(unit, kids, count, members.get(unit.id, 0))


async def path_names(session: AsyncSession, unit: UnitDTO) -> list[str]:
    return await repo.names_along(session, unit)


SEARCH_LIMIT = 8


async def search(
    session: AsyncSession, actor: Actor, text: str, cells_only: bool = False
) -> list[UnitDTO]:
    """Open units the actor administers whose name contains the words typed (case and
    diacritics aside: "chi bo van phong" finds «Chi bộ Văn phòng»), fewest levels first."""
    wanted = fold(validation.normalize(text))
    if len(wanted) < 2:
        raise DomainError("unit.search_short")
    roots = actor.admin_roots()
    if roots is None:
        found = await repo.subtree(session, None)
    else:
        found = await repo.subtrees(session, await units_at(session, roots))
    hits = [
        u
        for u in found
        if wanted in fold(u.name) and (u.kind.is_cell or not cells_only) and actor.is_admin_of(u)
    ]
    hits.sort(key=lambda u: (u.path.count("/"), fold(u.name)))
    return hits[:SEARCH_LIMIT]
