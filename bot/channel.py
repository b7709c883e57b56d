"""The Telegram channel: python-telegram-bot handlers that relay each candidate's messages
to the assistant (Rasa's REST channel) and send back its replies, rendered by bot/render.py.

- One conversation per private chat, and one per member in a group (where the bot answers
  only when mentioned or replied to). A user's updates are handled one at a time, in order;
  different users concurrently (`PerUserOrder`).
- Button taps and quiz-poll answers are relayed as the candidate's words. A drill answer
  button or poll only counts while its question is the latest one, so an old or double tap
  cannot answer a later question; forged callback data never maps to a payload.
- While the assistant is slow or down, the candidate is told so and the message is retried
  until it is answered (or, after RASA_GIVE_UP_S seconds, they are asked to send it again).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from telegram import BotCommand, InputFile, Message, Poll, Update, User
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor, CallbackContext, CallbackQueryHandler,
    CommandHandler, ContextTypes, MessageHandler, PersistenceInput, PicklePersistence,
    PollAnswerHandler, filters,
)

from bot import READY_LINE, commands, render
from bot.chart import chart_png
from bot.rasa_client import RasaClient, RasaUnavailable, deliver
from bot.settings import Settings

logger = logging.getLogger(__name__)

SLOW_NOTICE_S = 3.0  # after this long without an answer, say so
TYPING_EVERY_S = 4.5  # Telegram shows "typing…" for about 5 s
SEND_RETRIES = 4  # Telegram 5xx/network errors; 429s are retried by AIORateLimiter
REMEMBERED_MESSAGES = 10_000
REMEMBERED_POLLS = 10_000
REMEMBERED_KEYBOARDS = 10_000  # buttons older than this many keyboards answer "expired" (default 1,024)

MOMENT = "Give me a moment, I'm catching up…"
TROUBLE = "Sorry, I'm having trouble right now and couldn't read that. Please send it again in a few minutes."
EMPTY = "That message was empty. Type your question or answer, or see /help."
UNSUPPORTED = ("I can only read text: please type your question or answer. "
               "Stickers, photos, voice notes and files are beyond me.")
EDITED = ("I only read new messages, so I didn't take that edit into account. "
          "If you meant to change something, send it again as a new message.")
EXPIRED_BUTTON = "That button has expired. Type your message, or see /help."
OLD_BUTTON = "That button belongs to an earlier question."
OLD_POLL = "That quiz belongs to an earlier question, so I didn't count it."
NO_REPLY = "Sorry, I couldn't come up with an answer to that. Try rephrasing it, or see /help."

T = TypeVar("T")


class PerUserOrder(BaseUpdateProcessor):
    """Processes one user's updates in the order they arrived; other users' concurrently."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _order_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                await coroutine
        finally:
            if not lock.locked() and self._locks.get(key) is lock:
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _order_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    user, chat = update.effective_user, update.effective_chat
    return user.id if user else chat.id if chat else None


def sender_id(chat_id: int, chat_type: str, user: User | None) -> str:
    """The assistant's conversation id: the chat's id, or chat and member in a group."""
    if chat_type == ChatType.PRIVATE or user is None:
        return str(chat_id)
    return f"{chat_id}:{user.id}"


def message_key(chat_id: int, message_id: int) -> str:
    """A Telegram message's identity for the assistant: a redelivery has the same key."""
    return f"msg:{chat_id}:{message_id}"


def poll_key(poll_id: str, user_id: int) -> str:
    """A quiz vote's identity (one vote per poll and user)."""
    return f"poll:{poll_id}:{user_id}"


def metadata(key: str, user: User | None, chat_type: str) -> dict[str, Any]:
    """What the assistant learns about a message besides its text."""
    return {
        "message_id": key,  # a redelivered message has the same key: recorded once
        "name": user.full_name if user else None,
        "language": user.language_code if user else None,
        "chat_type": chat_type,
    }


def replies_to_bot(message: Message, bot: User) -> bool:
    original = message.reply_to_message
    return original is not None and original.from_user is not None and original.from_user.id == bot.id


def addressed_text(message: Message, bot: User) -> str | None:
    """The text meant for the bot (mention removed), or None if a group message is not
    addressed to the bot (neither mentioning it nor replying to it)."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{bot.username}".lower() if bot.username else None
    if mention and mention in text.lower():
        start = text.lower().index(mention)
        return (text[:start] + text[start + len(mention):]).strip()
    return text if replies_to_bot(message, bot) else None


def _remember(store: dict[str, Any], key: str, value: Any, limit: int) -> None:
    store[key] = value
    while len(store) > limit:
        del store[next(iter(store))]


class Channel:
    """The handlers, with the assistant client and the state they share (kept in
    `application.bot_data`, which python-telegram-bot persists across restarts)."""

    def __init__(self, rasa: RasaClient, give_up_after_s: float) -> None:
        self.rasa = rasa
        self.give_up_after_s = give_up_after_s

    # -- state -------------------------------------------------------------------------
    @staticmethod
    def _state(context: CallbackContext, name: str) -> dict[str, Any]:
        return context.bot_data.setdefault(name, {})

    def _turn(self, context: CallbackContext, sender: str) -> int:
        return self._state(context, "turns").get(sender, 0)

    # -- handlers ------------------------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        name = message.text.split()[0].lstrip("/").split("@")[0].lower()
        text = commands.message_for(name, context.args or [])
        if text is None:
            await self._send(context, message.chat_id, render.Text(commands.faq_topics_text()))
            return
        await self.relay(update, context, text)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Text for the assistant; `/something` that is no command of ours loses its slash
        (plain words, never a raw Rasa intent)."""
        message = update.effective_message
        assert message is not None
        text = addressed_text(message, context.bot.bot)
        if text is None:
            return
        if text.startswith("/"):
            text = commands.as_text(text)
        if not text.strip():
            await self._send(context, message.chat_id, render.Text(EMPTY))
            return
        await self.relay(update, context, text)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice notes, files...: say what the assistant understands."""
        message = update.effective_message
        assert message is not None
        if message.chat.type == ChatType.PRIVATE or replies_to_bot(message, context.bot.bot):
            await self._send(context, message.chat_id, render.Text(UNSUPPORTED))

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        if message.chat.type == ChatType.PRIVATE:
            await self._send(context, message.chat_id, render.Text(EDITED))

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and isinstance(query.data, render.Press)
        press, message = query.data, query.message
        if message is None:
            await query.answer(EXPIRED_BUTTON)
            return
        sender = sender_id(message.chat.id, message.chat.type, query.from_user)
        if press.needs_latest and press.turn != self._turn(context, sender):
            await query.answer(OLD_BUTTON)
            return
        await query.answer()  # no spinner left on the button
        await self.relay(update, context, press.payload, key=f"press:{query.id}",
                         chat_id=message.chat.id, chat_type=message.chat.type)

    async def on_invalid_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Callback data the bot never sent (forged), or from before its memory."""
        query = update.callback_query
        assert query is not None
        logger.warning("rejected callback data from user %s", query.from_user.id)
        await query.answer(EXPIRED_BUTTON, show_alert=False)

    async def on_poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        assert answer is not None
        poll = self._state(context, "polls").get(answer.poll_id)
        if poll is None or not answer.option_ids or answer.user is None:
            return  # a poll we don't know (or a retracted vote): nothing to relay
        if poll["turn"] != self._turn(context, poll["sender"]):
            await self._send(context, poll["chat_id"], render.Text(OLD_POLL))
            return
        payload = poll["payloads"][answer.option_ids[0]]
        await self.relay(update, context, payload, key=poll_key(answer.poll_id, answer.user.id),
                         chat_id=poll["chat_id"], chat_type=poll["chat_type"])

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.error("error while handling an update", exc_info=context.error)

    # -- relaying ------------------------------------------------------------------------
    async def relay(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, key: str | None = None,
        chat_id: int | None = None, chat_type: str | None = None,
    ) -> None:
        """Send `text` to the assistant as the candidate's message and deliver its replies."""
        message, user = update.effective_message, update.effective_user
        chat_id = chat_id if chat_id is not None else message.chat_id  # type: ignore[union-attr]
        chat_type = chat_type or message.chat.type  # type: ignore[union-attr]
        key = key or message_key(chat_id, message.message_id)  # type: ignore[union-attr]
        seen = self._state(context, "seen")
        if key in seen:
            logger.info("duplicate delivery of %s ignored", key)
            return
        _remember(seen, key, time.time(), REMEMBERED_MESSAGES)
        sender = sender_id(chat_id, chat_type, user)
        turn = self._turn(context, sender) + 1
        self._state(context, "turns")[sender] = turn
        try:
            async with self._typing(context, chat_id):
                replies = await self._ask(context, chat_id, sender, text, metadata(key, user, chat_type))
        except RasaUnavailable as error:
            logger.error("gave up on %s after %.0f s: %s", key, self.give_up_after_s, error)
            del seen[key]
            await self._send(context, chat_id, render.Text(TROUBLE))
            return
        if not replies:  # the assistant answered nothing (an action failed on its side)
            logger.error("empty reply to %s", key)
            await self._send(context, chat_id, render.Text(NO_REPLY))
            return
        for reply in render.render(replies, turn):
            sent = await self._send(context, chat_id, reply)
            if isinstance(reply, render.Quiz) and sent is not None and sent.poll is not None:
                _remember(self._state(context, "polls"), sent.poll.id, {
                    "chat_id": chat_id, "chat_type": chat_type, "sender": sender, "turn": turn,
                    "payloads": list(reply.payloads),
                }, REMEMBERED_POLLS)

    async def _ask(
        self, context: CallbackContext, chat_id: int, sender: str, text: str, meta: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The assistant's answer; if it takes more than a moment, the candidate hears why."""
        answer = asyncio.ensure_future(
            deliver(lambda: self.rasa.send(sender, text, meta), give_up_after_s=self.give_up_after_s)
        )
        try:
            return await asyncio.wait_for(asyncio.shield(answer), SLOW_NOTICE_S)
        except asyncio.TimeoutError:
            await self._send(context, chat_id, render.Text(MOMENT))
            return await answer

    @contextlib.asynccontextmanager
    async def _typing(self, context: CallbackContext, chat_id: int) -> AsyncIterator[None]:
        async def keep_typing() -> None:
            while True:
                with contextlib.suppress(NetworkError, Forbidden):
                    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(TYPING_EVERY_S)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _send(self, context: CallbackContext, chat_id: int, reply: render.Reply) -> Message | None:
        """Send one reply, retrying Telegram's transient failures; None if it could not be sent."""
        bot = context.bot
        if isinstance(reply, render.Text):
            call = lambda: bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard)  # noqa: E731
        elif isinstance(reply, render.Quiz):
            call = lambda: bot.send_poll(  # noqa: E731
                chat_id, reply.question, list(reply.options), type=Poll.QUIZ, is_anonymous=False, allows_revoting=False,
                correct_option_ids=[reply.correct_option_id], explanation=reply.explanation,
            )
        elif isinstance(reply, render.Chart):
            image = await asyncio.to_thread(chart_png, reply.title, reply.skills)  # ~50 ms: off the event loop
            call = lambda: bot.send_photo(chat_id, image, caption=reply.title)  # noqa: E731
        else:
            document = reply.content
            call = lambda: bot.send_document(chat_id, InputFile(document, filename=reply.filename))  # noqa: E731
        return await _with_retries(call, f"{type(reply).__name__} to {chat_id}")


async def _with_retries(call: Callable[[], Awaitable[T]], what: str) -> T | None:
    delay = 1.0
    for attempt in range(1, SEND_RETRIES + 1):
        try:
            return await call()
        except (BadRequest, Forbidden) as error:  # will not succeed on a retry
            logger.error("Telegram refused %s: %s", what, error)
            return None
        except (NetworkError, RetryAfter) as error:  # 429s left after AIORateLimiter's own retries
            if attempt == SEND_RETRIES:
                logger.error("could not send %s after %d attempts: %s", what, attempt, error)
                return None
            pause = _seconds(error.retry_after) if isinstance(error, RetryAfter) else delay
            logger.warning("sending %s failed (%s); retrying in %.0f s", what, error, pause)
            await asyncio.sleep(pause)
            delay *= 2
    return None


def _seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def build_application(settings: Settings, rasa: RasaClient | None = None) -> Application:
    """The bot application, with its handlers, persistence and rate limiting."""
    channel = Channel(rasa or RasaClient(settings.rasa_url), settings.rasa_give_up_s)
    settings.state_file.parent.mkdir(parents=True, exist_ok=True)

    async def post_init(application: Application) -> None:
        await application.bot.set_my_commands([BotCommand(c.name, c.description) for c in commands.COMMANDS])
        logger.info("%s as @%s, relaying to %s", READY_LINE, application.bot.username, settings.rasa_url)

    async def post_shutdown(_application: Application) -> None:
        await channel.rasa.close()

    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .arbitrary_callback_data(REMEMBERED_KEYBOARDS)
        .persistence(PicklePersistence(
            settings.state_file, update_interval=5,
            store_data=PersistenceInput(bot_data=True, chat_data=False, user_data=False, callback_data=True),
        ))
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.max_messages_per_s, max_retries=3))
        .concurrent_updates(PerUserOrder())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    names = [c.name for c in commands.COMMANDS]
    unsupported = ~filters.TEXT & ~filters.StatusUpdate.ALL
    application.add_handlers([
        MessageHandler(filters.UpdateType.EDITED, channel.on_edited),
        CommandHandler(names, channel.on_command, filters=filters.UpdateType.MESSAGE),
        MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, channel.on_text),
        MessageHandler(unsupported & filters.UpdateType.MESSAGE, channel.on_unsupported),
        CallbackQueryHandler(channel.on_press, pattern=render.Press),
        CallbackQueryHandler(channel.on_invalid_press),  # InvalidCallbackData: forged or forgotten
        PollAnswerHandler(channel.on_poll_answer),
    ])
    application.add_error_handler(channel.on_error)
    return application
