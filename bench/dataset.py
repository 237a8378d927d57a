"""A realistic province, built fast with set inserts: one bloc, grassroots units, cells,
members with Telegram accounts, an open campaign, approved commitments with two items each,
and reminder schedules due at a chosen moment.

Used by the benchmarks and by the multi-process tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.schedules import Prefs, last_occurrence, period_key
from storage.models import (
    Account,
    Campaign,
    Commitment,
    CommitmentItem,
    Member,
    Schedule,
    Unit,
    User,
)

CHUNK = 5000


@dataclass(frozen=True)
class Province:
    members: int
    cells: int
    first_chat: int


def _chunks(rows: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


async def _insert(engine: AsyncEngine, table: type, rows: list[dict[str, object]]) -> None:
    async with engine.begin() as conn:
        for chunk in _chunks(rows):
            await conn.execute(insert(table), chunk)


async def build(
    engine: AsyncEngine,
    members: int,
    cells: int,
    due_at: datetime,
    first_chat: int = 1_000_000,
    grassroots: int = 90,
    year: int = 2027,
    quiet: bool = True,
) -> Province:
    """Members spread evenly over `cells` cells under `grassroots` units; every schedule due
    at `due_at`, with last period reminded so that a reminder is due. `quiet=False` turns
    quiet hours off, for runs on the real clock that must send at any hour of the night."""
    now = datetime(year, 1, 4, tzinfo=UTC)
    cell_ids = await _tree(engine, cells, grassroots, now)
    await _people(engine, members, cell_ids, first_chat, now)
    await _commitments(engine, members, year, now)
    await _schedules(engine, members, due_at, now, quiet)
    if engine.dialect.name == "postgresql":
        # A live database has statistics (autovacuum); a freshly loaded one must be analysed,
        # or the planner guesses and measurements depend on when autovacuum wakes up.
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    return Province(members, cells, first_chat)


async def _tree(engine: AsyncEngine, cells: int, grassroots: int, now: datetime) -> list[int]:
    async with engine.begin() as conn:
        root = (
            await conn.execute(
                insert(Unit).returning(Unit.id),
                [
                    {
                        "parent_id": None,
                        "kind": "dang_bo_khoi",
                        "name": "Đảng bộ Khối các cơ quan tỉnh",
                        "path": "",
                        "created_at": now,
                    }
                ],
            )
        ).scalar_one()
        await conn.execute(Unit.__table__.update().where(Unit.id == root).values(path=f"/{root}/"))
    mids = [
        {
            "id": root + 1 + g,
            "parent_id": root,
            "kind": "dang_bo_co_so",
            "name": f"Đảng bộ cơ sở số {g + 1}",
            "path": f"/{root}/{root + 1 + g}/",
            "created_at": now,
        }
        for g in range(grassroots)
    ]
    base = root + 1 + grassroots
    leaves = [
        {
            "id": base + c,
            "parent_id": root + 1 + c % grassroots,
            "kind": "chi_bo_truc_thuoc",
            "name": f"Chi bộ số {c + 1}",
            "path": f"/{root}/{root + 1 + c % grassroots}/{base + c}/",
            "created_at": now,
        }
        for c in range(cells)
    ]
    await _insert(engine, Unit, mids + leaves)
    await _fix_sequence(engine, "units", base + cells)
    return [base + c for c in range(cells)]


async def _fix_sequence(engine: AsyncEngine, table: str, last: int) -> None:
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        async with engine.begin() as conn:
            await conn.execute(text(f"SELECT setval('{table}_id_seq', {last})"))


async def _people(
    engine: AsyncEngine, members: int, cells: list[int], first_chat: int, now: datetime
) -> None:
    users = [
        {"id": n + 1, "language": "vi", "display_name": "", "created_at": now}
        for n in range(members)
    ]
    accounts = [
        {
            "id": n + 1,
            "user_id": n + 1,
            "channel": "telegram",
            "external_id": str(first_chat + n),
            "chat_id": str(first_chat + n),
            "created_at": now,
        }
        for n in range(members)
    ]
    people = [
        {
            "id": n + 1,
            "unit_id": cells[n % len(cells)],
            "user_id": n + 1,
            "full_name": f"Đảng viên số {n + 1}",
            "position": None,
            "is_head": False,
            "status": "active",
            "exempt": False,
            "joined_at": now,
        }
        for n in range(members)
    ]
    await _insert(engine, User, users)
    await _insert(engine, Account, accounts)
    await _insert(engine, Member, people)
    for table in ("users", "accounts", "members"):
        await _fix_sequence(engine, table, members)


async def _commitments(engine: AsyncEngine, members: int, year: int, now: datetime) -> None:
    async with engine.begin() as conn:
        root = (await conn.execute(select(Unit.id).where(Unit.parent_id.is_(None)))).scalar_one()
        campaign = (
            await conn.execute(
                insert(Campaign).returning(Campaign.id),
                [
                    {
                        "unit_id": root,
                        "year": year,
                        "theme": "Phát huy vai trò nêu gương",
                        "opens_on": date(year, 1, 4),
                        "deadline": date(year, 2, 28),
                        "midyear_review": date(year, 6, 30),
                        "yearend_review": date(year, 12, 15),
                        "status": "open",
                        "created_at": now,
                    }
                ],
            )
        ).scalar_one()
    commitments = [
        {
            "id": n + 1,
            "campaign_id": campaign,
            "member_id": n + 1,
            "unit_id": None,
            "state": "approved",
            "version": 1,
            "approved_version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(members)
    ]
    items = [
        {
            "commitment_id": n // 2 + 1,
            "kind": "example",
            "text": f"Nội dung cam kết {n % 2 + 1} của đảng viên {n // 2 + 1}",
            "position": n % 2 + 1,
            "progress": 0,
            "status": "not_started",
            "created_at": now,
        }
        for n in range(members * 2)
    ]
    await _insert(engine, Commitment, commitments)
    await _insert(engine, CommitmentItem, items)
    await _fix_sequence(engine, "commitments", members)


async def _schedules(
    engine: AsyncEngine, members: int, due_at: datetime, now: datetime, quiet: bool
) -> None:
    prefs = Prefs()
    previous = last_occurrence(prefs, due_at) - timedelta(days=7)
    period = period_key(prefs, previous.astimezone(prefs.zone).date())
    rows = [
        {
            "member_id": n + 1,
            "cadence": "weekly",
            "weekday": 0,
            "minute": 480,
            "quiet_start": 1260 if quiet else 0,
            "quiet_end": 420 if quiet else 0,
            "timezone": "Asia/Ho_Chi_Minh",
            "next_due_at": due_at,
            "period": period,
            "period_started_at": previous,
            "missed": 0,
            "escalated": False,
            "updated_at": now,
        }
        for n in range(members)
    ]
    await _insert(engine, Schedule, rows)
