"""Screens to Telegram messages: inline buttons for choices, a reply keyboard for the menu."""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.screens import Screen, split_text
from render.attachment import Attachment

log = logging.getLogger(__name__)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def markup(screen: Screen) -> Markup:
    if screen.choices:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(c.label, callback_data=c.data) for c in row]
                for row in screen.choices
            ]
        )
    if screen.menu:
        return ReplyKeyboardMarkup(
            [list(row) for row in screen.menu], resize_keyboard=True, is_persistent=True
        )
    if screen.remove_menu:
        return ReplyKeyboardRemove()
    return None


async def show(
    bot: Bot,
    chat_id: int | str,
    screen: Screen,
    edit_id: int | None = None,
    update_id: int | None = None,
) -> None:
    """Send (or edit in place) one screen; the rate limiter has retried what could be
    retried, so a failure left is logged with the update it answers, never raised."""
    try:
        editable = screen.edit and not screen.menu and not screen.remove_menu
        if editable and edit_id is not None and await _edit(bot, chat_id, screen, edit_id):
            return
        await _send(bot, chat_id, screen)
    except Forbidden as error:
        log.info("update %s: chat %s unreachable: %s", update_id, chat_id, error.message)
    except TelegramError as error:
        log.warning("update %s: the answer to chat %s was not sent: %s", update_id, chat_id, error)


async def _edit(bot: Bot, chat_id: int | str, screen: Screen, message_id: int) -> bool:
    reply_markup = markup(screen)
    inline = reply_markup if isinstance(reply_markup, InlineKeyboardMarkup) else None
    if len(screen.text) > MessageLimit.MAX_TEXT_LENGTH:
        return False
    try:
        await bot.edit_message_text(
            screen.text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=inline,
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return True
        log.info("edit failed, sending anew: %s", error.message)
        return False
    return True


async def _send(bot: Bot, chat_id: int | str, screen: Screen) -> None:
    if screen.attachment is not None:
        await _send_file(bot, chat_id, screen, screen.attachment)
        return
    parts = split_text(screen.text, MessageLimit.MAX_TEXT_LENGTH)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await bot.send_message(
            chat_id,
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=markup(screen) if last else None,
            link_preview_options=NO_PREVIEW,
        )


async def _send_file(bot: Bot, chat_id: int | str, screen: Screen, file: Attachment) -> None:
    caption = screen.text[: MessageLimit.CAPTION_LENGTH]
    upload: InputFile | str = (
        file.file_id if file.file_id is not None else InputFile(file.data, filename=file.filename)
    )
    reply_markup = markup(screen)
    if file.kind == "photo":
        await bot.send_photo(
            chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_markup=reply_markup
        )
    else:
        await bot.send_document(
            chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_markup=reply_markup
        )
