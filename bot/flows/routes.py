"""All flows, wired into one router."""

from __future__ import annotations

from bot.flows import appoint, invites, profile, registration, start, units
from bot.router import Router


def build_router() -> Router:
    router = Router()
    for flow in (start, registration, profile, units, invites, appoint):
        flow.register(router)
    return router
