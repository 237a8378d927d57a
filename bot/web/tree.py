"""Changing the tree on the web (admins, their subtree only): rename a unit, move it under
another parent, merge it into another, close it — each asked again before it is done, each
audited. The target is found by typing part of its name (diacritics optional), among the
units the admin administers. The rules and the audit are `domain.tree` and `domain.units`, as
in chat and on the command line."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.responses import Response

from bot.web.boundary import Visit, action, back_to, page, path_id
from domain import tree, units
from domain.access import require
from domain.errors import DomainError
from storage.dto import UnitDTO

OPS = ("move", "merge", "close")
CHOICES = 20  # candidates shown when the name typed fits several units


@page()
async def unit_page(visit: Visit) -> Response:
    return await _unit_view(visit)


async def _unit_view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    unit = await _unit(visit)
    path = await units.path_names(visit.session, unit)
    return visit.render(
        "tree.html", status, unit=unit, path=path, error=error, values=values or {},
        done=visit.request.query_params.get("done", ""),
    )  # fmt: skip


async def _unit(visit: Visit) -> UnitDTO:
    unit = await units.visible(visit.session, visit.actor, path_id(visit.request, "unit_id"))
    require(visit.actor.is_admin_of(unit), "web.console_not_admin")
    return unit


@action(_unit_view)
async def rename(visit: Visit, form: FormData) -> Response:
    unit = await units.rename_unit(
        visit.session, visit.actor, path_id(visit.request, "unit_id"), str(form.get("name", "")),
        visit.now,
    )  # fmt: skip
    return back_to(f"/console/tree/{unit.id}?done=renamed")


@action(_unit_view)
async def ask(visit: Visit, form: FormData) -> Response:
    """The operation chosen and the target typed: the units that fit, to confirm one."""
    unit = await _unit(visit)
    op = str(form.get("op", ""))
    if op not in OPS:
        raise DomainError("error.bad_choice")
    found: list[UnitDTO] = []
    if op != "close":
        typed = str(form.get("target", ""))
        found = [
            u for u in await units.search(visit.session, visit.actor, typed) if u.id != unit.id
        ]
        if not found:
            raise DomainError("web.tree_no_target")
    return visit.render("tree_confirm.html", unit=unit, op=op, candidates=found[:CHOICES])


@action(_unit_view)
async def confirm(visit: Visit, form: FormData) -> Response:
    unit_id = path_id(visit.request, "unit_id")
    op = str(form.get("op", ""))
    raw = str(form.get("target_id", ""))
    target = int(raw) if raw.isdigit() and len(raw) < 13 else 0
    if op == "move":
        moved = await tree.move_unit(visit.session, visit.actor, unit_id, target, visit.now)
        return back_to(f"/console/tree/{moved.id}?done=moved")
    if op == "merge":
        merged = await tree.merge_units(visit.session, visit.actor, unit_id, target, visit.now)
        return back_to(f"/console/tree/{merged.target.id}?done=merged")
    if op == "close":
        await tree.close_unit(visit.session, visit.actor, unit_id, visit.now)
        return back_to("/console?closed=1")
    raise DomainError("error.bad_choice")
