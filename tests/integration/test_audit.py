"""The audit log: actions are written with who, what, when and where; an admin reads only the
entries of the subtrees they administer; members and secretaries cannot read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import audit, meetings
from domain.errors import NotAllowed
from domain.invites import create_invite
from domain.members import grant_admin, identify
from domain.units import add_path, rename_unit
from storage.dto import Role
from tests.e2e.helpers import enrol

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)
ROOT = "Đảng bộ Khối các cơ quan tỉnh"


async def test_entries_are_scoped_to_the_admins_subtree(sessions: Sessions) -> None:
    health, _ = await enrol(sessions, f"{ROOT}/Đảng bộ Sở Y tế/Chi bộ Dược", [
        (40, Role.SECRETARY, "Trần Văn Bốn"),
    ])  # fmt: skip
    async with sessions() as s:
        finance, _ = await add_path(s, f"{ROOT}/Đảng bộ Sở Tài chính/Chi bộ Kế toán", NOW)
        sở_y_tế, _ = await add_path(s, f"{ROOT}/Đảng bộ Sở Y tế", NOW)
        await grant_admin(s, "telegram", "41", sở_y_tế, "vi", NOW)
        admin_a = (await identify(s, "telegram", "41", "41", "A", "vi", False, NOW)).actor
        secretary = (await identify(s, "telegram", "40", "40", "B", "vi", False, NOW)).actor
        root = (await identify(s, "telegram", "1", "1", "Gốc", "vi", True, NOW)).actor
        await create_invite(s, admin_a, health.id, Role.MEMBER, 5, 7, NOW)
        await meetings.set_day(s, secretary, health.id, 12, NOW)
        await create_invite(s, root, finance.id, Role.MEMBER, 5, 7, NOW)
        await rename_unit(s, root, finance.id, "Chi bộ Kế toán tổng hợp", NOW)
        await s.commit()
    async with sessions() as s:
        seen_a = await audit.latest(s, admin_a)
        seen_root = await audit.latest(s, root)
        with pytest.raises(NotAllowed):
            await audit.latest(s, secretary)
    # granting rights is audited too: A's own grant (by the command line) and the secretary
    # taking up her link, both in A's subtree
    assert [e.action for e in seen_a] == [
        "meeting_day",
        "invite_create",
        "admin_grant",
        "role_join",
    ]
    assert [e.action for e in seen_root] == [
        "unit_rename", "invite_create", "meeting_day", "invite_create", "admin_grant", "role_join",
    ]  # fmt: skip
    assert seen_a[0].user_id == secretary.user_id
    assert seen_a[0].detail == {"day": 12}
    assert seen_root[0].detail == {"before": "Chi bộ Kế toán", "after": "Chi bộ Kế toán tổng hợp"}
