"""What the Telegram channel remembers, and the file that keeps it across restarts.

`ChannelData` is the channel's memory: python-telegram-bot's `bot_data`, of this class rather
than a dict (`CONTEXT_TYPES`), so handlers, typed with `Context`, see it typed. Per
conversation ("sender": a private chat, or one member in a group, "<chat id>:<user id>"): its
turn count, the keys of its recent messages (so that a redelivered update is relayed once)
and its recent keyboards; per user, their recent quiz polls. All but the turn counts are
capped per sender or user, so a busy user only ever evicts their own entries.

`StateFile` is python-telegram-bot's PicklePersistence made safe against a crash mid-write
and against a file it cannot read, and able to read the dict that older channels saved.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot, PersistenceInput, PicklePersistence

from coach.senders import is_persons

logger = logging.getLogger(__name__)

SEEN_PER_SENDER = 100  # a redelivered update is recognised among its sender's last this many
KEYBOARDS_PER_SENDER = 8  # buttons of a sender's older keyboards answer "expired"
POLLS_PER_USER = 8  # votes on a user's older quizzes are ignored
DICT_LAYOUT = 2  # bot_data["layout"] of the dicts older channels saved; without it, "seen" and "polls" were shared by all


def _remember(store: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    """`store[key] = value`, dropping the oldest entries beyond `limit`."""
    store[key] = value
    while len(store) > limit:
        del store[next(iter(store))]


@dataclass(frozen=True)
class SentKeyboard:
    """Inline buttons sent in the sender's exchange `turn`; button n sends `payloads[n]`."""

    turn: int
    payloads: tuple[str, ...]


@dataclass(frozen=True)
class SentQuiz:
    """A quiz poll sent in exchange `turn` of conversation `sender` (in chat `chat_id` of
    `chat_type`), asking bank question `question_id`; a vote for option i is relayed there
    as `payloads[i]`. The poll is message `message_id` in chat `message_chat_id` (where it
    is stopped once answered); None for a poll remembered by an older channel."""

    sender: str
    chat_id: int
    chat_type: str
    turn: int
    question_id: str
    payloads: tuple[str, ...]
    message_chat_id: int | None = None
    message_id: int | None = None


@dataclass
class ChannelData:
    """The channel's `bot_data`. A dataclass, so that python-telegram-bot, which compares it
    with the copy it saved last, skips saving it unchanged."""

    turns: dict[str, int] = field(default_factory=dict)
    seen: dict[str, dict[str, float]] = field(default_factory=dict)  # sender -> message key -> when
    keyboards: dict[str, dict[int, SentKeyboard]] = field(default_factory=dict)  # sender -> message id -> ...
    polls: dict[int, dict[str, SentQuiz]] = field(default_factory=dict)  # quiz owner's user id -> poll id -> ...

    def turn(self, sender: str) -> int:
        """The number of `sender`'s messages relayed so far."""
        return self.turns.get(sender, 0)

    def next_turn(self, sender: str) -> int:
        self.turns[sender] = self.turn(sender) + 1
        return self.turns[sender]

    def seen_before(self, sender: str, key: str) -> bool:
        return key in self.seen.get(sender, {})

    def mark_seen(self, sender: str, key: str) -> None:
        _remember(self.seen.setdefault(sender, {}), key, time.time(), SEEN_PER_SENDER)

    def unmark_seen(self, sender: str, key: str) -> None:
        """Let the message be relayed when it comes again (it was not answered)."""
        self.seen.get(sender, {}).pop(key, None)

    def remember_keyboard(self, sender: str, message_id: int, turn: int, payloads: Sequence[str]) -> None:
        _remember(self.keyboards.setdefault(sender, {}), message_id, SentKeyboard(turn, tuple(payloads)),
                  KEYBOARDS_PER_SENDER)

    def payload(self, sender: str, message_id: int, turn: int, n: int) -> str | None:
        """What button `n` of `sender`'s keyboard in message `message_id`, sent in `turn`,
        sends; None unless the sender was sent that very button recently."""
        keyboard = self.keyboards.get(sender, {}).get(message_id)
        if keyboard is None or keyboard.turn != turn or not 0 <= n < len(keyboard.payloads):
            return None
        return keyboard.payloads[n]

    def drop_keyboard(self, sender: str, message_id: int) -> None:
        """Forget the keyboard in message `message_id`: its buttons have expired."""
        self.keyboards.get(sender, {}).pop(message_id, None)

    def remember_poll(self, owner: int, poll_id: str, poll: SentQuiz) -> None:
        _remember(self.polls.setdefault(owner, {}), poll_id, poll, POLLS_PER_USER)

    def poll(self, owner: int, poll_id: str) -> SentQuiz | None:
        """The quiz poll `poll_id` if it is one of `owner`'s recent quizzes."""
        return self.polls.get(owner, {}).get(poll_id)

    def still_asked(self, owner: int, poll: SentQuiz) -> bool:
        """Whether `poll` (one of `owner`'s) asks the question its conversation waits on: it
        was sent in the latest turn, or the latest turn sent a poll for the same question
        (a turn replayed after a crash sends its question again as a new poll)."""
        latest = self.turn(poll.sender)
        if poll.turn == latest:
            return True
        return bool(poll.question_id) and any(
            other.sender == poll.sender and other.turn == latest and other.question_id == poll.question_id
            for other in self.polls.get(owner, {}).values()
        )

    def known_poll(self, poll_id: str) -> bool:
        """Whether `poll_id` is anyone's recent quiz (polls are few per user)."""
        return any(poll_id in polls for polls in self.polls.values())

    def forget(self, sender: str, user_id: int) -> None:
        """Drop everything remembered for `sender`; when it is the user's private chat, for
        their conversations in groups ("<chat id>:<user id>") too."""
        private = sender == str(user_id)

        def gone(other: str) -> bool:
            return other == sender or (private and is_persons(other, str(user_id)))

        for store in (self.turns, self.seen, self.keyboards):
            for other in [s for s in store if gone(s)]:
                del store[other]
        polls = self.polls.get(user_id, {})
        for poll_id in [p for p, poll in polls.items() if gone(poll.sender)]:
            del polls[poll_id]
        if not polls:
            self.polls.pop(user_id, None)


CONTEXT_TYPES = ContextTypes(bot_data=ChannelData)
# The `context` of the channel's handlers (ContextTypes.DEFAULT_TYPE, with its bot_data).
Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], ChannelData]


def upgrade(data: Any) -> ChannelData:
    """The channel's state as a state file holds it: a ChannelData, or the dict that older
    channels kept. Of a dict of DICT_LAYOUT everything carries over; of an older one only
    the turn counts (its shared "seen" and "polls" tables would never be evicted now).
    TypeError for anything else."""
    if isinstance(data, ChannelData):
        return data
    if not isinstance(data, dict):
        raise TypeError(f"bot_data of type {type(data).__name__}")
    state = ChannelData(turns=dict(data.get("turns", {})))
    if data.get("layout") == DICT_LAYOUT:
        state.seen = {sender: dict(keys) for sender, keys in data.get("seen", {}).items()}
        state.keyboards = {
            sender: {message_id: SentKeyboard(k["turn"], tuple(k["payloads"])) for message_id, k in keyboards.items()}
            for sender, keyboards in data.get("keyboards", {}).items()
        }
        state.polls = {
            owner: {poll_id: SentQuiz(p["sender"], p["chat_id"], p["chat_type"], p["turn"], p.get("question_id") or "",
                                      tuple(p["payloads"])) for poll_id, p in polls.items()}
            for owner, polls in data.get("polls", {}).items()
        }
    return state


class StateFile(PicklePersistence):
    """PicklePersistence (one file) that never leaves a half-written file behind, that reads
    the state older channels saved, and that starts with empty state, keeping an unreadable
    file aside, rather than not at all."""

    def __init__(self, filepath: Path, update_interval: float = 60) -> None:
        """Only `bot_data` is kept (the channel uses no user, chat or callback data)."""
        super().__init__(
            filepath, update_interval=update_interval, context_types=CONTEXT_TYPES,
            store_data=PersistenceInput(bot_data=True, chat_data=False, user_data=False, callback_data=False),
        )

    def _dump_singlefile(self) -> None:
        """PTB's writer, pointed at a temporary file in the same folder (mode 0600), which is
        synced and then replaces the state file: a crash mid-write leaves the old state."""
        target = self.filepath
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(handle)
        try:
            self.filepath = Path(temporary)
            super()._dump_singlefile()
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
        finally:
            self.filepath = target

    def _load_singlefile(self) -> None:
        try:
            super()._load_singlefile()
            self.bot_data = upgrade(self.bot_data)
        except TypeError:  # what PTB raises for any file it cannot unpickle, and upgrade() for other data
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            aside = self.filepath.with_name(f"{self.filepath.name}.corrupt-{stamp}")
            os.replace(self.filepath, aside)
            logger.warning("state file %s could not be read: moved it to %s and started with empty state",
                           self.filepath, aside.name)
            super()._load_singlefile()  # no file now: empty state
