"""Acceptance (the committee's console, 3): /thongke's numbers equal direct SQL counts, on a
generated tree of 3 grassroots units and 12 cells with members in every state."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import campaigns, stats
from domain.access import Actor
from domain.units import add_path, find_path
from storage.models import Account, CheckIn, Commitment, CommitmentItem, Member, User
from storage.types import UTCDateTime

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)
ROOT = "Đảng bộ Khối các cơ quan tỉnh"
ADMIN = Actor(0, "vi", None, root_admin=True)

DIRECT = """
SELECT
  count(*),
  sum(CASE WHEN m.user_id IS NOT NULL THEN 1 ELSE 0 END),
  sum(CASE WHEN EXISTS (
        SELECT 1 FROM commitments c JOIN campaigns k ON k.id = c.campaign_id
        WHERE c.member_id = m.id AND k.status = 'open'
          AND (c.state IN ('submitted', 'approved') OR c.approved_version > 0)
      ) THEN 1 ELSE 0 END),
  sum(CASE WHEN EXISTS (
        SELECT 1 FROM commitments c JOIN campaigns k ON k.id = c.campaign_id
        WHERE c.member_id = m.id AND k.status = 'open' AND c.approved_version > 0
      ) THEN 1 ELSE 0 END),
  sum(CASE WHEN EXISTS (
        SELECT 1 FROM checkins ch JOIN commitments c ON c.id = ch.commitment_id
        WHERE c.member_id = m.id AND ch.created_at >= :since
      ) THEN 1 ELSE 0 END),
  sum(CASE WHEN EXISTS (
        SELECT 1 FROM accounts a WHERE a.user_id = m.user_id AND a.unreachable_at IS NOT NULL
      ) THEN 1 ELSE 0 END)
FROM members m JOIN units u ON u.id = m.unit_id
WHERE u.path LIKE :prefix AND m.status = 'active' AND m.exempt = :no
"""


async def build(sessions: Sessions) -> None:
    rng = random.Random(2027)
    async with sessions() as s:
        root, _ = await add_path(s, ROOT, NOW)
        await campaigns.create(s, None, root, 2027, "Nêu gương", date(2027, 1, 4),
                               date(2027, 2, 28), NOW - timedelta(days=60))  # fmt: skip
        ext = 5000
        for g in range(3):
            for c in range(4):
                cell, _ = await add_path(s, f"{ROOT}/Đảng bộ Sở {g + 1}/Chi bộ {c + 1}", NOW)
                for _n in range(rng.randint(5, 25)):
                    ext += 1
                    await _member(s, rng, cell.id, ext)
        await s.commit()


async def _member(s: AsyncSession, rng: random.Random, cell: int, ext: int) -> None:
    user_id = None
    if rng.random() < 0.85:  # the rest were imported and have not joined yet
        user = User(language="vi", display_name=str(ext), created_at=NOW)
        s.add(user)
        await s.flush()
        user_id = user.id
        blocked = NOW if rng.random() < 0.1 else None
        s.add(Account(user_id=user.id, channel="telegram", external_id=str(ext),
                      chat_id=str(ext), created_at=NOW, unreachable_at=blocked))  # fmt: skip
    status = "left" if rng.random() < 0.05 else "active"
    member = Member(unit_id=cell, user_id=user_id, full_name=f"Người Số {ext}", is_head=False,
                    status=status, exempt=rng.random() < 0.07, joined_at=NOW)  # fmt: skip
    s.add(member)
    await s.flush()
    state = rng.choice(["none", "draft", "submitted", "returned", "approved", "approved"])
    if state == "none":
        return
    approved = 1 if state == "approved" or (state == "draft" and rng.random() < 0.3) else 0
    commitment = Commitment(campaign_id=1, member_id=member.id, state=state, version=1,
                            approved_version=approved, created_at=NOW, updated_at=NOW)  # fmt: skip
    s.add(commitment)
    await s.flush()
    item = CommitmentItem(commitment_id=commitment.id, kind="example", text="Việc", position=1,
                          created_at=NOW)  # fmt: skip
    s.add(item)
    await s.flush()
    for days in rng.sample([2, 10, 20, 27, 29, 40, 90], rng.randint(0, 3)):
        at = NOW - timedelta(days=days)
        s.add(CheckIn(item_id=item.id, commitment_id=commitment.id, progress=50,
                      status="in_progress", created_at=at, updated_at=at))  # fmt: skip


async def direct(s: AsyncSession, path: str) -> tuple[int, ...]:
    row = (
        await s.execute(
            text(DIRECT).bindparams(bindparam("since", type_=UTCDateTime())),
            {"since": NOW - stats.WINDOW, "prefix": path + "%", "no": False},
        )
    ).one()
    return tuple(int(v or 0) for v in row)


async def test_rollup_equals_direct_sql(sessions: Sessions) -> None:
    await build(sessions)
    async with sessions() as s:
        root = await find_path(s, ROOT)
        found = await stats.rollup(s, ADMIN, root.id, NOW)
        assert len(found.children) == 3
        units = {u.unit_id: u for u in [found.total, *found.children]}
        for unit_id, got in units.items():
            path = "/" + str(root.id) + "/" if unit_id == root.id else None
            if path is None:
                path = (await s.execute(text("SELECT path FROM units WHERE id = :i"),
                                        {"i": unit_id})).scalar_one()  # fmt: skip
            want = await direct(s, path)
            assert (got.members, got.joined, got.registered, got.approved, got.active,
                    got.unreachable) == want, got.name  # fmt: skip
        assert found.total.members == sum(c.members for c in found.children)
        assert 0 < found.total.active < found.total.registered < found.total.members
        # drilling down: a grassroots unit's cells add up the same way
        child = found.children[0]
        deeper = await stats.rollup(s, ADMIN, child.unit_id, NOW)
        assert len(deeper.children) == 4
        assert sum(c.registered for c in deeper.children) == child.registered
        for cell in deeper.children:
            cell_path = (await s.execute(text("SELECT path FROM units WHERE id = :i"),
                                         {"i": cell.unit_id})).scalar_one()  # fmt: skip
            assert cell.members == (await direct(s, cell_path))[0]
