"""The Telegram side of the messenger channel: python-telegram-bot, long polling or a webhook.

Workers file and follow reports (`conversation`); staff link their account (`/link CODE`),
acknowledge alarms from the buttons of their alerts and send violations as drafts (`/violation`, `staff`).

Only translation between Telegram updates and `conversation` events happens here. The conversation's
state is python-telegram-bot's in-memory `chat_data` (no persistence is configured, on purpose: a
stored state would link a chat to a report). The library's own request logging is turned down, since
a log line carries the time of a worker's message.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from urllib.parse import urlparse

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from qorgau.channels import staff
from qorgau.channels.conversation import Event, Reply, handle

QUIET_LOGGERS = ("httpx", "httpcore", "telegram", "telegram.ext")
VIOLATION_COMMAND = "violation"
VIOLATION_STATE = "staff_violation"


def quiet_library_logs() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def build(token: str, database_url: str, *, api_base: str = "", web_url: str = "") -> Application:
    """The bot application; `api_base` points it at another Bot API server (a local one, or a test's)."""
    builder = ApplicationBuilder().token(token)
    if api_base:
        builder = builder.base_url(f"{api_base.rstrip('/')}/bot").base_file_url(f"{api_base.rstrip('/')}/file/bot")
    application = builder.build()

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event) -> None:
        chat = update.effective_chat
        if chat is None or chat.type != "private":
            return  # reports are filed only in a private chat with the bot
        state = context.chat_data if context.chat_data is not None else {}
        replies = await asyncio.to_thread(handle, database_url, state, event, web_url=web_url)
        for reply in replies:
            await context.bot.send_message(chat.id, reply.text, reply_markup=_keyboard(reply))

    async def say(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)

    async def staff_step(update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event) -> None:
        """A step of recording a violation (a linked inspector's own chat); its state is kept apart from a
        worker's report conversation and dropped when the draft is saved."""
        chat = update.effective_chat
        if chat is None or chat.type != "private" or context.chat_data is None:
            return
        language = update.effective_user.language_code if update.effective_user else None
        state = context.chat_data.setdefault(VIOLATION_STATE, {})
        replies = await asyncio.to_thread(staff.violation_event, database_url, chat.id, state, event,
                                          language=language, web_url=web_url)
        if not state:
            context.chat_data.pop(VIOLATION_STATE, None)
        for reply in replies:
            await context.bot.send_message(chat.id, reply.text, reply_markup=_keyboard(reply))

    def recording(context: ContextTypes.DEFAULT_TYPE) -> bool:
        return bool(context.chat_data and context.chat_data.get(VIOLATION_STATE))

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text = (update.message.text or "") if update.message else ""
        language = update.effective_user.language_code if update.effective_user else None
        command = text[1:].split()[0].split("@")[0].lower() if text.startswith("/") and text[1:].split() else ""
        if text.startswith("/link") and update.effective_chat is not None and update.effective_chat.type == "private":
            await say(update, context, await asyncio.to_thread(
                staff.link_chat, database_url, update.effective_chat.id, text[5:], language=language))
        elif command == VIOLATION_COMMAND:
            await staff_step(update, context, Event("command", text.split(maxsplit=1)[1] if " " in text.strip()
                                                    else ""))
        elif recording(context) and not text.startswith("/"):
            await staff_step(update, context, Event("text", text))
        elif text.startswith("/"):
            if context.chat_data is not None:
                context.chat_data.pop(VIOLATION_STATE, None)
            await answer(update, context, Event("command", text[1:].split()[0].split("@")[0].lower()))
        else:
            await answer(update, context, Event("text", text))

    async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        # A photo (the largest size Telegram keeps), a voice note, an audio file or a video (note).
        media = (message.photo[-1] if message.photo else None) or message.voice or message.audio \
            or message.video_note or message.video
        if media is None:
            return
        caption = message.caption or ""
        starts = caption.startswith("/") and caption[1:].split()[:1] and \
            caption[1:].split()[0].split("@")[0].lower() == VIOLATION_COMMAND
        if (starts or recording(context)) and not message.photo:
            return  # a violation takes photos only
        data = bytes(await (await media.get_file()).download_as_bytearray())
        if starts:
            await staff_step(update, context, Event("command", caption.split(maxsplit=1)[1]
                                                    if len(caption.split(maxsplit=1)) > 1 else "", data=data))
        elif recording(context):
            await staff_step(update, context, Event("attachment", caption, data=data))
        else:
            await answer(update, context, Event("attachment", data=data))

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        data = query.data or ""
        if data.startswith("ack:alarm:") and data[10:].isdigit() and update.effective_chat is not None:
            language = update.effective_user.language_code if update.effective_user else None
            await say(update, context, await asyncio.to_thread(
                staff.acknowledge_alarm, database_url, update.effective_chat.id, int(data[10:]), language=language))
            return
        if data.startswith("viol:"):
            await staff_step(update, context, Event("button", data))
            return
        await answer(update, context, Event("button", data))

    application.add_handler(MessageHandler(filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE
                                           | filters.VIDEO, on_media))
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    return application


def webhook_options(webhook_url: str, listen: str, port: int) -> dict:
    """Where the webhook listens, and a fresh secret Telegram must echo in every request's header
    (X-Telegram-Bot-Api-Secret-Token): updates from anyone else are refused."""
    path = urlparse(webhook_url).path.strip("/") or "telegram"
    return {"listen": listen, "port": port, "url_path": path, "webhook_url": webhook_url,
            "secret_token": secrets.token_urlsafe(32)}


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label[:64], callback_data=data) for label, data in row]
                                 for row in reply.buttons])
