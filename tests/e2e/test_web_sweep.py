"""Every web address with an id, opened by three people — a member, the secretary of one cell,
the admin of one đảng bộ — with every id from 1 to 50 past the largest in the database: a page
opens exactly where the scope rules say (the member's own items; the secretary's cell; the
admin's subtree), and every form posted with an id outside it is refused and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select

from domain import broadcasts, campaigns, units
from domain.access import Actor
from domain.units import find_path
from storage.models import (
    Account,
    Broadcast,
    Campaign,
    CheckIn,
    Commitment,
    CommitmentItem,
    Member,
    OutboxMessage,
    Unit,
)
from tests.e2e.test_web import (
    CELL,
    MEMBER,
    NEIGHBOUR,
    OTHER_CELL,
    SECRETARY,
    START,
    ZALO_MEMBER,
    Sessions,
    Site,
    approved,
    web_link,
)
from tests.e2e.test_web_console import ADMIN, HEALTH_CELL, JUSTICE, OUTSIDE, admin_of_justice
from tests.e2e.test_web_desk import desktop, submitted

playwright = pytest.importorskip("playwright.async_api")
BEYOND = 50


async def _world(sessions: Sessions, site: Site) -> dict[str, object]:
    """Registrations waiting in three cells of two đảng bộ, announcements to both."""
    await admin_of_justice(sessions)
    async with sessions() as s:
        root = Actor(0, "vi", None, (), True)
        for path in (OTHER_CELL, HEALTH_CELL):
            unit = await units.visible(s, root, (await find_path(s, path)).id)
            await campaigns.create(
                s, None, unit, 2027, "Nêu gương", date(2027, 1, 4), date(2027, 2, 28), START
            )
        await s.commit()
    await approved(sessions, "telegram", str(MEMBER))  # An reports: their items open
    for channel, who in (("zalo", ZALO_MEMBER), ("telegram", NEIGHBOUR), ("telegram", OUTSIDE)):
        await submitted(sessions, channel, str(who))
    async with sessions() as s:
        office = await s.scalar(select(Account.user_id).where(Account.external_id == str(OUTSIDE)))
        officer = Actor(office or 0, "vi", None, (), True)
        for path in (JUSTICE, HEALTH_CELL):
            unit = await find_path(s, path)
            await broadcasts.create(
                s,
                officer,
                text="Thông báo thử phạm vi",
                attachment=None,
                unit_ids=[unit.id],
                audience="everyone",
                send_at=site.clock.now,
                report_to=None,
                now=site.clock.now,
            )
        await s.commit()
        return {
            "cell": (await find_path(s, CELL)).id,
            "justice": (await find_path(s, JUSTICE)).id,
            "units": {u.id: u.path for u in await s.scalars(select(Unit))},
            "members": {m.id: (m.unit_id, m.full_name) for m in await s.scalars(select(Member))},
            "commitments": {c.id: c.member_id for c in await s.scalars(select(Commitment))},
            "items": {i.id: i.commitment_id for i in await s.scalars(select(CommitmentItem))},
            "broadcasts": {b.id: b.unit_ids for b in await s.scalars(select(Broadcast))},
        }


def _allowed(world: dict[str, object], role: str) -> dict[str, set[int]]:
    """What each person may open, by the rules written out here independently of the code."""
    paths: dict[int, str] = world["units"]  # type: ignore[assignment]
    people: dict[int, tuple[int, str]] = world["members"]  # type: ignore[assignment]
    owners: dict[int, int] = world["commitments"]  # type: ignore[assignment]
    items: dict[int, int] = world["items"]  # type: ignore[assignment]
    sent: dict[int, list[int]] = world["broadcasts"]  # type: ignore[assignment]
    top: int | None = {"secretary": world["cell"], "admin": world["justice"]}.get(role)  # type: ignore[assignment]
    covered = set() if top is None else {u for u, p in paths.items() if p.startswith(paths[top])}
    members = {m for m, (unit, _) in people.items() if unit in covered}
    mine = next(m for m, (_, name) in people.items() if name == "Nguyễn Văn An")
    own_items = {i for i, c in items.items() if owners.get(c) == mine}
    return {
        "desk": covered,
        "member": members,
        "approval": {c for c, m in owners.items() if m in members and m != _self(role, people)},
        "stats": covered if role == "admin" else set(),
        "tree": covered if role == "admin" else set(),
        "campaigns": covered if role == "admin" else set(),
        "broadcast": {b for b, ids in sent.items() if role == "admin" and set(ids) <= covered},
        "report": own_items if role == "member" else set(),
    }


def _self(role: str, people: dict[int, tuple[int, str]]) -> int | None:
    name = {"member": "Nguyễn Văn An", "secretary": "Trần Thị Bình"}.get(role)
    return next((m for m, (_, n) in people.items() if n == name), None)


ROUTES = {
    "desk": ("/desk/{}", "/desk/{}/print.xlsx", "/desk/{}/week.xlsx"),
    "member": ("/desk/member/{}",),
    "approval": ("/approvals/{}",),
    "stats": ("/console/stats/{}", "/console/stats/{}.xlsx"),
    "tree": ("/console/tree/{}",),
    "campaigns": ("/console/campaigns/{}",),
    "broadcast": ("/console/broadcasts/{}",),
    "report": ("/report/{}",),
}
FORMS = {
    "desk": ("/desk/{}/nudge", {}),
    "member": ("/desk/member/{}/exempt", {"exempt": "1"}),
    "approval": ("/approvals/{}", {"decision": "approve", "version": "1"}),
    "broadcast": ("/console/broadcasts/{}/cancel", {}),
    "tree": ("/console/tree/{}/confirm", {"op": "close"}),
    "campaigns": ("/console/campaigns/{}/1/close", {}),
    "report": ("/report/{}", {"progress": "50"}),
}


@pytest.mark.parametrize("role", ["member", "secretary", "admin"])
async def test_every_id_on_every_route_opens_only_within_scope(
    site: Site, sessions: Sessions, browser: playwright.Browser, role: str
) -> None:
    world = await _world(sessions, site)
    allowed = _allowed(world, role)
    person = {"member": MEMBER, "secretary": SECRETARY, "admin": ADMIN}[role]
    page = await desktop(browser)
    await page.goto(await web_link(site, person))
    token = await page.locator("form input[name=csrf]").first.get_attribute("value")
    assert token
    cookie = next(c["value"] for c in await page.context.cookies() if c["name"] == "ng_session")
    largest = {
        "desk": max(world["units"]),  # type: ignore[type-var]
        "stats": max(world["units"]),  # type: ignore[type-var]
        "tree": max(world["units"]),  # type: ignore[type-var]
        "campaigns": max(world["units"]),  # type: ignore[type-var]
        "member": max(world["members"]),  # type: ignore[type-var]
        "approval": max(world["commitments"]),  # type: ignore[type-var]
        "broadcast": max(world["broadcasts"]),  # type: ignore[type-var]
        "report": max(world["items"]),  # type: ignore[type-var]
    }
    gets = [
        (path.format(n), n in allowed[kind])
        for kind, paths in ROUTES.items()
        for n in range(1, largest[kind] + BEYOND + 1)
        for path in paths
    ]
    posts = [
        (path.format(n), fields)
        for kind, (path, fields) in FORMS.items()
        for n in range(1, largest[kind] + BEYOND + 1)
        if n not in allowed[kind]
    ]
    before = await _state(sessions)
    async with httpx.AsyncClient(base_url=site.url, cookies={"ng_session": cookie}) as client:
        wrong = [w for w in await _each(client, gets, token, posts) if w]
    assert not wrong, f"{role}: {wrong[:20]}"
    assert await _state(sessions) == before


async def _each(
    client: httpx.AsyncClient,
    gets: list[tuple[str, bool]],
    token: str,
    posts: list[tuple[str, dict[str, str]]],
) -> list[str]:
    """Every address opened and every form posted, eight at a time; what went wrong."""
    gate = asyncio.Semaphore(8)

    async def opened(path: str, allowed: bool) -> str:
        async with gate:
            answer = await client.get(path)
        return "" if (answer.status_code == 200) == allowed else f"{path}: {answer.status_code}"

    async def posted(path: str, fields: dict[str, str]) -> str:
        async with gate:
            answer = await client.post(path, data={"csrf": token, **fields})
        refused = answer.status_code in (400, 403, 404)  # 400: an item that does not exist
        return "" if refused else f"POST {path}: {answer.status_code}"

    found = await asyncio.gather(*(opened(p, a) for p, a in gets))
    return [*found, *await asyncio.gather(*(posted(p, f) for p, f in posts))]


async def _state(sessions: Sessions) -> tuple[object, ...]:
    """What the forms would change: registrations' states, exemptions, reports, nudges,
    announcements' states."""
    async with sessions() as s:
        return (
            sorted((c.id, c.state) for c in await s.scalars(select(Commitment))),
            sorted((m.id, m.exempt) for m in await s.scalars(select(Member))),
            await s.scalar(select(func.count()).select_from(CheckIn)),
            await s.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "nudge")
            ),
            sorted((b.id, b.state) for b in await s.scalars(select(Broadcast))),
            sorted((u.id, u.closed_at is None) for u in await s.scalars(select(Unit))),
            sorted((c.id, c.status) for c in await s.scalars(select(Campaign))),
        )
