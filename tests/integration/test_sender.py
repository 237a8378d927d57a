"""Acceptance (reminders): the outbox sender against the local Bot API server with faults.
2,000 queued messages all end sent, each exactly once at the server, except those recorded as
"unknown" (the answer never came back), which are counted and reported."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.outbound import TelegramChannel
from jobs.limits import Limits
from jobs.sender import Sender, SenderConfig
from storage.models import Account, OutboxMessage
from storage.repos import outbox
from tests.fakes.botapi import FakeBotAPI

Sessions = async_sessionmaker[AsyncSession]


def now() -> datetime:
    return datetime.now(UTC)


async def queue(sessions: Sessions, count: int, chats: int) -> None:
    rows = [
        {
            "dedupe_key": f"test:{n}",
            "kind": "reminder",
            "channel": "telegram",
            "chat_id": str(10_000 + n % chats),
            "user_id": None,
            "text": f"msg-{n:05d}",
            "markup": None,
            "state": "pending",
            "attempts": 0,
            "not_before": now(),
            "created_at": now(),
        }
        for n in range(count)
    ]
    async with sessions() as s:
        await outbox.add_many(s, rows)
        await s.commit()


async def drain(sender: Sender, sessions: Sessions) -> dict[str, int]:
    """Run the sender until nothing is pending; retry backoff is skipped, not waited out."""
    by_state = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    states: dict[str, int] = {}
    for _ in range(2000):
        await sender.run_once()
        async with sessions() as s:
            states = dict((await s.execute(by_state)).all())
            if not set(states) & {"pending", "sending"}:
                return states
            await s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.state == "pending")
                .values(not_before=now())
            )
            await s.commit()
    raise AssertionError(f"the outbox did not drain: {states}")


def fast_sender(sessions: Sessions, channel: TelegramChannel, **limits: float) -> Sender:
    config = SenderConfig(
        batch=100,
        concurrency=16,
        backoff_base=0.01,
        backoff_cap=0.05,
        limits=Limits(**limits),
    )
    return Sender(sessions, {"telegram": channel}, now, config)


async def test_faults_end_sent_once_or_unknown(botapi: FakeBotAPI, sessions: Sessions) -> None:
    await queue(sessions, 2000, chats=200)
    botapi.chaos["sendMessage"] = (0.10, 0.05, 0.6)  # 10% answer 500, 5% answer too late
    botapi.fail("sendMessage", 429, times=40, retry_after=1, description="Too Many Requests")
    channel = TelegramChannel(botapi.token, botapi.base_url, timeout=0.3)
    sender = fast_sender(sessions, channel, per_second=0, per_chat_interval=0, group_per_minute=0)
    try:
        states = await drain(sender, sessions)
    finally:
        await channel.close()
    received = Counter(e.text for chat in botapi.events.values() for e in chat)
    async with sessions() as s:
        rows = dict((await s.execute(select(OutboxMessage.text, OutboxMessage.state))).all())
    unknown = [text for text, state in rows.items() if state == "unknown"]
    print(
        f"\n2000 queued: {states.get('sent', 0)} sent, {len(unknown)} unknown; "
        f"429s answered: {sender.stats.get('rate_limited', 0)}; "
        f"5xx retried: {sender.stats.get('retry', 0)}"
    )
    assert set(states) <= {"sent", "unknown"}
    assert sum(states.values()) == 2000
    assert all(received[text] == 1 for text, state in rows.items() if state == "sent")
    assert all(received[text] <= 1 for text in unknown)
    assert sender.stats.get("rate_limited", 0) >= 40
    assert 50 <= len(unknown) <= 200  # about 5% of all attempts


async def test_429_keeps_each_chats_order(botapi: FakeBotAPI, sessions: Sessions) -> None:
    await queue(sessions, 300, chats=20)
    botapi.fail("sendMessage", 429, times=25, retry_after=1, description="Too Many Requests")
    channel = TelegramChannel(botapi.token, botapi.base_url)
    sender = fast_sender(sessions, channel, per_second=0, per_chat_interval=0)
    try:
        states = await drain(sender, sessions)
    finally:
        await channel.close()
    assert states == {"sent": 300}
    for chat in botapi.events.values():
        texts = [e.text for e in chat]
        assert texts == sorted(texts)
        assert len(texts) == 15


async def test_blocked_member_is_marked_and_secretary_told_once(
    botapi: FakeBotAPI, sessions: Sessions
) -> None:
    from storage.dto import Role
    from tests.e2e.conftest import CELL
    from tests.e2e.helpers import enrol

    await enrol(
        sessions, CELL, [(50, Role.SECRETARY, "Trần Thị Bình"), (51, Role.MEMBER, "Nguyễn Văn An")]
    )
    async with sessions() as s:
        user_id = await s.scalar(select(Account.user_id).where(Account.external_id == "51"))
        rows = [
            {
                "dedupe_key": f"reminder:{n}",
                "kind": "checkin",
                "channel": "telegram",
                "chat_id": "51",
                "user_id": user_id,
                "text": f"nhắc {n}",
                "markup": None,
                "state": "pending",
                "attempts": 0,
                "not_before": now(),
                "created_at": now(),
            }
            for n in range(3)
        ]
        await outbox.add_many(s, rows)
        await s.commit()
    botapi.blocked.add(51)
    channel = TelegramChannel(botapi.token, botapi.base_url)
    sender = fast_sender(sessions, channel)
    try:
        await drain(sender, sessions)
        await drain(sender, sessions)
    finally:
        await channel.close()
    async with sessions() as s:
        query = select(OutboxMessage.dedupe_key, OutboxMessage.state)
        states = dict((await s.execute(query)).all())
        account = select(Account.unreachable_at).where(Account.external_id == "51")
        unreachable = await s.scalar(account)
    assert [states[f"reminder:{n}"] for n in range(3)] == ["failed"] * 3
    assert unreachable is not None
    told = [e.text for e in botapi.transcript(50)]
    assert len(told) == 1
    assert told[0].startswith("📵 Bot không gửi được tin nhắn cho đồng chí <b>Nguyễn Văn An</b>")
