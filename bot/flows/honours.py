"""/tonvinh: the honour roll ("Người tốt, việc tốt").

Secretaries nominate a member (or the whole cell) with a reason and, if they have it, a photo
or file as evidence; admins over the cell are told and approve — announcing it to the cell,
the unit above or everything they administer — or decline; the nominator hears the decision.
Everyone sees the year's approved entries of their own units.

Buttons: hv:l:YEAR the roll · hv:n nominate · hv:c:CELL:PAGE pick a member · hv:m:CELL:MEMBER
(0: the cell) · hv:skip no evidence · hv:ok send · hv:x drop · hv:p pending · hv:v:ID one ·
hv:a:ID:unit|parent|scope approve · hv:d:ID decline.
"""

from __future__ import annotations

from bot import views
from bot.context import Ctx
from bot.router import Router
from bot.screens import Choice, Screen, rows
from domain import honours
from domain.access import require
from domain.errors import DomainError
from render.attachment import Attachment
from storage.repos import users as user_repo
from storage.repos.honours import HonourDTO

REASON, EVIDENCE, CONFIRM = "hv/reason", "hv/evidence", "hv/confirm"
PAGE = 8


async def on_start(ctx: Ctx) -> None:
    year = ctx.local(ctx.now).year
    buttons = [ctx.choice("honour.roll", f"hv:l:{year}", year=year)]
    if await honours.nominating_cells(ctx.session, ctx.actor):
        buttons.append(ctx.choice("honour.nominate", "hv:n"))
    if ctx.actor.is_admin:
        waiting = await honours.pending(ctx.session, ctx.actor)
        buttons.append(ctx.choice("honour.pending", "hv:p", n=len(waiting)))
    ctx.reply(Screen(ctx.t("honour.intro"), rows(*buttons)))


async def _roll(ctx: Ctx, year: int) -> None:
    found = await honours.roll(ctx.session, ctx.actor, year)
    if not found:
        ctx.say("honour.roll_empty", year=year)
        return
    lines = [_line(ctx, n, h) for n, h in enumerate(found, 1)]
    ctx.reply(Screen(ctx.t("honour.roll_title", year=year) + "\n\n" + "\n\n".join(lines)))


def _who(ctx: Ctx, h: HonourDTO) -> str:
    return h.member_name or ctx.t("honour.whole_cell")


def _line(ctx: Ctx, n: int, h: HonourDTO) -> str:
    return ctx.t("honour.line", n=n, who=_who(ctx, h), unit=h.unit_name, reason=h.reason)


async def _choose_cell(ctx: Ctx) -> None:
    cells = await honours.nominating_cells(ctx.session, ctx.actor)
    require(bool(cells))
    if len(cells) == 1:
        await _members(ctx, cells[0].id, 0, edit=False)
        return
    choices = rows(*(Choice(u.name, f"hv:c:{u.id}:0") for u in cells))
    ctx.reply(Screen(ctx.t("desk.choose_unit"), choices))


async def _members(ctx: Ctx, cell_id: int, page: int, edit: bool = True) -> None:
    unit, people, total = await honours.candidates(
        ctx.session, ctx.actor, cell_id, page * PAGE, PAGE
    )
    choices: list[tuple[Choice, ...]] = [
        (ctx.choice("honour.whole_cell_button", f"hv:m:{unit.id}:0"),)
    ]
    choices += rows(*(Choice(m.full_name, f"hv:m:{unit.id}:{m.id}") for m in people), width=2)
    nav = views.pager(ctx, f"hv:c:{unit.id}", page, total, PAGE)
    if nav:
        choices.append(nav)
    ctx.reply(Screen(ctx.t("honour.ask_who", unit=unit.name), tuple(choices), edit=edit))


async def _picked(ctx: Ctx, cell_id: int, member_id: int) -> None:
    unit, people, _ = await honours.candidates(ctx.session, ctx.actor, cell_id, 0, 10_000)
    name = next((m.full_name for m in people if m.id == member_id), None)
    if member_id and name is None:
        ctx.say("button.expired")
        return
    who = name or ctx.t("honour.whole_cell")
    await ctx.set_state(REASON, {"cell": unit.id, "member": member_id or None, "who": who})
    ctx.reply(Screen(ctx.t("honour.ask_reason", who=who), edit=True))


async def on_reason(ctx: Ctx) -> None:
    reason = (ctx.incoming.text or "").strip()
    if not honours.REASON_MIN <= len(reason) <= honours.REASON_MAX:
        raise DomainError(
            "honour.reason_length", min=honours.REASON_MIN, max=honours.REASON_MAX, got=len(reason)
        )
    await ctx.set_state(EVIDENCE, {**ctx.data, "reason": reason})
    ctx.reply(Screen(ctx.t("honour.ask_evidence"), rows(ctx.choice("honour.skip", "hv:skip"))))


async def on_evidence(ctx: Ctx) -> None:
    incoming = ctx.incoming
    if incoming.content not in ("photo", "document") or not incoming.file_id:
        ctx.reply(Screen(ctx.t("honour.evidence_kind"), rows(ctx.choice("honour.skip", "hv:skip"))))
        return
    await _confirm(ctx, [incoming.content, incoming.file_id])


async def _confirm(ctx: Ctx, evidence: list[str] | None) -> None:
    data = {**ctx.data, "evidence": evidence}
    await ctx.set_state(CONFIRM, data)
    text = ctx.t(
        "honour.confirm",
        who=str(data.get("who")),
        reason=str(data.get("reason")),
        evidence=ctx.t("honour.with_evidence" if evidence else "honour.no_evidence"),
    )
    buttons = rows(ctx.choice("honour.send", "hv:ok"), ctx.choice("honour.drop", "hv:x"))
    ctx.reply(Screen(text, buttons))


async def _send(ctx: Ctx) -> None:
    if ctx.state != CONFIRM:
        ctx.say("button.expired")
        return
    data = ctx.data
    evidence = data.get("evidence")
    member = data.get("member")
    found = await honours.nominate(
        ctx.session,
        ctx.actor,
        int(str(data.get("cell"))),
        int(str(member)) if member else None,
        str(data.get("reason") or ""),
        (str(evidence[0]), str(evidence[1])) if isinstance(evidence, list) else None,
        ctx.local(ctx.now).year,
        ctx.now,
    )
    await ctx.clear_state()
    ctx.reply(views.home(ctx, "honour.sent"))
    reviewers = await honours.reviewers(ctx.session, found)
    reviewers += await root_admin_ids(ctx)
    await ctx.notify(
        reviewers,
        "honour.notice_nominated",
        buttons=(("honour.review", f"hv:v:{found.id}"),),
        who=_who(ctx, found),
        unit=found.unit_name,
        reason=found.reason,
    )


async def root_admin_ids(ctx: Ctx) -> list[int]:
    """Admins named in the settings (they hold no grant row)."""
    ids = []
    for channel, external in ctx.config.root_admins:
        account = await user_repo.find_account(ctx.session, channel, external)
        if account is not None:
            ids.append(account.user_id)
    return ids


async def _pending(ctx: Ctx) -> None:
    found = await honours.pending(ctx.session, ctx.actor)
    if not found:
        ctx.say("honour.none_pending")
        return
    lines = [_line(ctx, n, h) for n, h in enumerate(found, 1)]
    choices = rows(*(Choice(f"#{n}", f"hv:v:{h.id}") for n, h in enumerate(found, 1)), width=5)
    ctx.reply(Screen(ctx.t("honour.pending_title") + "\n\n" + "\n\n".join(lines), choices))


async def _view(ctx: Ctx, honour_id: int) -> None:
    h = await honours.visible(ctx.session, ctx.actor, honour_id)
    text = ctx.t(
        "honour.view",
        who=_who(ctx, h),
        unit=h.unit_name,
        reason=h.reason,
        state=ctx.t(f"honour.state_{h.state}"),
    )
    if h.evidence_kind and h.evidence_file_id:
        ctx.reply(
            Screen(
                ctx.t("honour.evidence_caption"),
                attachment=Attachment(h.evidence_kind, "", file_id=h.evidence_file_id),
            )
        )
    choices: tuple[tuple[Choice, ...], ...] = ()
    if h.state == "nominated":
        choices = rows(
            *(ctx.choice(f"honour.approve_{a}", f"hv:a:{h.id}:{a}") for a in honours.ANNOUNCE),
            ctx.choice("honour.decline", f"hv:d:{h.id}"),
        )
    ctx.reply(Screen(text, choices))


async def _decide(ctx: Ctx, honour_id: int, approve: bool, announce: str) -> None:
    h = await honours.visible(ctx.session, ctx.actor, honour_id)
    text = ctx.t("honour.announcement", who=_who(ctx, h), unit=h.unit_name, reason=h.reason)
    done = await honours.decide(ctx.session, ctx.actor, h.id, approve, announce, text, ctx.now)
    key = "honour.approved" if approve else "honour.declined"
    ctx.reply(Screen(ctx.t(key, who=_who(ctx, h), n=done.recipients), edit=True))
    if h.nominated_by is not None:
        notice = "honour.notice_approved" if approve else "honour.notice_declined"
        await ctx.notify([h.nominated_by], notice, who=_who(ctx, h), unit=h.unit_name)


async def on_button(ctx: Ctx) -> None:
    fields = views.parts(ctx)
    action = fields[0] if fields else ""
    first, second = views.int_at(fields, 1), views.int_at(fields, 2)
    if action == "l" and first is not None:
        await _roll(ctx, first)
    elif action == "n":
        await _choose_cell(ctx)
    elif action == "c" and first is not None:
        await _members(ctx, first, max(second or 0, 0))
    elif action == "m" and first is not None and second is not None:
        await _picked(ctx, first, second)
    elif action == "skip" and ctx.state == EVIDENCE:
        await _confirm(ctx, None)
    else:
        await _review_button(ctx, action, first, fields)


async def _review_button(ctx: Ctx, action: str, number: int | None, fields: list[str]) -> None:
    if action == "ok":
        await _send(ctx)
    elif action == "x":
        await ctx.clear_state()
        ctx.reply(views.home(ctx, "honour.dropped"))
    elif action == "p":
        await _pending(ctx)
    elif action == "v" and number is not None:
        await _view(ctx, number)
    elif action == "a" and number is not None and len(fields) > 2:
        await _decide(ctx, number, True, fields[2])
    elif action == "d" and number is not None:
        await _decide(ctx, number, False, "")
    else:
        ctx.say("button.expired")


def register(router: Router) -> None:
    router.command("tonvinh", "honours")(on_start)
    router.state(REASON)(on_reason)
    router.state(EVIDENCE, files=True)(on_evidence)
    router.button("hv")(on_button)
