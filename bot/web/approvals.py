"""Registrations waiting for the person's decision, on the web: the list (several approved at
once), one registration read in full, approve or return with a comment. The same services as
the chat's /choduyet (`domain.commitments.waiting`, `reviewable`, `decide`); the member is
told on their network by the same notices."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.responses import Response

from bot.web.boundary import Visit, action, back_to, page, path_id
from domain import commitments
from domain.commitments import Sheet
from domain.errors import DomainError
from locales import dates
from storage.dto import State

PAGE = 50  # registrations listed at once; the count says how many in all
PICKED_MAX = PAGE


@page()
async def waiting_list(visit: Visit) -> Response:
    return await _list_view(visit)


async def _list_view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    found = await commitments.waiting(visit.session, visit.actor)
    return visit.render(
        "approvals.html",
        status,
        waiting=found[:PAGE],
        total=len(found),
        when=lambda moment: dates.moment(visit.local(moment), visit.lang) if moment else "",
        error=error,
        done=_done(visit),
    )


def _done(visit: Visit) -> dict[str, int]:
    """What the last decision did, from the address it came back to (numbers only)."""
    query = visit.request.query_params
    return {
        k: int(query[k]) for k in ("approved", "returned", "stale") if query.get(k, "").isdigit()
    }


def _picked(form: FormData) -> list[tuple[int, int]]:
    """The (registration, version) pairs ticked in the list; anything malformed is refused."""
    picked = []
    for raw in form.getlist("pick")[: PICKED_MAX + 1]:
        commitment, _, version = str(raw).partition(":")
        if not (commitment.isdigit() and version.isdigit()) or len(str(raw)) > 25:
            raise DomainError("error.bad_choice")
        picked.append((int(commitment), int(version)))
    if not picked or len(picked) > PICKED_MAX:
        raise DomainError("web.approvals_pick")
    return picked


@action(_list_view)
async def approve_picked(visit: Visit, form: FormData) -> Response:
    """Approve the ticked registrations; one that changed meanwhile is left for a second
    look (counted, not approved)."""
    approved = stale = 0
    for commitment_id, version in _picked(form):
        try:
            sheet = await commitments.decide(
                visit.session, visit.actor, commitment_id, version, True, None, visit.now
            )
        except DomainError as error:
            if error.key != "approval.stale":
                raise
            stale += 1
            continue
        approved += 1
        await _tell(visit, sheet, approve=True)
    return back_to(f"/approvals?approved={approved}&stale={stale}")


@page()
async def one(visit: Visit) -> Response:
    return await _one_view(visit)


async def _one_view(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    commitment_id = path_id(visit.request, "commitment_id")
    sheet = await commitments.reviewable(visit.session, visit.actor, commitment_id)
    return visit.render(
        "approval.html",
        status,
        sheet=sheet,
        last_year=await commitments.last_year_remedial(visit.session, sheet),
        waiting=sheet.commitment.state is State.SUBMITTED,
        own=visit.actor.member is not None and visit.actor.member.id == sheet.commitment.member_id,
        month=lambda d: dates.month(d, visit.lang),
        error=error,
        values=values or {},
        comment_max=commitments.COMMENT_MAX,
    )


def _version(form: FormData) -> int:
    raw = str(form.get("version", ""))
    if not raw.isdigit() or len(raw) > 9:
        raise DomainError("approval.stale")
    return int(raw)


@action(_one_view)
async def decide(visit: Visit, form: FormData) -> Response:
    commitment_id = path_id(visit.request, "commitment_id")
    choice = str(form.get("decision", ""))
    if choice not in ("approve", "return"):
        raise DomainError("error.bad_choice")
    approve = choice == "approve"
    comment = None if approve else str(form.get("comment", ""))
    sheet = await commitments.decide(
        visit.session, visit.actor, commitment_id, _version(form), approve, comment, visit.now
    )
    await _tell(visit, sheet, approve)
    return back_to(f"/approvals?{'approved=1' if approve else 'returned=1'}")


async def _tell(visit: Visit, sheet: Sheet, approve: bool) -> None:
    """The member (or the cell's leaders, for models) is told on their own network."""
    owners = await commitments.owners(visit.session, sheet)
    if approve:
        await visit.ctx().notify(owners, "notice.approved", year=sheet.campaign.year)
    else:
        comment = sheet.commitment.return_comment or ""
        await visit.ctx().notify(owners, "notice.returned", comment=comment)
