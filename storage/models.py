"""The tables. Every schema change here comes with an Alembic revision."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """A Party organisation (đảng bộ or chi bộ); `path` holds the ids from the root."""

    __tablename__ = "units"
    __table_args__ = (
        # Names are unique among a parent's open units; a closed unit keeps its name.
        Index(
            "uq_units_parent_name",
            "parent_id",
            "name",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index(
            "uq_units_root_name",
            "name",
            unique=True,
            sqlite_where=text("parent_id IS NULL AND closed_at IS NULL"),
            postgresql_where=text("parent_id IS NULL AND closed_at IS NULL"),
        ),
        # Subtree queries are `path LIKE '/1/5/%'`: a prefix scan on both backends.
        Index("ix_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(512))
    # The cell's regular meeting (sinh hoạt chi bộ định kỳ): day of the month, or none.
    meeting_day: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Closed (dissolved, or merged into another unit): kept for history, shown nowhere.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))


class MemberTransfer(Base):
    """A member moved from one cell to another (chuyển sinh hoạt), or recorded as having left;
    the history of where a member was counted."""

    __tablename__ = "member_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(16))  # transfer, merge, import, left


class User(Base):
    """A person using the bot, on one or more channels."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # With accounts on two networks: where reminders and reports go (None: the first one).
    reminder_channel: Mapped[str | None] = mapped_column(String(16))


class SharedFile(Base):
    """A chart or spreadsheet served by the bot's own web server for a short while, for a
    network that takes files only as links (Zalo); only the SHA-256 of the link's token is kept."""

    __tablename__ = "shared_files"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LinkCode(Base):
    """A one-time code that links a second network's account to this person (hashed)."""

    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Account(Base):
    """One chat identity, keyed by (channel, external_id)."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_accounts_channel_ext"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Member(Base):
    """A Party member's record in exactly one chi bộ (đảng viên)."""

    __tablename__ = "members"
    __table_args__ = (
        Index(
            "uq_members_active_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    full_name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100))
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    exempt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    phone: Mapped[str | None] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Since when the member is counted in this cell (joining, or the last transfer): reports
    # of the cell count their progress reports from then on.
    unit_since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RoleGrant(Base):
    """Secretary, deputy secretary or admin of a unit (admin with no unit: the whole tree)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "unit_id", "role", name="uq_role_grants"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invite(Base):
    """An invite link; only the SHA-256 of its token is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the short code typed where a link cannot be tapped (Zalo): its hash
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A personal invite (from an import): using it links the person to this member record.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )


class Conversation(Base):
    """Where an account is in a multi-step dialogue; survives restarts."""

    __tablename__ = "conversations"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Prompt(Base):
    """The numbered choices last shown in a chat on a network without buttons, so that an
    answer "2" (or the label typed out) finds its choice after a restart too."""

    __tablename__ = "prompts"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    options: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedUpdate(Base):
    """Incoming updates already handled: a redelivered update is skipped."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Campaign(Base):
    """One year of 'nêu gương' registration for the tree under `unit_id` (đợt đăng ký)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_campaigns_unit_year"),
        Index(
            "uq_campaigns_one_open",
            "unit_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    theme: Mapped[str] = mapped_column(String(300))
    opens_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    midyear_review: Mapped[date | None] = mapped_column(Date)
    yearend_review: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Commitment(Base):
    """A member's yearly registration (bản đăng ký nêu gương), or a cell's collective models."""

    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id", name="uq_commitments_member"),
        UniqueConstraint("campaign_id", "unit_id", name="uq_commitments_unit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=0)
    approved_version: Mapped[int] = mapped_column(Integer, default=0)
    return_comment: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CommitmentItem(Base):
    """One line of a commitment: example (nêu gương), remedial (khắc phục), pledge, model."""

    __tablename__ = "commitment_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(2000))
    target: Mapped[str | None] = mapped_column(String(200))
    deadline: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    last_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CommitmentVersion(Base):
    """What was submitted each time, and what the cell decided: the history."""

    __tablename__ = "commitment_versions"
    __table_args__ = (UniqueConstraint("commitment_id", "version", name="uq_versions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CheckIn(Base):
    """A progress report (báo cáo tiến độ) on one item."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_commitment_created", "commitment_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("commitment_items.id", ondelete="CASCADE"), index=True
    )
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    progress: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(1000))
    evidence_channel: Mapped[str | None] = mapped_column(String(16))
    evidence_file_id: Mapped[str | None] = mapped_column(Text)  # an id, or a photo's whole URL
    evidence_unique_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Schedule(Base):
    """A member's reminder preferences and the next time the planner must look at them.

    No scheduler job per member: the planner selects rows whose `next_due_at` has come.
    """

    __tablename__ = "schedules"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    cadence: Mapped[str] = mapped_column(String(16), default="weekly")
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # Monday
    minute: Mapped[int] = mapped_column(Integer, default=8 * 60)  # local minute of the day
    quiet_start: Mapped[int] = mapped_column(Integer, default=21 * 60)
    quiet_end: Mapped[int] = mapped_column(Integer, default=7 * 60)
    # None: the organisation's (NEUGUONG_TIMEZONE), so a changed default applies
    timezone: Mapped[str | None] = mapped_column(String(64))
    paused_until: Mapped[date | None] = mapped_column(Date)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    period: Mapped[str | None] = mapped_column(String(16))  # the last period reminded
    period_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    missed: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Broadcast(Base):
    """An announcement from the committee to part of the tree (thông báo), sent through the
    outbox: one row per recipient, keyed `broadcast:<id>:<user>`."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_state_send_at", "state", "send_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unit_ids: Mapped[list[int]] = mapped_column(JSON)  # the subtrees' top units, never []
    audience: Mapped[str] = mapped_column(String(16))  # everyone, secretaries, heads, ...
    text: Mapped[str] = mapped_column(Text)
    attachment_kind: Mapped[str | None] = mapped_column(String(16))  # photo or document
    attachment_file_id: Mapped[str | None] = mapped_column(String(256))
    send_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))  # scheduled, sending, done, cancelled
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    report_channel: Mapped[str | None] = mapped_column(String(16))
    report_chat_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Honour(Base):
    """ "Người tốt, việc tốt": a member (or a whole cell) nominated by the cell's secretary,
    approved or declined by an admin, announced when approved."""

    __tablename__ = "honours"
    __table_args__ = (Index("ix_honours_state_year", "state", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(1000))
    evidence_kind: Mapped[str | None] = mapped_column(String(16))
    evidence_file_id: Mapped[str | None] = mapped_column(String(256))
    nominated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))  # nominated, approved, declined
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL")
    )


class AuditEntry(Base):
    """Who did what, when, where: admins' and secretaries' actions (nhật ký)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    unit_path: Mapped[str | None] = mapped_column(String(512))  # where: scoped reads use it
    subject: Mapped[str | None] = mapped_column(String(64))  # e.g. "member:12", "broadcast:3"
    detail: Mapped[dict[str, object]] = mapped_column(JSON)


class OutboxMessage(Base):
    """Every message the bot sends on its own initiative, sent exactly once by the sender."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_not_before", "state", "not_before"),
        Index("ix_outbox_kind_subject", "kind", "subject_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer)
    # Either the text itself, or what to compose it from when it is sent (so a reminder that
    # waited out quiet hours shows the member's items as they are then): the member it is
    # about and a small payload; the kind names the composer (jobs/compose.py).
    text: Mapped[str | None] = mapped_column(Text)
    markup: Mapped[list[list[dict[str, str]]] | None] = mapped_column(JSON(none_as_null=True))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, object] | None] = mapped_column(JSON(none_as_null=True))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(32))
    # parts of a long message already sent (a network that cuts texts): resumed from there
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobRun(Base):
    """A periodic job done for a period (e.g. the weekly reports of 2026-W47): the planner's
    tick asks here first, so an idle tick stays one indexed lookup."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime())
    items: Mapped[int] = mapped_column(Integer, default=0)


class RuntimeStatus(Base):
    """A running part's heartbeat: the sender (one per process, one of them active), the
    pollers; its counters in `detail`."""

    __tablename__ = "runtime_status"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    detail: Mapped[dict[str, object]] = mapped_column(JSON)


class Guess(Base):
    """A wrong invite or link code, counted per account: guessing is limited per hour."""

    __tablename__ = "guesses"
    __table_args__ = (Index("ix_guesses_account_kind_at", "account_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebToken(Base):
    """A way into the web app: a one-time sign-in link (15 minutes), or a session (a cookie,
    30 days; `narrow` when it came from a reminder's link and opens only the report page).
    Only the SHA-256 of the token is kept."""

    __tablename__ = "web_tokens"
    __table_args__ = (Index("ix_web_tokens_user_kind", "user_id", "kind"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # signin, session
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    narrow: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebUpload(Base):
    """A file an admin uploaded to the web app between two steps (an import checked, then
    applied), or one made for them to download once (the personal-links workbook); a day."""

    __tablename__ = "web_uploads"
    __table_args__ = (Index("ix_web_uploads_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # import, links
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebPhoto(Base):
    """A photo uploaded from the web app as a report's evidence (its type sniffed, ≤ 10 MB)."""

    __tablename__ = "web_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mime: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SiteKey(Base):
    """A secret the processes of one database share (the key that signs reminder links and
    form tokens), made at first start."""

    __tablename__ = "site_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
