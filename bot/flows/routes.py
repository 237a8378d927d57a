"""All flows, wired into one router."""

from __future__ import annotations

from bot.flows import (
    appoint,
    approvals,
    audit,
    broadcast,
    campaigns,
    checkins,
    commitments,
    desk,
    honours,
    imports,
    invites,
    linking,
    profile,
    progress,
    registration,
    reminders,
    start,
    stats,
    tree,
    units,
    website,
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
        broadcast,
        stats,
        imports,
        audit,
        honours,
        linking,
        tree,
        website,
    )
    for flow in flows:
        flow.register(router)
    return router
