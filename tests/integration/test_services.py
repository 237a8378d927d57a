"""Domain services on real databases: the tree, invites, registration, scoping."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import DomainError, NotAllowed, NotFound
from domain.invites import check_token, create_invite, create_system_invite, revoke_invite
from domain.members import grant_admin, identify, register
from domain.units import add_path, add_unit, find_path
from storage.dto import Role, UnitKind
from storage.models import Member, Unit

NOW = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
CELL_A = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp/Chi bộ Văn phòng"
CELL_B = "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Y tế/Chi bộ Phòng Tổ chức"
Sessions = async_sessionmaker[AsyncSession]


async def who(s: AsyncSession, external_id: str, root: bool = False):  # type: ignore[no-untyped-def]
    found = await identify(s, "telegram", external_id, external_id, "X", "vi", root, NOW)
    return found.actor


async def test_add_path_creates_parents_once(sessions: Sessions) -> None:
    async with sessions() as s:
        cell, created = await add_path(s, CELL_A, NOW)
        again, created_again = await add_path(s, CELL_A, NOW)
        await s.commit()
    assert (created, created_again) == (3, 0)
    assert again.id == cell.id
    async with sessions() as s:
        kinds = [k for (k,) in await s.execute(select(Unit.kind).order_by(Unit.id))]
        assert kinds == ["dang_bo_khoi", "dang_bo_co_so", "chi_bo_truc_thuoc"]
        with pytest.raises(NotFound) as missing:
            await find_path(s, "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Xây dựng")
        assert missing.value.params == {"name": "Đảng bộ Sở Xây dựng"}


async def test_invite_lifecycle(sessions: Sessions) -> None:
    async with sessions() as s:
        cell, _ = await add_path(s, CELL_A, NOW)
        made = await create_system_invite(s, cell, Role.MEMBER, 2, 14, NOW)
        await s.commit()
    token = made.token
    assert len(token) <= 64
    assert len(token) >= 22
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    async with sessions() as s:
        assert (await check_token(s, token, NOW)).id == made.invite.id
        for bad in ("x" * 32, "short", "<script>", "a" * 65, ""):
            with pytest.raises(DomainError, match="invite.unknown"):
                await check_token(s, bad, NOW)
        with pytest.raises(DomainError, match="invite.expired"):
            await check_token(s, token, NOW + timedelta(days=14))


async def test_registration_uses_the_invite_once_per_person(sessions: Sessions) -> None:
    async with sessions() as s:
        cell, _ = await add_path(s, CELL_A, NOW)
        made = await create_system_invite(s, cell, Role.MEMBER, 2, 14, NOW)
        first, second, third = [await who(s, str(n)) for n in (11, 12, 13)]
        profile = {"name": "Lò Văn Páo", "position": None, "is_head": False}
        await register(s, first, made.invite.id, profile, NOW)
        await s.commit()
        with pytest.raises(DomainError, match="register.already_member"):
            await register(s, await who(s, "11"), made.invite.id, profile, NOW)
        await register(s, second, made.invite.id, profile | {"name": "H'Hen Niê"}, NOW)
        await s.commit()
        with pytest.raises(DomainError, match="invite.used_up"):
            await register(s, third, made.invite.id, profile, NOW)
        await s.rollback()
        assert await s.scalar(select(func.count()).select_from(Member)) == 2
        with pytest.raises(DomainError, match="invite.used_up"):
            await check_token(s, made.token, NOW)


async def test_last_use_is_taken_by_exactly_one_of_two_racers(sessions: Sessions) -> None:
    async with sessions() as s:
        cell, _ = await add_path(s, CELL_A, NOW)
        made = await create_system_invite(s, cell, Role.MEMBER, 1, 14, NOW)
        await who(s, "21")
        await who(s, "22")
        await s.commit()

    async def attempt(external_id: str) -> str:
        async with sessions() as s:
            try:
                profile = {"name": "Nguyễn Văn Hùng"}
                await register(s, await who(s, external_id), made.invite.id, profile, NOW)
                await s.commit()
                return "ok"
            except DomainError as error:
                return error.key

    results = await asyncio.gather(attempt("21"), attempt("22"))
    assert sorted(results) == ["invite.used_up", "ok"]


async def test_scoping_between_units(sessions: Sessions) -> None:
    async with sessions() as s:
        cell_a, _ = await add_path(s, CELL_A, NOW)
        cell_b, _ = await add_path(s, CELL_B, NOW)
        sở_tư_pháp = await find_path(s, "Đảng bộ Khối các cơ quan tỉnh/Đảng bộ Sở Tư pháp")
        await grant_admin(s, "telegram", "31", sở_tư_pháp, "vi", NOW)
        secretary_invite = await create_system_invite(s, cell_a, Role.SECRETARY, 1, 14, NOW)
        await register(
            s, await who(s, "32"), secretary_invite.invite.id, {"name": "Đỗ Thị Hoa"}, NOW
        )
        await s.commit()
        admin_a, secretary_a, stranger = await who(s, "31"), await who(s, "32"), await who(s, "33")

        made = await create_invite(s, secretary_a, cell_a.id, Role.MEMBER, 5, 14, NOW)
        assert made.unit.id == cell_a.id
        for actor in (secretary_a, admin_a, stranger):
            with pytest.raises(NotFound):
                await create_invite(s, actor, cell_b.id, Role.MEMBER, 5, 14, NOW)
        with pytest.raises(NotFound):  # a secretary does not even see the level above
            await add_unit(
                s, secretary_a, sở_tư_pháp.id, "Chi bộ Mới", UnitKind.CHI_BO_TRUC_THUOC, NOW
            )
        with pytest.raises(NotAllowed):  # sees the own cell, may not reshape the tree
            await add_unit(s, secretary_a, cell_a.id, "Tổ Đảng", UnitKind.CHI_BO_TRUC_THUOC, NOW)
        with pytest.raises(NotFound):
            await add_unit(
                s, admin_a, cell_b.parent_id, "Chi bộ Mới", UnitKind.CHI_BO_TRUC_THUOC, NOW
            )
        added = await add_unit(
            s, admin_a, sở_tư_pháp.id, "Chi bộ Mới", UnitKind.CHI_BO_TRUC_THUOC, NOW
        )
        assert added.path.startswith(sở_tư_pháp.path)
        with pytest.raises(NotFound):
            await revoke_invite(s, stranger, made.invite.id, NOW)
        await revoke_invite(s, admin_a, made.invite.id, NOW)
        await s.commit()
        with pytest.raises(DomainError, match="invite.revoked"):
            await check_token(s, made.token, NOW)
