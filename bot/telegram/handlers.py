"""PTB handlers: turn an Update into an Incoming, run it, show the Outcome."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.context import Incoming
from bot.runtime import Runtime
from bot.screens import Outcome
from bot.telegram.render import show

log = logging.getLogger(__name__)
CHANNEL = "telegram"
RUNTIME = "runtime"


def to_incoming(update: Update) -> Incoming | None:
    """The parts of an update the flows use; None for what the bot ignores."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return None
    base = {
        "channel": CHANNEL,
        "update_id": update.update_id,
        "external_id": str(user.id),
        "chat_id": str(chat.id),
        "display_name": user.full_name,
    }
    if update.callback_query is not None:
        return Incoming(**base, callback=update.callback_query.data or "")  # type: ignore[arg-type]
    message = update.message
    if message is None:
        return None
    return Incoming(**base, **_message_parts(message))  # type: ignore[arg-type]


def _message_parts(message: Message) -> dict[str, str | None]:
    text = message.text
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return {
            "content": "photo",
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "mime_type": "image/jpeg",
            "caption": message.caption,
        }
    if message.document is not None:
        doc = message.document
        return {
            "content": "document",
            "file_id": doc.file_id,
            "file_unique_id": doc.file_unique_id,
            "mime_type": doc.mime_type,
            "caption": message.caption,
            "file_name": doc.file_name,
        }
    if text is None:
        return {"content": _content_kind(message)}
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        return {"command": head.split("@", 1)[0], "args": args.strip()}
    return {"text": text}


def _content_kind(message: Message) -> str:
    for kind in ("photo", "document", "sticker", "voice", "video", "audio", "contact", "location"):
        if getattr(message, kind, None):
            return kind
    return "other"


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every private message and button press goes through the runtime."""
    incoming = to_incoming(update)
    if incoming is None:
        return
    if _is_spreadsheet(update):
        incoming = await _with_file(incoming, context)
    runtime: Runtime = context.application.bot_data[RUNTIME]
    outcome = await runtime.handle(incoming)
    await _answer(update, context, outcome)


SPREADSHEETS = (".xlsx", ".csv")
FETCH_MAX = 20 * 1024 * 1024  # what the Bot API lets a bot download


def _is_spreadsheet(update: Update) -> bool:
    """A members file sent for an import: fetched here, so the flows see its bytes."""
    doc = update.message.document if update.message is not None else None
    if doc is None or not (doc.file_name or "").lower().endswith(SPREADSHEETS):
        return False
    return (doc.file_size or 0) <= FETCH_MAX


async def _with_file(incoming: Incoming, context: ContextTypes.DEFAULT_TYPE) -> Incoming:
    try:
        found = await context.bot.get_file(incoming.file_id or "")
        data = bytes(await found.download_as_bytearray())
    except TelegramError as error:  # the flow answers that the file could not be read
        log.warning("could not fetch %s: %s", incoming.file_name, error)
        return incoming
    return replace(incoming, file_data=data)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome) -> None:
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(outcome.toast)
        except TelegramError as error:  # an old query cannot be answered; the reply still goes
            log.info("callback answer failed: %s", error)
    chat = update.effective_chat
    assert chat is not None
    edit_id = query.message.message_id if query is not None and query.message else None
    for screen in outcome.replies:  # notices to others went to the outbox with the change
        await show(context.bot, chat.id, screen, edit_id, update.update_id)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("unhandled error for %r", update, exc_info=context.error)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE, on_update))
    app.add_handler(CallbackQueryHandler(on_update))
    app.add_error_handler(on_error)
