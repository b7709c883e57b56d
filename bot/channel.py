"""The Telegram channel: python-telegram-bot handlers that relay each candidate's messages
to the assistant (Rasa's REST channel) and send back its replies, rendered by bot/render.py.

- One conversation per private chat, and one per member in a group (where the bot answers
  only when mentioned or replied to). A user's updates are handled one at a time, in order;
  different users concurrently (`PerUserOrder`). A user who sends faster than that (more
  than MAX_QUEUED_PER_USER waiting, or beyond TELEGRAM_USER_RATE_PER_MINUTE and RATE_BURST)
  is told so, once per stretch, and the extra messages are not relayed.
- Button taps and quiz-poll answers are relayed as the candidate's words, only from the
  candidate they were sent to. A drill answer button or poll only counts while its question
  is the latest one, so an old or double tap cannot answer a later question; forged callback
  data never maps to a payload. Once relayed, an answer keyboard is removed from its message
  (its buttons then answer "expired") and an answered quiz poll is closed; menu buttons
  (intent payloads) stay, as the candidate may use them again.
- What the channel remembers (bot/state.py) is kept per user, capped per sender, saved per
  user after each turn (bot/state_store.py), and dropped when the assistant deletes the
  candidate's data. In a group, a reply with a progress chart or a
  data export goes to the member's private chat.
- Updates wait in an on-disk inbox (bot/inbox.py) until handled, so a channel killed
  mid-turn handles them again when it restarts.
- While the assistant is slow or down, the candidate is told so and the message is retried
  until it is answered (or, after RASA_GIVE_UP_S seconds, they are asked to send it again).
- An update whose handling fails gets a short apology instead of silence.
- Logs carry ids and keys, never message text or names.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from telegram import BotCommand, CallbackQuery, InputFile, Message, Poll, Update, User
from telegram.constants import ChatAction, ChatType, MessageLimit
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from bot import READY_LINE, commands, reminders, render
from bot.chart import chart_png
from bot.inbox import Inbox
from bot.limits import RateLimit
from bot.rasa_client import RasaClient, RasaUnavailable, deliver
from bot.sending import with_retries
from bot.settings import Settings
from bot.state import CONTEXT_TYPES, Context, SentQuiz, UserState, known_poll
from bot.state_store import StateStore
from coach.config import Config
from coach.contract import REQUEST_METADATA
from coach.keyed_locks import KeyedLocks
from coach.practice.reminders import start_reviews_payload
from coach.senders import group_sender
from coach.storage.records import Records, records

logger = logging.getLogger(__name__)

SLOW_NOTICE_S = 3.0  # after this long without an answer, say so
TYPING_EVERY_S = 4.5  # Telegram shows "typing…" for about 5 s
# A reply quicker than this needs no "typing…" (most are): one Telegram call less per turn.
TYPING_AFTER_S = 1.0
TYPING_STOP_S = 2.0  # how long a turn's end waits for a chat action on its way
MAX_CONCURRENT_UPDATES = 256  # updates in progress or waiting for their user's turn, all users
MAX_QUEUED_PER_USER = 8  # one user's share of those; an update beyond it is refused (BUSY)
RATE_BURST = 10  # messages relayed at once after a quiet spell; beyond that and the per-minute rate
# (TELEGRAM_USER_RATE_PER_MINUTE), they are refused (SLOW_DOWN)
MAX_RELAYED_CHARS = MessageLimit.MAX_TEXT_LENGTH  # Telegram texts are never longer; the bound stays explicit

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
LOST_POLL = ("I lost track of that quiz while restarting, so I couldn't count your vote. "
             "Please type the letter of your answer instead (A, B, C…).")
NO_REPLY = "Sorry, I couldn't come up with an answer to that. Try rephrasing it, or see /help."
BUSY = "You're sending messages faster than I can answer; please wait for my reply, then send that again."
SLOW_DOWN = "You're sending messages faster than I can answer; please wait a minute, then send that again."
SENT_PRIVATELY = "I've sent it to you in a private chat."
NO_PRIVATE_CHAT = "I can't message you privately yet: open a chat with me (@{bot}), press Start, then ask again."
FAILED = "Sorry, something went wrong on my side. Please send that again."

class PerUserOrder(BaseUpdateProcessor):
    """Processes one user's updates in the order they arrived, other users' concurrently.
    A user has at most `per_user` updates waiting or in progress, so that one user cannot
    take all the concurrent slots; an update beyond that is processed at once, flagged
    (`overflowing`) for the handlers to refuse instead of relaying it."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
                 per_user: int = MAX_QUEUED_PER_USER, inbox: Inbox | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self.per_user = per_user
        self.inbox = inbox
        self._locks = KeyedLocks()
        self._overflowing: set[int] = set()  # id() of the updates being refused

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle the update in its user's order, kept in the inbox until it is handled."""
        if self.inbox is None or not isinstance(update, Update):
            await self._in_order(update, coroutine)
            return
        self.inbox.add(update.update_id, update.to_dict())
        await self._in_order(update, coroutine)
        self.inbox.done(update.update_id)  # not reached if the channel dies mid-turn

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _order_key(update)
        if key is None:
            await coroutine
            return
        if self._locks.users(key) >= self.per_user:
            self._overflowing.add(id(update))
            try:
                await coroutine
            finally:
                self._overflowing.discard(id(update))
            return
        async with self._locks.hold(key):
            await coroutine

    def overflowing(self, update: object) -> bool:
        """Whether `update` came while its user already had their share waiting."""
        return id(update) in self._overflowing

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
    return group_sender(str(chat_id), str(user.id))


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


def pressed(state: UserState, query: CallbackQuery) -> tuple[str, int, str] | None:
    """The tapping candidate's conversation, and the turn and payload of the button tapped,
    if it is one of their own recent buttons (in the message and turn it was sent with);
    None for anything else: other people's buttons, old ones, forged data."""
    message, user, press = query.message, query.from_user, render.Press.parse(query.data)
    if message is None or press is None or (message.chat.type == ChatType.PRIVATE and message.chat.id != user.id):
        return None
    sender = sender_id(message.chat.id, message.chat.type, user)
    payload = state.payload(sender, message.message_id, press.turn, press.n)
    return None if payload is None else (sender, press.turn, payload)


class Channel:
    """The handlers, with the assistant client and the per-user limits. What they remember
    of a user is that user's `context.user_data` (bot/state.py's UserState, which PTB persists)."""

    def __init__(self, rasa: RasaClient, give_up_after_s: float, rate_per_minute: float = Settings.user_rate_per_minute,
                 inbox: Inbox | None = None) -> None:
        self.rasa = rasa
        self.give_up_after_s = give_up_after_s
        self.order = PerUserOrder(inbox=inbox)
        # ids of updates from the inbox, whose handling a crash or stop cut short: they are
        # relayed again even though their key was marked seen (the assistant answers a
        # message key it has recorded with the same feedback), once per key (a message
        # delivered twice can be in the inbox twice)
        self.unfinished: set[int] = set()
        self.replayed: set[str] = set()
        self.rate = RateLimit(rate_per_minute, RATE_BURST) if rate_per_minute else None

    # -- handlers ------------------------------------------------------------------------
    async def on_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        name = message.text.split()[0].lstrip("/").split("@")[0].lower()
        text = commands.message_for(name, context.args or [])
        if text is None:
            await self._send(context, message.chat_id, render.Text(commands.faq_topics_text()))
            return
        await self.relay(update, context, text, request=commands.is_request(name))

    async def on_text(self, update: Update, context: Context) -> None:
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

    async def on_unsupported(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice notes, files...: say what the assistant understands."""
        message = update.effective_message
        assert message is not None
        if message.chat.type == ChatType.PRIVATE or replies_to_bot(message, context.bot.bot):
            await self._send(context, message.chat_id, render.Text(UNSUPPORTED))

    async def on_edited(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        if message.chat.type == ChatType.PRIVATE:
            await self._send(context, message.chat_id, render.Text(EDITED))

    async def on_press(self, update: Update, context: Context) -> None:
        """A button tap counts if the button is one of the tapping candidate's recent ones
        (anything else, forged data included, has expired); an answer button, moreover,
        only while its question is the latest. The tap is always answered. Once an answer
        button is relayed, its keyboard has served: it is forgotten and taken off the
        message. Menu buttons (intents) stay: they work whenever they are tapped."""
        query = update.callback_query
        assert query is not None and context.user_data is not None  # a tap always has its user
        state = context.user_data
        if query.data == reminders.REVIEW_CALLBACK:
            await self._start_reviews(update, context, query)
            return
        found = pressed(state, query)
        if found is None:
            logger.warning("rejected callback data from user %s", query.from_user.id)
            await query.answer(EXPIRED_BUTTON)
            return
        sender, turn, payload = found
        key = f"press:{query.id}"
        if render.needs_latest(payload) and turn != state.turn(sender) and not self._resumed(update, state, sender, key):
            await query.answer(OLD_BUTTON)
            return
        await query.answer()  # no spinner left on the button
        message = query.message
        assert message is not None  # pressed() found it
        relayed = await self.relay(update, context, payload, key=key, chat_id=message.chat.id,
                                   chat_type=message.chat.type)
        if relayed and render.needs_latest(payload):
            state.drop_keyboard(sender, message.message_id)
            if message.is_accessible:  # else Telegram left its content out, and the query cannot edit it
                await _tidy(query.edit_message_reply_markup(reply_markup=None), f"remove the keyboard of {sender}")

    async def on_poll_answer(self, update: Update, context: Context) -> None:
        """A vote counts only from the quiz's owner (not from others in a group, nor on a
        forwarded poll), and only while its question is the one still asked."""
        answer = update.poll_answer
        assert answer is not None
        if not answer.option_ids or answer.user is None:
            return  # a retracted vote, or a chat's anonymous one: nothing to relay
        state = context.user_data
        assert state is not None  # the voter's
        poll = state.poll(answer.poll_id)
        if poll is None and known_poll(context.application.user_data.values(), answer.poll_id):
            logger.info("vote by user %s on poll %s ignored: not one of their quizzes", answer.user.id, answer.poll_id)
            return
        if poll is None:  # one of ours, from state lost in a crash: the question still waits
            logger.info("vote by user %s on forgotten poll %s", answer.user.id, answer.poll_id)
            await self._send(context, answer.user.id, render.Text(LOST_POLL))
            return
        key = poll_key(answer.poll_id, answer.user.id)
        if not state.still_asked(poll) and not self._resumed(update, state, poll.sender, key):
            await self._send(context, poll.chat_id, render.Text(OLD_POLL))
            return
        payload = poll.payloads[answer.option_ids[0]]
        relayed = await self.relay(update, context, payload, key=key, chat_id=poll.chat_id, chat_type=poll.chat_type)
        if relayed and poll.message_chat_id is not None and poll.message_id is not None:
            # answered: nobody votes on it any more (a quiz vote cannot be changed anyway)
            await _tidy(context.bot.stop_poll(poll.message_chat_id, poll.message_id), f"stop poll {answer.poll_id}")

    async def _start_reviews(self, update: Update, context: Context, query: CallbackQuery) -> None:
        """A reminder's button: starts the due reviews of whoever taps it, in their private chat
        (a reminder only goes there); the button works as long as the message is there."""
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE or message.chat.id != query.from_user.id:
            await query.answer(EXPIRED_BUTTON)
            return
        await query.answer()
        await self.relay(update, context, start_reviews_payload(), key=f"press:{query.id}", chat_id=message.chat.id,
                         chat_type=message.chat.type)

    def _resumed(self, update: Update, state: UserState, sender: str, key: str) -> bool:
        """Whether `update` is one a crash cut short after it was relayed (its key was saved as
        seen, with the turn it started): it is relayed again though its turn is no longer the
        latest, and the assistant answers it as the message it already recorded."""
        return update.update_id in self.unfinished and state.seen_before(sender, key)

    async def on_error(self, update: object, context: Context) -> None:
        """Log the error, and tell the person whose update it was that it went unanswered.
        The exception's message is left out of both, as it may quote what they wrote, unless
        it is Telegram's own (such as why fetching updates failed)."""
        error = context.error
        detail = f": {error}" if isinstance(error, TelegramError) else ""
        where = "".join(traceback.format_tb(error.__traceback__)) if error else ""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("%s%s while handling update %s, raised at:\n%s", type(error).__name__, detail, update_id, where)
        if isinstance(update, Update) and update.effective_user is not None:
            chat = update.effective_chat  # none for a quiz vote: the voter hears it privately
            await self._send(context, chat.id if chat else update.effective_user.id, render.Text(FAILED))

    # -- relaying ------------------------------------------------------------------------
    async def relay(
        self, update: Update, context: Context, text: str, key: str | None = None,
        chat_id: int | None = None, chat_type: str | None = None, request: bool = False,
    ) -> bool:
        """Send `text` to the assistant as the candidate's message and deliver its replies,
        unless it was relayed before or the candidate is over their limits. Whether the
        assistant took it (it answered, if only with nothing). A `request` (from a bot
        command) is never taken as the answer to a pending drill question."""
        message, user = update.effective_message, update.effective_user
        chat_id = chat_id if chat_id is not None else message.chat_id  # type: ignore[union-attr]
        # A plain str: python-telegram-bot gives a ChatType enum, which the state file does not keep.
        chat_type = str(chat_type or message.chat.type)  # type: ignore[union-attr]
        key = key or message_key(chat_id, message.message_id)  # type: ignore[union-attr]
        state, sender = context.user_data, sender_id(chat_id, chat_type, user)
        if state is None or user is None:  # no such update reaches relay: every handled one has a user
            logger.error("update %s without a user not relayed", update.update_id)
            return False
        unfinished = update.update_id in self.unfinished and key not in self.replayed
        if update.update_id in self.unfinished:
            self.unfinished.discard(update.update_id)
            self.replayed.add(key)
        if state.seen_before(sender, key) and not unfinished:
            logger.info("duplicate delivery of %s ignored", key)
            return False
        if not await self._admit(update, context, chat_id, user.id):
            return False
        state.mark_seen(sender, key)
        turn = state.next_turn(sender)
        meta = metadata(key, user, chat_type) | ({REQUEST_METADATA: True} if request else {})
        try:
            async with self._typing(context, chat_id):
                replies = await self._ask(context, chat_id, sender, text[:MAX_RELAYED_CHARS], meta)
        except RasaUnavailable:  # its text may quote the message: the causes are logged as they come
            logger.error("gave up on %s after %.0f s", key, self.give_up_after_s)
            state.unmark_seen(sender, key)
            await self._send(context, chat_id, render.Text(TROUBLE))
            return False
        if not replies:  # the assistant answered nothing (an action failed on its side)
            logger.error("empty reply to %s", key)
            await self._send(context, chat_id, render.Text(NO_REPLY))
            return True
        rendered = render.render(replies, turn)
        private = (chat_type != ChatType.PRIVATE
                   and any(isinstance(r, render.Chart | render.Document) for r in rendered))
        to_chat, to_type = (user.id, ChatType.PRIVATE) if private else (chat_id, chat_type)
        to_sender = sender_id(to_chat, to_type, user)
        delivered = 0
        for reply in rendered:
            sent = await self._send(context, to_chat, reply)
            if sent is None:
                continue
            delivered += 1
            if isinstance(reply, render.Quiz) and sent.poll is not None:
                state.remember_poll(sent.poll.id, SentQuiz(
                    sender, chat_id, chat_type, turn, reply.question_id, reply.payloads,
                    message_chat_id=sent.chat_id, message_id=sent.message_id,
                ))
            if not isinstance(reply, render.Document) and reply.keyboard is not None:
                state.remember_keyboard(to_sender, sent.message_id, reply.keyboard.turn, reply.keyboard.payloads)
        if private:  # the group hears where it went, or how to make that work
            notice = SENT_PRIVATELY if delivered else NO_PRIVATE_CHAT.format(bot=context.bot.username)
            await self._send(context, chat_id, render.Text(notice))
        if render.deletes_data(replies):
            state.forget(sender)
            logger.info("forgot %s: the assistant deleted their data", sender)
        # Saved now rather than within the next few seconds: a crash must not bring back a
        # state older than what the candidate has seen (an earlier turn, a forgotten quiz).
        # PTB marks a user's data for saving once the handler returns: this turn is now.
        context.application.mark_data_for_update_persistence(user_ids=user.id)
        await context.application.update_persistence()
        return True

    async def _admit(self, update: Update, context: Context, chat_id: int, who: int) -> bool:
        """Whether user `who` may have another message relayed now; if not, they hear why
        (once per stretch of refused messages, not once per message)."""
        if self.order.overflowing(update):
            refusal, why = BUSY, "too many waiting"
        elif self.rate is not None and not self.rate.take(who):
            refusal, why = SLOW_DOWN, "over the rate limit"
        else:
            return True
        logger.info("update %s of user %s not relayed: %s", update.update_id, who, why)
        if self.rate is None or self.rate.tell(who):
            await self._send(context, chat_id, render.Text(refusal))
        return False

    async def _ask(
        self, context: Context, chat_id: int, sender: str, text: str, meta: dict[str, Any]
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
    async def _typing(self, context: Context, chat_id: int) -> AsyncIterator[None]:
        """"typing…" in the chat while the body runs, from TYPING_AFTER_S on. The loop stops
        when told to rather than by cancellation: python-telegram-bot's HTTP stack lost 5 of
        400 cancellations that landed mid-request (measured against the fake Bot API), and
        waiting for a loop that had missed its cancellation kept a turn from ever sending its
        replies (one turn in a few `make bench` runs, answered just as the first chat
        action went out)."""
        done = asyncio.Event()

        async def keep_typing() -> None:
            pause = TYPING_AFTER_S
            while not await _happens_within(done, pause):
                with contextlib.suppress(NetworkError, Forbidden):
                    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
                pause = TYPING_EVERY_S

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            done.set()
            # a chat action on its way finishes first, so none arrives after the replies
            _, late = await asyncio.wait({task}, timeout=TYPING_STOP_S)
            for stuck in late:
                stuck.cancel()

    async def _send(self, context: Context, chat_id: int, reply: render.Reply) -> Message | None:
        """Send one reply, retrying Telegram's transient failures; None if it could not be sent."""
        bot = context.bot
        if isinstance(reply, render.Text):
            markup = reply.keyboard.markup if reply.keyboard else None
            call = lambda: bot.send_message(chat_id, reply.text, reply_markup=markup)  # noqa: E731
        elif isinstance(reply, render.Quiz):
            call = lambda: bot.send_poll(  # noqa: E731
                chat_id, reply.question, list(reply.options), type=Poll.QUIZ, is_anonymous=False, allows_revoting=False,
                correct_option_ids=[reply.correct_option_id], explanation=reply.explanation,
                reply_markup=reply.keyboard.markup if reply.keyboard else None,
            )
        elif isinstance(reply, render.Chart):
            # ~50 ms: off the event loop
            image = await asyncio.to_thread(chart_png, reply.title, reply.skills, reply.target_retention)
            markup = reply.keyboard.markup if reply.keyboard else None
            call = lambda: bot.send_photo(chat_id, image, caption=reply.caption, reply_markup=markup)  # noqa: E731
        else:
            document = reply.content
            call = lambda: bot.send_document(chat_id, InputFile(document, filename=reply.filename))  # noqa: E731
        return await with_retries(call, f"{type(reply).__name__} to {chat_id}")


async def _happens_within(event: asyncio.Event, seconds: float) -> bool:
    """Whether `event` is set within `seconds`."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except asyncio.TimeoutError:
        return False
    return True


async def _tidy(call: Awaitable[object], what: str) -> None:
    """Make a call that tidies up after a turn (taking off a keyboard, closing a poll), once:
    if Telegram refuses it or cannot be reached, the turn went through all the same."""
    try:
        await call
    except TelegramError as error:
        logger.warning("could not %s: %s", what, error)


def build_application(settings: Settings, rasa: RasaClient | None = None,
                      store: Callable[[], Records] | None = records, config: Config | None = None) -> Application:
    """The bot application, with its handlers, persistence, rate limiting and, over the records
    of `store` (None: none), the reminder job, which stops with the application (post_stop)."""
    settings.state_file.parent.mkdir(parents=True, exist_ok=True)
    inbox = Inbox(settings.state_file.with_name(f"{settings.state_file.stem}-inbox.db"))
    channel = Channel(rasa or RasaClient(settings.rasa_url, settings.rasa_token), settings.rasa_give_up_s,
                      settings.user_rate_per_minute, inbox)
    jobs: list[asyncio.Task[None]] = []

    async def post_init(application: Application) -> None:
        for body in inbox.pending():  # left unhandled when the channel last stopped
            channel.unfinished.add(body["update_id"])
            await application.update_queue.put(Update.de_json(body, application.bot))
        await application.bot.set_my_commands([BotCommand(c.name, c.description) for c in commands.COMMANDS])
        if store is not None:
            jobs.append(asyncio.create_task(reminders.run_every_minute(
                application.bot, store, config or Config.from_environ(os.environ)), name="reminders"))
        logger.info("%s as @%s, relaying to %s", READY_LINE, application.bot.username, settings.rasa_url)

    async def post_stop(_application: Application) -> None:
        for job in jobs:
            job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*jobs)

    async def post_shutdown(_application: Application) -> None:
        await channel.rasa.close()
        inbox.close()

    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .context_types(CONTEXT_TYPES)
        .persistence(StateStore(settings.state_file, update_interval=5))
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.max_messages_per_s, max_retries=3))
        .concurrent_updates(channel.order)
        .post_init(post_init)
        .post_stop(post_stop)
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
        CallbackQueryHandler(channel.on_press),
        PollAnswerHandler(channel.on_poll_answer),
    ])
    application.add_error_handler(channel.on_error)
    return application
