"""A tree that can change (issue 12): merge two cells, move one, transfer a member, close a
unit — then the weekly report, /thongke and the audit log agree with direct counts."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import audit, campaigns, checkins, reports, stats, tree
from domain.access import Actor
from domain.digest import reported_week
from domain.errors import DomainError, NotFound
from domain.units import add_path, find_path, rename_unit
from storage.dto import Progress, Role, UnitDTO
from storage.models import Invite, Member, MemberTransfer, RoleGrant, Unit
from tests.integration.people import NOW, actor, admin, person, registration

Sessions = async_sessionmaker[AsyncSession]
ROOT = "Đảng bộ Khối các cơ quan tỉnh"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TREE = Actor(0, "vi", None, root_admin=True)
SHORT = {
    "Đảng bộ Sở Nội vụ/Chi bộ Văn phòng": "nv-vp",
    "Đảng bộ Sở Nội vụ/Chi bộ Thanh tra": "nv-tt",
    "Đảng bộ Sở Y tế/Chi bộ Văn phòng": "yt-vp",
    "Đảng bộ Sở Y tế/Chi bộ Thanh tra": "yt-tt",
}
GIVEN = ["An", "Bình", "Cúc", "Dũng", "Hà", "Lan", "Minh", "Nga", "Phúc", "Quân", "Sơn", "Tâm"]


async def _build(sessions: Sessions) -> dict[str, UnitDTO]:
    """Two grassroots units with two cells each; three members a cell (the first is its
    secretary), everyone registered and approved; a report each a week ago."""
    found: dict[str, UnitDTO] = {}
    ext = 300
    async with sessions() as s:
        root, _ = await add_path(s, ROOT, NOW)
        await campaigns.create(s, None, root, 2027, "Nêu gương", date(2027, 1, 4),
                               date(2027, 2, 28), NOW - timedelta(days=50))  # fmt: skip
        for g in ("Đảng bộ Sở Nội vụ", "Đảng bộ Sở Y tế"):
            for c in ("Chi bộ Văn phòng", "Chi bộ Thanh tra"):
                cell, _ = await add_path(s, f"{ROOT}/{g}/{c}", NOW)
                found[SHORT[f"{g}/{c}"]] = cell
                for n in range(3):
                    ext += 1
                    role = Role.SECRETARY if n == 0 else Role.MEMBER
                    name = f"Trần Văn {GIVEN[(ext - 301) % len(GIVEN)]}"
                    await person(s, ext, cell, name, role, NOW - timedelta(days=40))
        await s.commit()
    async with sessions() as s:
        for key, cell in found.items():
            boss = None
            for member in await _members(s, cell.id):
                who = await actor(s, member)
                cid = await registration(s, who, lines=1, now=NOW - timedelta(days=20))
                if boss is None:
                    boss = who
                    continue
                await _approve(s, cid)
                item = (await _items(s, cid))[0]
                report = checkins.Report(50, Progress.IN_PROGRESS)
                await checkins.record(s, who, item, report, NOW - timedelta(days=6))
            found[key] = cell
        await s.commit()
    return found


async def _members(s: AsyncSession, cell_id: int) -> list[int]:
    from storage.models import Account

    rows = await s.execute(
        select(Account.external_id)
        .join(Member, Member.user_id == Account.user_id)
        .where(Member.unit_id == cell_id, Member.status == "active")
        .order_by(Member.id)
    )
    return [int(e) for (e,) in rows]


async def _approve(s: AsyncSession, commitment_id: int) -> None:
    await s.execute(
        text("UPDATE commitments SET state='approved', approved_version=1 WHERE id=:i"),
        {"i": commitment_id},
    )


async def _items(s: AsyncSession, commitment_id: int) -> list[int]:
    rows = await s.execute(
        text("SELECT id FROM commitment_items WHERE commitment_id=:i AND kind!='pledge'"),
        {"i": commitment_id},
    )
    return [i for (i,) in rows]


async def _count(s: AsyncSession, table: type, where: object) -> int:
    return int(await s.scalar(select(func.count()).select_from(table).where(where)) or 0)  # type: ignore[arg-type]


async def _direct(s: AsyncSession, path: str) -> tuple[int, int]:
    """Members and registered members under a path, counted straight from the tables."""
    row = await s.execute(
        text(
            "SELECT count(*), sum(CASE WHEN EXISTS (SELECT 1 FROM commitments c "
            "WHERE c.member_id = m.id AND c.state IN ('submitted','approved')) THEN 1 ELSE 0 END) "
            "FROM members m JOIN units u ON u.id = m.unit_id "
            "WHERE u.path LIKE :p AND m.status = 'active' AND u.closed_at IS NULL"
        ),
        {"p": path + "%"},
    )
    members, registered = row.one()
    return int(members), int(registered or 0)


async def test_merge_move_transfer_and_the_figures_follow(sessions: Sessions) -> None:
    cells = await _build(sessions)
    noi_vu_vp, noi_vu_tt, y_te_vp = cells["nv-vp"], cells["nv-tt"], cells["yt-vp"]
    async with sessions() as s:
        office = await admin(s, 9100, None)
        moving = (await _members(s, y_te_vp.id))[1]
        moving_id = (await actor(s, moving)).member
        assert moving_id is not None
        merged = await tree.merge_units(s, office, noi_vu_tt.id, noi_vu_vp.id, NOW)
        y_te = await find_path(s, f"{ROOT}/Đảng bộ Sở Y tế")
        # the same name under the new parent is refused; renamed first, it moves
        with pytest.raises(DomainError, match="unit.duplicate"):
            await tree.move_unit(s, office, noi_vu_vp.id, y_te.id, NOW)
        await rename_unit(s, office, noi_vu_vp.id, "Chi bộ Văn phòng Sở Nội vụ", NOW)
        moved = await tree.move_unit(s, office, noi_vu_vp.id, y_te.id, NOW)
        done = await tree.transfer_member(s, office, moving_id.id, moved.id, NOW)
        member, source, target = done
        await s.commit()
    assert merged.members == 3
    assert source.id == y_te_vp.id
    assert target.id == moved.id
    async with sessions() as s:
        # the merged cell is closed, kept, and its invites point at the new one
        closed = await s.get(Unit, noi_vu_tt.id)
        assert closed is not None
        assert closed.closed_at is not None
        assert closed.merged_into == noi_vu_vp.id
        assert (
            await s.scalar(
                select(func.count()).select_from(Invite).where(Invite.unit_id == noi_vu_tt.id)
            )
            == 0
        )
        assert (
            await s.scalar(
                select(func.count()).select_from(RoleGrant).where(RoleGrant.unit_id == noi_vu_tt.id)
            )
            == 0
        )
        moved_path = (await s.get(Unit, moved.id)).path  # type: ignore[union-attr]
        assert moved_path.startswith(y_te.path)
        # /thongke, by unit, against the tables
        root = await find_path(s, ROOT)
        rollup = await stats.rollup(s, TREE, root.id, NOW)
        by_name = {c.name: c for c in rollup.children}
        for name, child in by_name.items():
            unit = await find_path(s, f"{ROOT}/{name}")
            assert (child.members, child.registered) == await _direct(s, unit.path), name
        assert by_name["Đảng bộ Sở Nội vụ"].members == 0
        assert by_name["Đảng bộ Sở Y tế"].active == 7  # the transferred member counts from today
        assert by_name["Đảng bộ Sở Y tế"].members == 12
        # the weekly report of the cell that took everyone in
        week = reported_week(NOW, ZONE, False)
        digest = (await reports.build(s, [moved], NOW, week))[0]
        assert digest.counts.members == 7
        direct = await _direct(s, moved_path)
        assert (digest.counts.members, digest.counts.registered) == direct
        # the transferred member's report from last week counts in the old cell, not here
        previous = reported_week(NOW - timedelta(days=7), ZONE, False)
        before = (await reports.build(s, [moved], NOW, previous))[0]
        named = {m.name for m in before.counts.reported.sample}
        assert member.full_name not in named
        assert member.full_name in {m.name for m in before.counts.silent.sample}
        assert before.counts.reported.count == 4  # the cell's own two and the merged cell's two
        history = await s.execute(
            select(MemberTransfer.reason).where(MemberTransfer.member_id == member.id)
        )
        assert [r for (r,) in history] == ["transfer"]
        # the audit log, with who did it
        entries = await audit.latest(s, office)
        actions = [e.action for e in entries]
        assert actions[:4] == ["member_transfer", "unit_move", "unit_rename", "unit_merge"]
        assert {e.user_id for e in entries[:4]} == {office.user_id}


async def test_changes_are_scoped_and_refused_when_they_would_lose_a_member(
    sessions: Sessions,
) -> None:
    cells = await _build(sessions)
    noi_vu, noi_vu_tt, y_te = cells["nv-vp"], cells["nv-tt"], cells["yt-vp"]
    async with sessions() as s:
        grassroots = await find_path(s, f"{ROOT}/Đảng bộ Sở Nội vụ")
        local = await admin(s, 9200, grassroots)
        secretary = await actor(s, (await _members(s, noi_vu.id))[0])
        somebody = (await actor(s, (await _members(s, noi_vu.id))[1])).member
        assert somebody is not None
        # outside the admin's subtree: not found, whatever the route
        with pytest.raises(NotFound):
            await tree.move_unit(
                s, local, noi_vu.id, (await find_path(s, f"{ROOT}/Đảng bộ Sở Y tế")).id, NOW
            )
        with pytest.raises(NotFound):
            await tree.merge_units(s, local, y_te.id, noi_vu.id, NOW)
        with pytest.raises(NotFound):
            await tree.transfer_member(s, local, somebody.id, y_te.id, NOW)
        # a secretary administers nothing
        with pytest.raises(DomainError):
            await tree.merge_units(s, secretary, noi_vu.id, noi_vu_tt.id, NOW)
        # a unit with members is not closed; into itself is refused
        with pytest.raises(DomainError, match="tree.close_has_members"):
            await tree.close_unit(s, local, noi_vu.id, NOW)
        with pytest.raises(DomainError, match="tree.into_itself"):
            await tree.move_unit(s, local, grassroots.id, noi_vu.id, NOW)
        with pytest.raises(DomainError, match="tree.kind_not_allowed"):
            await tree.move_unit(s, local, noi_vu.id, noi_vu_tt.id, NOW)
        # the secretary records a member as having left; then the emptied cell can close
        for ext in (await _members(s, noi_vu.id))[1:]:
            who = await actor(s, ext)
            assert who.member is not None
            await tree.record_left(s, secretary, who.member.id, NOW)
        assert secretary.member is not None
        with pytest.raises(DomainError, match="tree.left_own"):
            await tree.record_left(s, secretary, secretary.member.id, NOW)
        await tree.transfer_member(s, local, secretary.member.id, noi_vu_tt.id, NOW)
        # her rights as secretary of the old cell went with the move
        grants = await s.scalar(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.unit_id == noi_vu.id)
        )
        assert grants == 0
        await tree.close_unit(s, local, noi_vu.id, NOW)
        await s.commit()
        assert (await find_path(s, f"{ROOT}/Đảng bộ Sở Nội vụ")).id == grassroots.id
        with pytest.raises(NotFound):
            await find_path(s, f"{ROOT}/Đảng bộ Sở Nội vụ/Chi bộ Văn phòng")
        # a new cell may take the closed one's name
        again, created = await add_path(s, f"{ROOT}/Đảng bộ Sở Nội vụ/Chi bộ Văn phòng", NOW)
        assert created == 1
        assert again.id != noi_vu.id
