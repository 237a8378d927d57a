"""Who may do what, where: every read and write is checked against role and unit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.errors import NotAllowed
from storage.dto import Grant, MemberDTO, Role, UnitDTO


@dataclass(frozen=True)
class Actor:
    """Who is acting and what they may touch, loaded once per update."""

    user_id: int
    language: str
    member: MemberDTO | None
    grants: tuple[Grant, ...] = field(default=())
    root_admin: bool = False

    def _covers(self, roles: tuple[Role, ...], unit: UnitDTO) -> bool:
        return self._covers_path(roles, unit.path)

    def _covers_path(self, roles: tuple[Role, ...], path: str) -> bool:
        return any(g.role in roles and path.startswith(g.unit_path) for g in self.grants)

    def sees_path(self, path: str) -> bool:
        """Whether the unit at this path is one the actor administers or leads."""
        return self.root_admin or self._covers_path((Role.ADMIN, Role.SECRETARY, Role.DEPUTY), path)

    def is_admin_of(self, unit: UnitDTO) -> bool:
        return self.root_admin or self._covers((Role.ADMIN,), unit)

    def is_tree_admin(self) -> bool:
        return self.root_admin or any(g.role is Role.ADMIN and not g.unit_path for g in self.grants)

    def admin_roots(self) -> list[str] | None:
        """The paths of the top units the actor administers; None: the whole tree."""
        if self.is_tree_admin():
            return None
        return tops(g.unit_path for g in self.grants if g.role is Role.ADMIN and g.unit_path)

    def leads(self, unit: UnitDTO) -> bool:
        """Secretary or deputy of the unit or of one above it."""
        return self._covers((Role.SECRETARY, Role.DEPUTY), unit)

    def is_secretary_of(self, unit: UnitDTO) -> bool:
        return self._covers((Role.SECRETARY,), unit)

    @property
    def is_admin(self) -> bool:
        return self.root_admin or any(g.role is Role.ADMIN for g in self.grants)

    @property
    def is_leader(self) -> bool:
        return any(g.role in (Role.SECRETARY, Role.DEPUTY) for g in self.grants)


def tops(paths: Iterable[str]) -> list[str]:
    """Unit paths without those nested in another of them ('/1/' covers '/1/5/')."""
    found = sorted(set(paths))
    return [p for p in found if not any(p != q and p.startswith(q) for q in found)]


def require(condition: bool, key: str = "error.not_allowed") -> None:
    """Raise NotAllowed unless the condition holds."""
    if not condition:
        raise NotAllowed(key)
