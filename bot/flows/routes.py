"""All flows, wired into one router."""

from __future__ import annotations

from bot.flows import (
    appoint,
    approvals,
    campaigns,
    checkins,
    commitments,
    desk,
    invites,
    profile,
    progress,
    registration,
    reminders,
    start,
    units,
)
from bot.router import Router


def build_router() -> Router:
    router = Router()
    flows = (
        start,
        registration,
        profile,
        units,
        invites,
        appoint,
        campaigns,
        commitments,
        approvals,
        checkins,
        progress,
        reminders,
        desk,
    )
    for flow in flows:
        flow.register(router)
    return router
