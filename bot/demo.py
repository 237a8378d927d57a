"""`neuguong demo`: a small demo province in an empty database, so a visitor walks the
member's, the secretary's and the admin's journeys in a browser within a minute.

A bloc, two grassroots units, four cells of ten members, an open campaign and registrations in
every state (none yet, draft, submitted, returned with a comment, approved with reports at
25/50/75/100 %). The unit names say «dữ liệu mẫu» and a marker row records it; a database that
already holds units is never touched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import campaigns, checkins, commitments, webaccess
from domain.access import Actor
from domain.errors import DomainError
from domain.members import actor_of
from domain.units import add_path
from storage.dto import ItemKind, Progress, Role
from storage.repos import members as member_repo
from storage.repos import schedules as schedule_repo
from storage.repos import units as unit_repo
from storage.repos import users as user_repo
from storage.repos import web as web_repo

BLOC = "Đảng bộ Khối Mẫu (dữ liệu mẫu)"
CELLS = (
    "Đảng bộ Sở Kế hoạch/Chi bộ Văn phòng",
    "Đảng bộ Sở Kế hoạch/Chi bộ Phòng Tổng hợp",
    "Đảng bộ Sở Tài chính/Chi bộ Văn phòng",
    "Đảng bộ Sở Tài chính/Chi bộ Phòng Ngân sách",
)
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
GIVEN = (
    "Văn An",
    "Thị Bình",
    "Minh Châu",
    "Quốc Dũng",
    "Thu Hà",
    "Đức Hải",
    "Thị Lan",
    "Văn Long",
    "Thị Mai",
    "Hữu Nam",
)
ITEMS = (
    "Chủ động đề xuất và hoàn thành đúng hạn các nhiệm vụ được giao trong năm",
    "Tham gia đầy đủ sinh hoạt chi bộ, phát biểu ý kiến xây dựng tại mỗi kỳ sinh hoạt",
    "Gương mẫu thực hành tiết kiệm, không sử dụng xe công vào việc riêng",
)
REMEDIAL = "Khắc phục việc chậm nộp báo cáo tháng đã được nhắc nhở trong kiểm điểm năm trước"
PLAN = (
    "none",
    "draft",
    "submitted",
    "returned",
    "approved",
    "approved",
    "approved",
    "approved",
    "approved",
    "approved",
)
STEPS = (25, 50, 75, 100, 50, 0)


class NotEmpty(Exception):
    """The database already holds an organisation: demo data is never mixed with it."""


@dataclass(frozen=True)
class DemoLinks:
    member: str
    secretary: str
    admin: str


async def build(session: AsyncSession, now: datetime, language: str) -> DemoLinks:
    """The demo province and a sign-in link (token) for a member, a secretary, an admin."""
    if await unit_repo.roots(session):
        raise NotEmpty()
    await web_repo.site_key(session, "demo", now.isoformat())
    bloc, _ = await add_path(session, BLOC, now)
    today = now.date()
    theme = "Nêu gương, đoàn kết, trách nhiệm, hiệu quả"
    first, last = date(today.year, 1, 1), date(today.year, 12, 31)
    opens, deadline = max(first, today - timedelta(days=30)), min(last, today + timedelta(days=30))
    await campaigns.create(session, None, bloc, today.year, theme, opens, deadline, now)
    people: list[tuple[int, str]] = []  # (user id, state) for each member
    secretaries: list[int] = []
    for c, path in enumerate(CELLS):
        cell, _ = await add_path(session, f"{BLOC}/{path}", now)
        for n in range(10):
            name = f"{SURNAMES[(c + n) % 10]} {GIVEN[n]}"
            user_id = await _person(session, cell.id, name, f"demo:{c}:{n}", language, now)
            people.append((user_id, PLAN[n]))
            if n == 0:
                await user_repo.add_grant(session, user_id, Role.SECRETARY, cell.id, None, now)
                secretaries.append(user_id)
    for i, (user_id, state) in enumerate(people):
        await _registration(session, user_id, secretaries[i // 10], state, i, now)
    member = next(u for u, s in people if s == "approved" and u not in secretaries)
    return DemoLinks(
        await webaccess.signin_link(session, member, now, limited=False),
        await webaccess.signin_link(session, secretaries[0], now, limited=False),
        await webaccess.operator_link(session, language, now),
    )


async def _person(
    session: AsyncSession, cell_id: int, name: str, key: str, language: str, now: datetime
) -> int:
    account = await user_repo.create_account(session, "web", key, None, name, language, now)
    member = await member_repo.add(session, cell_id, account.user_id, name, None, False, now)
    await schedule_repo.ensure(session, member.id, now)
    return account.user_id


async def _registration(
    session: AsyncSession, user_id: int, secretary: int, state: str, i: int, now: datetime
) -> None:
    if state == "none":
        return
    actor = await actor_of(session, user_id)
    sheet = await commitments.open_personal(session, actor, now)
    cid = sheet.commitment.id
    for text in ITEMS[: 2 + i % 2]:
        await commitments.add_item(session, actor, cid, ItemKind.EXAMPLE, text, now)
    if i % 3 == 0:
        await commitments.add_item(session, actor, cid, ItemKind.REMEDIAL, REMEDIAL, now)
    await commitments.pledge(session, actor, cid, "Cam kết không vi phạm 27 biểu hiện.", now)
    if state == "draft":
        return
    done = await commitments.submit(session, actor, cid, now)
    if state == "submitted" or secretary == user_id:
        return
    leader = await actor_of(session, secretary)
    returned = state == "returned"
    comment = "Đề nghị đồng chí nêu rõ chỉ tiêu, thời hạn hoàn thành." if returned else None
    await commitments.decide(
        session, leader, cid, done.commitment.version, not returned, comment, now
    )
    if not returned:
        await _reports(session, actor, cid, i, now)


async def _reports(
    session: AsyncSession, actor: Actor, commitment_id: int, i: int, now: datetime
) -> None:
    sheet = await commitments.sheet(session, actor, commitment_id)
    for n, item in enumerate(checkins.checkable(sheet)):
        progress = STEPS[(i + n) % len(STEPS)]
        if progress == 0:
            continue
        status = Progress.DONE if progress == 100 else Progress.IN_PROGRESS
        report = checkins.Report(progress, status)
        try:
            await checkins.record(session, actor, item.id, report, now - timedelta(days=3))
        except DomainError:
            continue
