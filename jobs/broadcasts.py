"""Broadcasts through the outbox: planning a due broadcast, its delivery report, composing.

Planning is one transaction per broadcast: every recipient's row (`broadcast:<id>:<user>`,
unique) and the state change commit together, so a planner killed half-way leaves nothing,
and one run twice adds nothing. The admin's delivery report is a message sent when planning
(`broadcast_report:<id>:start`), edited at most once a minute while messages go out, and a
final summary when none is left pending. Texts are composed when sent: a cancelled
broadcast's rows still queued close unsent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.broadcasts import Status, recipients, status
from jobs.channel import Attachment, Markup
from render.broadcast_text import announcement_text, report_buttons, report_text
from storage.repos import broadcasts as repo
from storage.repos import outbox as outbox_repo
from storage.repos import units as unit_repo
from storage.repos.broadcasts import BroadcastDTO
from storage.repos.outbox import OutboxRow

KINDS = (repo.KIND, repo.REPORT_KIND)


async def plan(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Queue every broadcast whose time has come; then move the delivery reports along."""
    queued = 0
    while True:
        async with sessions() as session:
            broadcast = await repo.claim_due(session, now)
            if broadcast is None:
                break
            queued += await _queue(session, broadcast, now)
            await session.commit()
    queued += await _progress(sessions, now)
    return queued


async def _queue(session: AsyncSession, broadcast: BroadcastDTO, now: datetime) -> int:
    if not await unit_repo.many(session, broadcast.unit_ids):  # its units are gone
        await repo.set_state(session, broadcast.id, repo.DONE, planned_at=now, finished_at=now)
        return 0
    people = await recipients(session, broadcast)
    rows = [_report_row(broadcast, "start", now)] if broadcast.report_chat_id else []
    rows += [
        outbox_repo.pending(
            f"{repo.KIND}:{broadcast.id}:{user}",
            repo.KIND,
            (ch, chat, user),
            now,
            subject=broadcast.id,
        )  # fmt: skip
        for user, ch, chat in people
    ]
    queued = await outbox_repo.add_many(session, rows)
    await repo.set_state(
        session, broadcast.id, repo.SENDING, planned_at=now, recipients=len(people)
    )
    return queued


def _report_row(broadcast: BroadcastDTO, step: str, now: datetime) -> dict[str, object]:
    return outbox_repo.pending(
        f"{repo.REPORT_KIND}:{broadcast.id}:{step}",
        repo.REPORT_KIND,
        (broadcast.report_channel, broadcast.report_chat_id, broadcast.created_by),
        now,
        subject=broadcast.id,
        payload={"step": step},
    )


async def _progress(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Broadcasts being sent: finished ones get their summary; others an edit a minute."""
    queued = 0
    async with sessions() as session:
        for broadcast in await repo.sending(session):
            found = await status(session, broadcast)
            if found.pending == 0:
                await repo.set_state(session, broadcast.id, repo.DONE, finished_at=now)
                step = "done"
            else:
                step = "m" + now.strftime("%Y%m%d%H%M")  # at most one edit a minute
            if broadcast.report_chat_id:
                queued += await outbox_repo.add_many(session, [_report_row(broadcast, step, now)])
        await session.commit()
    return queued


async def compose(
    session: AsyncSession,
    rows: Sequence[OutboxRow],
    languages: dict[int, str],
    fallback: str = "vi",
) -> dict[int, tuple[str, Markup | None, Attachment | None, str | None] | None]:
    """Row id -> (text, buttons, attachment, message to edit), or None: nothing to send."""
    ids = sorted({r.subject_id for r in rows if r.subject_id})
    found = await repo.many(session, ids)
    statuses: dict[int, Status] = {}
    report_ids: dict[int, str | None] = {}
    done: dict[int, tuple[str, Markup | None, Attachment | None, str | None] | None] = {}
    for row in rows:
        broadcast = found.get(row.subject_id or 0)
        lang = languages.get(row.user_id or 0, fallback)
        if broadcast is None:
            done[row.id] = None
        elif row.kind == repo.KIND:
            done[row.id] = _announcement(broadcast, lang)
        else:
            if broadcast.id not in statuses:
                statuses[broadcast.id] = await status(session, broadcast)
                report_ids[broadcast.id] = await repo.report_message(session, broadcast.id)
            step = str((row.payload or {}).get("step", "start"))
            done[row.id] = _report(statuses[broadcast.id], step, report_ids[broadcast.id], lang)
    return done


def _announcement(
    broadcast: BroadcastDTO, lang: str
) -> tuple[str, Markup | None, Attachment | None, str | None] | None:
    if broadcast.state == repo.CANCELLED:
        return None
    text = announcement_text(lang, broadcast.text)
    attachment = None
    if broadcast.attachment_kind and broadcast.attachment_file_id:
        attachment = Attachment(broadcast.attachment_kind, "", file_id=broadcast.attachment_file_id)
    return text, None, attachment, None


def _report(
    found: Status, step: str, start_message: str | None, lang: str
) -> tuple[str, Markup | None, Attachment | None, str | None] | None:
    text = report_text(lang, found)
    buttons = report_buttons(lang, found)
    if step == "start" or step == "done":
        return text, buttons, None, None
    if start_message is None:  # the first report has not gone yet: nothing to edit
        return None
    return text, buttons, None, start_message
