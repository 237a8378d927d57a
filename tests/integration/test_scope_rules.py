"""Right people, right figures (issue 12): announcements reach exactly the admin's scope,
every figure follows the campaign nearest above the cell, a registration never waits for its
own author, and the audit log names who acted — each against the rows themselves."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import audit, broadcasts, campaigns, commitments, honours, reports, stats
from domain.digest import reported_week
from domain.errors import NotFound
from domain.units import add_path
from jobs.broadcasts import plan
from storage.dto import Role
from storage.models import Account, Member, OutboxMessage, Unit, User
from tests.integration.people import NOW, actor, admin, person, registration

Sessions = async_sessionmaker[AsyncSession]
BLOC_A, BLOC_B = "Đảng bộ Khối các cơ quan tỉnh", "Đảng bộ Khối doanh nghiệp tỉnh"
ZONE_KEY = "Asia/Ho_Chi_Minh"


def _letters(n: int) -> str:
    """A name for person n: names have no digits ('Bac', 'Bad', ...)."""
    text = ""
    while n:
        n, r = divmod(n, 26)
        text = "abcdefghijklmnopqrstuvwxyz"[r] + text
    return text.capitalize()


async def _root(s: AsyncSession, name: str):  # type: ignore[no-untyped-def]
    uid = (
        await s.execute(select(Unit.id).where(Unit.name == name, Unit.parent_id.is_(None)))
    ).scalar_one()
    return await _dto(s, uid)


async def _province(sessions: Sessions) -> dict[str, int]:
    """Two blocs, two grassroots units each, two cells each, three members per cell (one
    secretary); ids by name."""
    ext = 100
    async with sessions() as s:
        for bloc in (BLOC_A, BLOC_B):
            for g in (1, 2):
                for c in (1, 2):
                    path = f"{bloc}/Đảng bộ Sở {g}/Chi bộ {c}"
                    cell, _ = await add_path(s, path, NOW)
                    for n in range(3):
                        ext += 1
                        role = Role.SECRETARY if n == 0 else Role.MEMBER
                        await person(s, ext, cell, f"Nguyễn Văn {_letters(ext)}", role)
        await s.commit()
        rows = await s.execute(select(Unit.id, Unit.path, Unit.name))
        return {path: uid for uid, path, _name in rows}


async def _subtree_users(s: AsyncSession, path: str) -> set[int]:
    rows = await s.execute(
        select(Member.user_id)
        .join(Unit, Unit.id == Member.unit_id)
        .where(Unit.path.startswith(path), Member.user_id.isnot(None))
    )
    return {u for (u,) in rows}


async def test_every_audience_and_scope_of_a_subtree_admin_stays_inside(sessions: Sessions) -> None:
    """The admin of one grassroots unit: «everything I administer», one cell, two cells, for
    every audience — the preview count is what is queued, and nobody outside gets it."""
    await _province(sessions)
    async with sessions() as s:
        unit = await _unit_named(s, BLOC_A, "Đảng bộ Sở 1")
        scope = unit.path
        cells = list((await s.execute(select(Unit.id).where(Unit.parent_id == unit.id))).scalars())
        boss = await admin(s, 9001, unit)
        bloc = await admin(s, 9002, await _root(s, BLOC_A))
        # one member of the scope has blocked the bot; another has a second, working account
        inside = sorted(await _subtree_users(s, scope))
        await s.execute(
            update(Account).where(Account.user_id == inside[1]).values(unreachable_at=NOW)
        )
        await s.commit()
    made: list[int] = []
    for audience, units in itertools.product(broadcasts.repo.AUDIENCES, ([], [cells[0]], cells)):
        async with sessions() as s:
            preview = await broadcasts.count(s, boss, units, audience)
            if preview == 0:
                with pytest.raises(Exception, match="bc.nobody"):
                    await _create(s, boss, units, audience)
                continue
            created = await _create(s, boss, units, audience)
            await s.commit()
            assert created.recipients == preview
            assert created.unit_ids  # explicit, never "everything" by omission
            made.append(created.id)
    await plan(sessions, NOW + timedelta(seconds=1))
    async with sessions() as s:
        allowed = await _subtree_users(s, scope)
        for broadcast_id in made:
            found = await s.execute(
                select(OutboxMessage.user_id).where(
                    OutboxMessage.kind == "broadcast", OutboxMessage.subject_id == broadcast_id
                )
            )
            users = [u for (u,) in found]
            stored = await broadcasts.repo.get(s, broadcast_id)
            assert stored is not None
            assert len(users) == len(set(users)) == stored.recipients, broadcast_id
            assert set(users) <= allowed
            assert inside[1] not in users  # unreachable: neither counted nor sent
            # the admin above sees it; the author too
            assert (await broadcasts.visible(s, bloc, broadcast_id)).id == broadcast_id
            assert (await broadcasts.visible(s, boss, broadcast_id)).id == broadcast_id
        assert len(made) >= 9


async def _dto(s: AsyncSession, unit_id: int):  # type: ignore[no-untyped-def]
    from storage.repos import units

    found = await units.get(s, unit_id)
    assert found is not None
    return found


async def _create(s: AsyncSession, who, units: list[int], audience: str):  # type: ignore[no-untyped-def]
    return await broadcasts.create(
        s, who, text="Thông báo thử", attachment=None, unit_ids=units, audience=audience,
        send_at=NOW, report_to=None, now=NOW,
    )  # fmt: skip


async def test_honour_announced_to_the_whole_scope_stays_in_the_scope(sessions: Sessions) -> None:
    await _province(sessions)
    async with sessions() as s:
        grassroots = await _unit_named(s, BLOC_A, "Đảng bộ Sở 1")
        cell = (await _cells(s, grassroots.id))[0]
        boss = await admin(s, 9001, grassroots)
        secretary_id = (
            (
                await s.execute(
                    select(Account.external_id)
                    .join(Member, Member.user_id == Account.user_id)
                    .where(Member.unit_id == cell.id)
                    .order_by(Member.id)
                )
            )
            .scalars()
            .first()
        )
        secretary = await actor(s, int(secretary_id or 0))
        honour = await honours.nominate(
            s, secretary, cell.id, None, "Gương mẫu đi đầu trong công việc", None, 2027, NOW
        )
        decided = await honours.decide(s, boss, honour.id, True, "scope", "Biểu dương chi bộ", NOW)
        await s.commit()
        assert decided.broadcast_id is not None
        found = await broadcasts.repo.get(s, decided.broadcast_id)
        assert found is not None
        assert found.unit_ids == [grassroots.id]
    await plan(sessions, NOW + timedelta(seconds=1))
    async with sessions() as s:
        users = {
            u
            for (u,) in await s.execute(
                select(OutboxMessage.user_id).where(OutboxMessage.kind == "broadcast")
            )
        }
        assert users
        assert users <= await _subtree_users(s, grassroots.path)


async def test_figures_follow_the_campaign_nearest_above(sessions: Sessions) -> None:
    """The bloc's campaign, then a grassroots unit's own: its cells count registrations of
    their own campaign only — in /thongke, the weekly report and the desk alike."""
    await _province(sessions)
    async with sessions() as s:
        bloc = await _root(s, BLOC_A)
        await campaigns.create(s, None, bloc, 2027, "Năm của khối", date(2027, 1, 4),
                               date(2027, 2, 28), NOW - timedelta(days=40))  # fmt: skip
        await s.commit()
    # everybody in bloc A registers in the bloc's campaign...
    async with sessions() as s:
        members = await _members_under(s, (await _root(s, BLOC_A)).path)
        for ext in members:
            await registration(s, await actor(s, ext))
        await s.commit()
    # ...then one grassroots unit opens its own year; two of its six members register there
    async with sessions() as s:
        sở1 = await _unit_named(s, BLOC_A, "Đảng bộ Sở 1")
        await campaigns.create(s, None, sở1, 2027, "Năm riêng của Sở", date(2027, 2, 1),
                               date(2027, 3, 31), NOW)  # fmt: skip
        own = await _members_under(s, sở1.path)
        for ext in own[:2]:
            await registration(s, await actor(s, ext))
        await s.commit()
    async with sessions() as s:
        root = await stats.rollup(s, _tree_admin(), (await _root(s, BLOC_A)).id, NOW)
        by_name = {c.name: c for c in root.children}
        assert by_name["Đảng bộ Sở 1"].registered == 2  # not 6: the old campaign no longer counts
        assert by_name["Đảng bộ Sở 2"].registered == 6
        assert root.total.registered == 8
        sở1 = await _unit_named(s, BLOC_A, "Đảng bộ Sở 1")
        cell = (await _cells(s, sở1.id))[0]
        week = reported_week(NOW, _zone(), False)
        digest = (await reports.build(s, [cell], NOW, week))[0]
        from_stats = (await stats.rollup(s, _tree_admin(), cell.id, NOW)).total
        assert digest.counts.registered == from_stats.registered
        for fact in digest.members:
            assert fact.campaign is not None
            assert fact.campaign.unit_id == sở1.id


async def test_a_secretary_alone_in_her_cell_is_decided_above(sessions: Sessions) -> None:
    await _province(sessions)
    async with sessions() as s:
        sở1 = await _unit_named(s, BLOC_A, "Đảng bộ Sở 1")
        await campaigns.create(s, None, sở1, 2027, "Năm của Sở", date(2027, 1, 4),
                               date(2027, 3, 31), NOW)  # fmt: skip
        above = await person(s, 7001, (await _cells(s, sở1.id))[1], "Lê Văn Cấp", Role.MEMBER)
        from domain.invites import create_system_invite
        from domain.members import register

        link = await create_system_invite(s, sở1, Role.SECRETARY, 1, 14, NOW)
        await register(s, above, link.invite.id, {}, NOW)  # secretary of the grassroots unit
        office = await admin(s, 7002, sở1)
        cell = (await _cells(s, sở1.id))[0]
        her_ext = await _secretary_of(s, cell.id)
        her = await actor(s, her_ext)
        commitment_id = await registration(s, her)
        await s.commit()
    async with sessions() as s:
        her = await actor(s, her_ext)
        sheet = await commitments.sheet(s, her, commitment_id)
        deciders = await commitments.reviewers(s, sheet)
        above = await actor(s, 7001)
        office = await actor(s, 7002)
        assert her.user_id not in deciders
        assert {above.user_id, office.user_id} <= set(deciders)
        assert await commitments.decided_above(s, sheet)
        assert [w.commitment_id for w in await commitments.waiting(s, above)] == [commitment_id]
        assert [w.commitment_id for w in await commitments.waiting(s, office)] == [commitment_id]
        assert await commitments.waiting(s, her) == []
        await commitments.decide(s, above, commitment_id, 1, True, None, NOW)
        await s.commit()
        assert await commitments.waiting(s, above) == []


async def test_an_old_notice_cannot_decide_a_newer_submission(sessions: Sessions) -> None:
    await _province(sessions)
    async with sessions() as s:
        cell = (await _cells(s, (await _unit_named(s, BLOC_A, "Đảng bộ Sở 1")).id))[0]
        await campaigns.create(s, None, await _dto(s, cell.id), 2027, "Năm của chi bộ",
                               date(2027, 1, 4), date(2027, 3, 31), NOW)  # fmt: skip
        member_ext = await _plain_member_of(s, cell.id)
        boss = await actor(s, await _secretary_of(s, cell.id))
        who = await actor(s, member_ext)
        commitment_id = await registration(s, who)
        await commitments.withdraw(s, who, commitment_id, NOW)
        await commitments.submit(s, who, commitment_id, NOW)  # version 2
        with pytest.raises(Exception, match="approval.stale"):
            await commitments.decide(s, boss, commitment_id, 1, True, None, NOW)
        await commitments.decide(s, boss, commitment_id, 2, True, None, NOW)


async def test_audit_names_the_admin_and_shows_authors_their_own(sessions: Sessions) -> None:
    await _province(sessions)
    async with sessions() as s:
        a = await _root(s, BLOC_A)
        b = await _root(s, BLOC_B)
        both = await admin(s, 8001, a)
        await admin(s, 8001, b)
        both = await actor(s, 8001)
        await s.execute(
            update(User).where(User.id == both.user_id).values(display_name="Hoàng Thị Lan")
        )
        made = await _create(s, both, [a.id, b.id], "everyone")  # spans two roots
        await s.commit()
    async with sessions() as s:
        entries = await audit.latest(s, both)
        mine = [e for e in entries if e.subject == f"broadcast:{made.id}"]
        assert len(mine) == 1
        assert mine[0].user_name == "Hoàng Thị Lan"
        grants = [e for e in entries if e.action == "admin_grant"]
        assert len(grants) == 2
        assert all(e.user_id is None for e in grants)
        only_a = await admin(s, 8002, a)
        assert all(e.subject != f"broadcast:{made.id}" for e in await audit.latest(s, only_a))


async def test_forged_units_in_an_announcement_are_not_found(sessions: Sessions) -> None:
    await _province(sessions)
    async with sessions() as s:
        mine, other = (await _root(s, BLOC_A)).id, (await _root(s, BLOC_B)).id
        boss = await admin(s, 9001, await _dto(s, mine))
        for units in ([other], [mine, other], [999_999]):
            with pytest.raises(NotFound):
                await broadcasts.count(s, boss, units, "everyone")


def _tree_admin():  # type: ignore[no-untyped-def]
    from domain.access import Actor

    return Actor(0, "vi", None, root_admin=True)


def _zone():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(ZONE_KEY)


async def _unit_named(s: AsyncSession, bloc: str, name: str):  # type: ignore[no-untyped-def]
    root = (await s.execute(select(Unit).where(Unit.name == bloc))).scalar_one()
    unit = (
        await s.execute(select(Unit).where(Unit.parent_id == root.id, Unit.name == name))
    ).scalar_one()
    return await _dto(s, unit.id)


async def _cells(s: AsyncSession, parent_id: int) -> list:  # type: ignore[type-arg]
    rows = await s.execute(select(Unit.id).where(Unit.parent_id == parent_id).order_by(Unit.name))
    return [await _dto(s, uid) for (uid,) in rows]


async def _members_under(s: AsyncSession, path: str) -> list[int]:
    rows = await s.execute(
        select(Account.external_id)
        .join(Member, Member.user_id == Account.user_id)
        .join(Unit, Unit.id == Member.unit_id)
        .where(Unit.path.startswith(path))
        .order_by(Member.id)
    )
    return [int(e) for (e,) in rows]


async def _secretary_of(s: AsyncSession, cell_id: int) -> int:
    from storage.models import RoleGrant

    row = await s.execute(
        select(Account.external_id)
        .join(RoleGrant, RoleGrant.user_id == Account.user_id)
        .where(RoleGrant.unit_id == cell_id, RoleGrant.role == "secretary")
    )
    return int(row.scalars().first() or 0)


async def _plain_member_of(s: AsyncSession, cell_id: int) -> int:
    secretary = await _secretary_of(s, cell_id)
    rows = await s.execute(
        select(Account.external_id)
        .join(Member, Member.user_id == Account.user_id)
        .where(Member.unit_id == cell_id)
    )
    return next(int(e) for (e,) in rows if int(e) != secretary)
