"""Plain data returned by repositories: nothing lazy, nothing bound to a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class UnitKind(StrEnum):
    DANG_BO_KHOI = "dang_bo_khoi"
    DANG_BO_CO_SO = "dang_bo_co_so"
    DANG_BO_BO_PHAN = "dang_bo_bo_phan"
    CHI_BO_CO_SO = "chi_bo_co_so"
    CHI_BO_TRUC_THUOC = "chi_bo_truc_thuoc"

    @property
    def is_cell(self) -> bool:
        return self in (UnitKind.CHI_BO_CO_SO, UnitKind.CHI_BO_TRUC_THUOC)


class Role(StrEnum):
    MEMBER = "member"
    SECRETARY = "secretary"
    DEPUTY = "deputy"
    ADMIN = "admin"


@dataclass(frozen=True)
class UnitDTO:
    id: int
    parent_id: int | None
    kind: UnitKind
    name: str
    path: str

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, itself included."""
        return [int(p) for p in self.path.strip("/").split("/") if p]


@dataclass(frozen=True)
class UnitSummary:
    unit: UnitDTO
    children: int
    members: int


@dataclass(frozen=True)
class MemberDTO:
    id: int
    unit_id: int
    user_id: int | None
    full_name: str
    position: str | None
    is_head: bool
    status: str
    joined_at: datetime


@dataclass(frozen=True)
class Grant:
    role: Role
    unit_id: int | None
    unit_path: str  # "" means the whole tree


@dataclass(frozen=True)
class AccountDTO:
    id: int
    user_id: int
    channel: str
    external_id: str
    chat_id: str | None
    language: str


@dataclass(frozen=True)
class InviteDTO:
    id: int
    unit_id: int
    role: Role
    created_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked_at: datetime | None
    created_by: int | None = None


@dataclass(frozen=True)
class ConversationDTO:
    state: str
    data: dict[str, object]
    version: int
