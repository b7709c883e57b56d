"""A fake Telegram Bot API server for tests and benchmarks (Telegram itself is unreachable).

It is an aiohttp app on 127.0.0.1 that answers the methods the channel uses, building every
object with python-telegram-bot's own classes so its JSON is what the pinned client expects.
The real client is pointed at it with `base_url` (`TELEGRAM_API_BASE_URL=<server.base_url>`).

Tests play the candidate: `send_text`, `press`, `answer_poll`, `send_sticker`... add updates
that the bot receives by long polling (`getUpdates` with offsets), and `outbox` records what
the bot sent. Messages change as on Telegram: the bot can take a keyboard off its message
(`editMessageReplyMarkup`) and close its poll (`stopPoll`), after which nobody can tap or
vote there; `current` shows a message as it is now. `fail` makes chosen methods answer 429
(with retry_after), 500, or hang; `block` makes a user's private chat answer 403, as for a
user who never started the bot.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from telegram import (
    CallbackQuery,
    Chat,
    Document,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    PhotoSize,
    Poll,
    PollAnswer,
    PollOption,
    Sticker,
    Update,
    User,
    Voice,
)
from telegram.constants import MessageLimit, PollLimit

TOKEN = "123456:TEST-TOKEN"
BOT = User(id=123456, first_name="Interview Coach", is_bot=True, username="coach_test_bot",
           can_join_groups=True, can_read_all_group_messages=False, supports_inline_queries=False)
MAX_CALLBACK_DATA_BYTES = 64
# Parameters whose form value is the text itself; every other value is JSON.
RAW_PARAMETERS = {"text", "caption", "question", "explanation", "url", "secret_token", "action",
                  "callback_query_id", "parse_mode", "webhook_url"}


def candidate(n: int = 1, language: str = "en") -> User:
    return User(id=1000 + n, first_name=f"Candidate{n}", last_name="Test", is_bot=False, language_code=language)


@dataclass
class Sent:
    """A message the bot sent."""

    method: str
    message: Message
    params: dict[str, Any]
    upload: bytes | None = None
    at: float = field(default_factory=time.monotonic)  # when the bot sent it

    @property
    def chat_id(self) -> int:
        return self.message.chat.id

    @property
    def text(self) -> str:
        return self.message.text or self.message.caption or (self.message.poll.question if self.message.poll else "")

    @property
    def buttons(self) -> dict[str, str]:
        """Title -> callback data of the inline keyboard it was sent with (empty if none)."""
        return _buttons(self.message)


def _buttons(message: Message) -> dict[str, str]:
    markup = message.reply_markup
    if markup is None:
        return {}
    return {b.text: str(b.callback_data) for row in markup.inline_keyboard for b in row}


@dataclass
class Fault:
    """Calls to `methods` (all if empty) answer `status` (or hang `delay_s`) until `until`."""

    status: int | None
    methods: frozenset[str]
    until: float
    retry_after: int | None = None
    delay_s: float = 0.0
    times: int | None = None  # at most this many calls, if set

    def applies(self, method: str) -> bool:
        return (not self.methods or method in self.methods) and time.monotonic() < self.until \
            and (self.times is None or self.times > 0)


@dataclass
class FakeTelegram:
    token: str = TOKEN
    updates: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    chats: dict[int, Chat] = field(default_factory=dict)
    polls: dict[str, Poll] = field(default_factory=dict)
    messages: dict[tuple[int, int], Message] = field(default_factory=dict)  # (chat id, message id) -> as it is now
    commands: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    blocked: set[int] = field(default_factory=set)  # users who never started the bot, or blocked it

    def __post_init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- server --------------------------------------------------------------------------
    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    @property
    def base_url(self) -> str:
        """What python-telegram-bot's `base_url` must be (the token follows it)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        try:
            params = await _parameters(request)
        except ConnectionResetError:  # the bot went away mid-request (a stopped or killed channel)
            return _error(499, "Client Closed Request")
        self.calls.append((method, params))
        await self._notify()
        fault = next((f for f in self.faults if f.applies(method)), None)
        if fault is not None:
            if fault.times is not None:
                fault.times -= 1
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            if fault.status == 429:
                return _error(429, f"Too Many Requests: retry after {fault.retry_after}",
                              {"retry_after": fault.retry_after})
            if fault.status is not None:
                return _error(fault.status, "Internal Server Error")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except BadRequestError as error:
            return _error(400, f"Bad Request: {error}")
        except ForbiddenError as error:
            return _error(403, f"Forbidden: {error}")
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- API methods ---------------------------------------------------------------------
    async def _api_getMe(self, _params: dict[str, Any]) -> Any:
        return BOT.to_dict()

    async def _api_deleteWebhook(self, _params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands = list(params.get("commands") or [])
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._chat(params)
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones go
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        async with self._changed:
            while not self.updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except asyncio.TimeoutError:
                    break
        return self.updates[:limit]

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text") or "")
        if not text.strip():
            raise BadRequestError("message text is empty")
        if len(text) > MessageLimit.MAX_TEXT_LENGTH:
            raise BadRequestError("message is too long")
        markup = _keyboard(params.get("reply_markup"))
        return self._sent("sendMessage", params, text=text, reply_markup=markup)

    async def _api_sendPoll(self, params: dict[str, Any]) -> Any:
        options = [o["text"] if isinstance(o, dict) else str(o) for o in params.get("options") or []]
        question = str(params.get("question") or "")
        correct = params.get("correct_option_ids") or [params.get("correct_option_id")]  # Bot API 9.6 / older
        if not 2 <= len(options) <= PollLimit.MAX_OPTION_NUMBER:
            raise BadRequestError("POLL_OPTIONS_COUNT_INVALID")
        if not 1 <= len(question) <= PollLimit.MAX_QUESTION_LENGTH or \
                any(not 1 <= len(o) <= PollLimit.MAX_OPTION_LENGTH for o in options):
            raise BadRequestError("POLL_QUESTION_INVALID or POLL_OPTION_INVALID")
        explanation = params.get("explanation")
        if explanation and len(str(explanation)) > PollLimit.MAX_EXPLANATION_LENGTH:
            raise BadRequestError("explanation is too long")
        quiz = params.get("type") == Poll.QUIZ
        if quiz and not (len(correct) == 1 and isinstance(correct[0], int) and 0 <= correct[0] < len(options)):
            raise BadRequestError("wrong correct option ID specified")
        poll = Poll(
            id=uuid.uuid4().hex, question=question,
            options=[PollOption(o, 0, persistent_id=str(i)) for i, o in enumerate(options)],
            total_voter_count=0, is_closed=False, is_anonymous=bool(params.get("is_anonymous", True)),
            type=params.get("type") or Poll.REGULAR, allows_multiple_answers=False,
            correct_option_ids=correct if quiz else None, explanation=explanation,
            allows_revoting=bool(params.get("allows_revoting", False)), members_only=False,
        )
        self.polls[poll.id] = poll
        return self._sent("sendPoll", params, poll=poll, reply_markup=_keyboard(params.get("reply_markup")))

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        message = self._bots_message(params, "message to edit not found", "message can't be edited")
        markup = _keyboard(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise BadRequestError("message is not modified: specified new message content and reply markup are "
                                  "exactly the same as a current content and reply markup of the message")
        edited = self._changed_message(message, reply_markup=markup.to_dict() if markup else None,
                                       edit_date=int(_now().timestamp()))
        return edited.to_dict()

    async def _api_stopPoll(self, params: dict[str, Any]) -> Any:
        message = self._bots_message(params, "message with poll to stop not found", "poll can't be stopped")
        if message.poll is None:
            raise BadRequestError("message is not a poll")
        if message.poll.is_closed:
            raise BadRequestError("poll has already been closed")
        closed = Poll.de_json({**message.poll.to_dict(), "is_closed": True}, None)
        self.polls[closed.id] = closed
        self._changed_message(message, poll=closed.to_dict())
        return closed.to_dict()

    def _bots_message(self, params: dict[str, Any], not_found: str, not_the_bots: str) -> Message:
        """The message that `chat_id` and `message_id` name, which must be one the bot sent."""
        if params.get("inline_message_id"):
            raise BadRequestError("inline messages are beyond this fake")
        try:
            message = self.messages[(int(params["chat_id"]), int(params["message_id"]))]
        except (KeyError, TypeError, ValueError):
            raise BadRequestError(not_found) from None
        if message.from_user != BOT:
            raise BadRequestError(not_the_bots)
        return message

    def _changed_message(self, message: Message, **changes: Any) -> Message:
        """`message` with some fields replaced (None: removed), as the chat shows it from now on."""
        content = {**message.to_dict(), **changes}
        changed = Message.de_json({k: v for k, v in content.items() if v is not None}, None)
        self.messages[(changed.chat.id, changed.message_id)] = changed
        return changed

    async def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        photo = params.get("photo")
        if not isinstance(photo, bytes) or not photo:
            raise BadRequestError("there is no photo in the request")
        size = PhotoSize(file_id=uuid.uuid4().hex, file_unique_id=uuid.uuid4().hex[:8], width=800, height=400,
                         file_size=len(photo))
        caption = params.get("caption")
        if caption and len(str(caption)) > MessageLimit.CAPTION_LENGTH:
            raise BadRequestError("message caption is too long")
        return self._sent("sendPhoto", params, upload=photo, photo=(size,), caption=caption,
                          reply_markup=_keyboard(params.get("reply_markup")))

    async def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        content = params.get("document")
        if not isinstance(content, bytes):
            raise BadRequestError("there is no document in the request")
        document = Document(file_id=uuid.uuid4().hex, file_unique_id=uuid.uuid4().hex[:8],
                            file_name=params.get("document_filename"), file_size=len(content))
        return self._sent("sendDocument", params, upload=content, document=document)

    def _chat(self, params: dict[str, Any]) -> Chat:
        chat_id = params.get("chat_id")
        if chat_id in self.blocked:
            raise ForbiddenError("bot can't initiate conversation with a user")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise BadRequestError("chat not found")
        return self.chats[chat_id]

    def _sent(self, method: str, params: dict[str, Any], upload: bytes | None = None, **content: Any) -> Any:
        message = Message(message_id=next(self._message_ids), date=_now(), chat=self._chat(params),
                          from_user=BOT, **content)
        message.set_bot(None)
        self.outbox.append(Sent(method, message, params, upload))
        self.messages[(message.chat.id, message.message_id)] = message
        return message.to_dict()

    # -- the candidate's side ------------------------------------------------------------
    def _push(self, **content: Any) -> Update:
        update = Update(update_id=next(self._update_ids), **content)
        self.updates.append(update.to_dict())
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def redeliver(self, update: Update) -> None:
        """Deliver an update's content a second time (under a new update id, so that the
        client's offset does not filter it out), as a retrying sender would."""
        self.updates.append({**update.to_dict(), "update_id": next(self._update_ids)})
        asyncio.get_running_loop().create_task(self._notify())

    def private_chat(self, user: User) -> Chat:
        return self.chats.setdefault(user.id, Chat(id=user.id, type=Chat.PRIVATE, first_name=user.first_name))

    def group_chat(self, chat_id: int = -100500, title: str = "Study group") -> Chat:
        return self.chats.setdefault(chat_id, Chat(id=chat_id, type=Chat.SUPERGROUP, title=title))

    def _message(self, user: User, chat: Chat | None, **content: Any) -> Message:
        chat = chat or self.private_chat(user)
        self.chats.setdefault(chat.id, chat)
        message = Message(message_id=next(self._message_ids), date=_now(), chat=chat, from_user=user, **content)
        self.messages[(chat.id, message.message_id)] = message
        return message

    def current(self, sent: Sent) -> Message:
        """A message the bot sent, as it is now (its keyboard taken off, its poll closed...)."""
        return self.messages[(sent.chat_id, sent.message.message_id)]

    def send_text(self, user: User, text: str, chat: Chat | None = None, reply_to: Sent | None = None) -> Update:
        """The candidate types `text` (a leading /command is marked as Telegram marks it)."""
        entities = []
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            length = next((i for i, c in enumerate(command[1:], 1) if not (c.isalnum() or c in "_@")), len(command))
            entities.append(MessageEntity(MessageEntity.BOT_COMMAND, 0, length))
        mention = f"@{BOT.username}"
        if mention in text:
            entities.append(MessageEntity(MessageEntity.MENTION, text.index(mention), len(mention)))
        return self._push(message=self._message(user, chat, text=text, entities=tuple(entities),
                                                reply_to_message=reply_to.message if reply_to else None))

    def edit_text(self, update: Update, text: str) -> Update:
        original = update.message
        assert original is not None
        edited = Message(message_id=original.message_id, date=original.date, chat=original.chat,
                         from_user=original.from_user, text=text, edit_date=_now())
        self.messages[(edited.chat.id, edited.message_id)] = edited
        return self._push(edited_message=edited)

    def send_sticker(self, user: User, chat: Chat | None = None) -> Update:
        sticker = Sticker(file_id="sticker", file_unique_id="s1", width=512, height=512, is_animated=False,
                          is_video=False, type=Sticker.REGULAR, emoji="👍")
        return self._push(message=self._message(user, chat, sticker=sticker))

    def send_voice(self, user: User, chat: Chat | None = None) -> Update:
        return self._push(message=self._message(user, chat, voice=Voice(file_id="voice", file_unique_id="v1",
                                                                        duration=3)))

    def press(self, user: User, sent: Sent, title: str) -> Update:
        """The candidate taps the button titled `title` under a message the bot sent; a
        LookupError if the message has no such button now (the bot took its keyboard off)."""
        buttons = _buttons(self.current(sent))
        if title not in buttons:
            raise LookupError(f"no button {title!r} under message {sent.message.message_id} now")
        return self.press_data(user, sent, buttons[title])

    def press_data(self, user: User, sent: Sent, data: str) -> Update:
        """A callback query with any data (also data the bot never sent, or a tap that an
        app showing the message as it was sends after the keyboard was taken off)."""
        query = CallbackQuery(id=uuid.uuid4().hex, from_user=user, chat_instance="ci", data=data,
                              message=self.current(sent))
        return self._push(callback_query=query)

    def answer_poll(self, user: User, sent: Sent, option: int) -> Update:
        """The candidate votes; a LookupError if the bot closed the poll (nobody can vote then)."""
        assert sent.message.poll is not None
        if self.polls[sent.message.poll.id].is_closed:
            raise LookupError(f"poll {sent.message.poll.id} is closed")
        return self._push(poll_answer=PollAnswer(poll_id=sent.message.poll.id, option_ids=(option,), user=user,
                                                    option_persistent_ids=(str(option),)))

    def block(self, user: User) -> None:
        """The user never started the bot, or blocked it: their private chat answers 403."""
        self.blocked.add(user.id)

    def fail(self, status: int | None, methods: Iterable[str] = (), for_s: float = 3600.0,
             retry_after: int | None = None, delay_s: float = 0.0, times: int | None = None) -> Fault:
        """From now on, `methods` (all if none) answer `status` or hang `delay_s` seconds."""
        fault = Fault(status, frozenset(methods), time.monotonic() + for_s, retry_after, delay_s, times)
        self.faults.append(fault)
        return fault

    # -- waiting ---------------------------------------------------------------------------
    async def wait_for(self, predicate: Callable[[], Any], timeout_s: float = 30.0) -> Any:
        """Wait until `predicate()` is truthy (checked after each API call); its value."""
        deadline = time.monotonic() + timeout_s
        async with self._changed:
            while not (value := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout_s} s waiting for the bot; "
                                         f"last sent: {[s.text[:80] for s in self.outbox[-5:]]}")
                try:
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
                except asyncio.TimeoutError:
                    pass
        return value

    async def replies(self, chat_id: int, since: int, quiet_s: float = 1.0, timeout_s: float = 60.0,
                      besides: Iterable[str] = ()) -> list[Sent]:
        """What the bot sent to `chat_id` after outbox position `since`, once at least one
        message (other than the texts `besides`, such as a "give me a moment" notice) came
        and then nothing more for `quiet_s` seconds."""
        notices = set(besides)

        def sent() -> list[Sent]:
            return [s for s in self.outbox[since:] if s.chat_id == chat_id]

        await self.wait_for(lambda: any(s.text not in notices for s in sent()), timeout_s)
        while True:
            count, quiet_until = len(sent()), time.monotonic() + quiet_s
            while time.monotonic() < quiet_until and len(sent()) == count:
                await asyncio.sleep(0.05)
            if len(sent()) == count:
                return sent()


class BadRequestError(ValueError):
    """The request breaks one of Telegram's rules (answered as HTTP 400)."""


class ForbiddenError(ValueError):
    """The bot may not write to that chat (answered as HTTP 403)."""


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _keyboard(value: Any) -> InlineKeyboardMarkup | None:
    if not value:
        return None
    markup = InlineKeyboardMarkup.de_json(value, None)
    for row in markup.inline_keyboard:
        for button in row:
            if len(str(button.callback_data or "").encode()) > MAX_CALLBACK_DATA_BYTES:
                raise BadRequestError("BUTTON_DATA_INVALID")
    return markup


async def _parameters(request: web.Request) -> dict[str, Any]:
    """The call's parameters: form fields (JSON-encoded except plain text ones) and files."""
    if request.content_type == "application/json":
        return dict(await request.json())
    params: dict[str, Any] = {}
    form = await request.post() if request.can_read_body else {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = value.file.read()
            params[f"{key}_filename"] = value.filename
        elif key in RAW_PARAMETERS:
            params[key] = value
        else:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
    params.update({k: v for k, v in request.query.items() if k not in params})
    return params


async def serve(port: int) -> None:
    """Run the fake server until interrupted (for trying `make run` with a token offline)."""
    server = FakeTelegram()
    await server.start(port)
    print(f"Fake Bot API at {server.base_url} (token {server.token}). Ctrl-C stops it.", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import sys

    asyncio.run(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8081))
