"""Plain data returned by repositories: nothing lazy, nothing bound to a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
    meeting_day: int | None = None  # the regular cell meeting, day of the month
    closed: bool = False  # dissolved or merged into another unit: history only

    @property
    def parent_path(self) -> str:
        """'/1/5/9/' -> '/1/5/'"""
        return self.path[: self.path.rstrip("/").rfind("/") + 1]

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
    exempt: bool = False


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
    unreachable: bool = False


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
    member_id: int | None = None  # a personal invite: using it links this member record


@dataclass(frozen=True)
class ConversationDTO:
    state: str
    data: dict[str, object]
    version: int


class State(StrEnum):
    """Where a commitment is in its approval cycle."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    AMENDING = "amending"


class ItemKind(StrEnum):
    EXAMPLE = "example"  # nêu gương, tied to the member's duties
    REMEDIAL = "remedial"  # khắc phục hạn chế from last year's review
    PLEDGE = "pledge"  # not to commit the 27 manifestations
    MODEL = "model"  # a cell's collective model (mô hình)


class Progress(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class CampaignDTO:
    id: int
    unit_id: int
    year: int
    theme: str
    opens_on: date
    deadline: date
    midyear_review: date | None
    yearend_review: date | None
    status: str


@dataclass(frozen=True)
class CommitmentDTO:
    id: int
    campaign_id: int
    member_id: int | None
    unit_id: int | None
    state: State
    version: int
    approved_version: int
    return_comment: str | None
    submitted_at: datetime | None

    @property
    def collective(self) -> bool:
        return self.unit_id is not None


@dataclass(frozen=True)
class ItemDTO:
    id: int
    commitment_id: int
    kind: ItemKind
    text: str
    target: str | None
    deadline: date | None
    position: int
    progress: int
    status: Progress
    last_checkin_at: datetime | None
    deleted: bool


@dataclass(frozen=True)
class VersionDTO:
    version: int
    items: list[dict[str, object]]
    submitted_at: datetime
    decision: str | None
    comment: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class CheckInDTO:
    id: int
    item_id: int
    commitment_id: int
    recorded_by: int | None
    progress: int
    status: Progress
    note: str | None
    evidence_file_id: str | None
    created_at: datetime
