"""The sending budget: an outage's pause holds even with no pace configured (a sender with
NEUGUONG_RATE_PER_SECOND=0 once spun at 100 % CPU, 900 failed sends a second, against a Bot
API that had gone away)."""

from __future__ import annotations

import asyncio

import pytest

from jobs.limits import OUTAGE_CHATS, Limiter, Limits


@pytest.mark.parametrize("per_second", [0.0, 25.0])
async def test_an_outage_pauses_the_sends_with_or_without_a_pace(per_second: float) -> None:
    limiter = Limiter(Limits(per_second=per_second, per_chat_interval=0))
    for n in range(OUTAGE_CHATS):
        limiter.failed(str(n))
    assert limiter.down
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(limiter.wait("42"), 0.3)  # the pause is 2 s at first
    limiter.succeeded()
