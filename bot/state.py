"""What the Telegram channel remembers of each user.

`UserState` is python-telegram-bot's `user_data`, of this class rather than a dict
(`CONTEXT_TYPES`), so handlers, typed with `Context`, see it typed. Everything the channel
remembers belongs to one user, which is why it is kept per user: per conversation of theirs
("sender": their private chat, or "<chat id>:<user id>" as a member of a group), its turn
count, the keys of its recent messages (so that a redelivered update is relayed once) and
its recent keyboards; and their recent quiz polls. All but the turn counts are capped, so a
busy user only ever evicts their own entries, and saving one user's turn costs the same
however many users the channel has (bot/state_store.py).
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from coach.senders import person

SEEN_PER_SENDER = 100  # a redelivered update is recognised among its sender's last this many
KEYBOARDS_PER_SENDER = 8  # buttons of a sender's older keyboards answer "expired"
POLLS_PER_USER = 8  # votes on a user's older quizzes are ignored


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
class UserState:
    """One user's `user_data`. A dataclass, so that it compares and pickles by value."""

    turns: dict[str, int] = field(default_factory=dict)
    seen: dict[str, dict[str, float]] = field(default_factory=dict)  # sender -> message key -> when
    keyboards: dict[str, dict[int, SentKeyboard]] = field(default_factory=dict)  # sender -> message id -> ...
    polls: dict[str, SentQuiz] = field(default_factory=dict)  # poll id -> ...

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

    def remember_poll(self, poll_id: str, poll: SentQuiz) -> None:
        _remember(self.polls, poll_id, poll, POLLS_PER_USER)

    def poll(self, poll_id: str) -> SentQuiz | None:
        """The quiz poll `poll_id` if it is one of the user's recent quizzes."""
        return self.polls.get(poll_id)

    def still_asked(self, poll: SentQuiz) -> bool:
        """Whether `poll` (one of the user's) asks the question its conversation waits on: it
        was sent in the latest turn, or the latest turn sent a poll for the same question
        (a turn replayed after a crash sends its question again as a new poll)."""
        latest = self.turn(poll.sender)
        if poll.turn == latest:
            return True
        return bool(poll.question_id) and any(
            other.sender == poll.sender and other.turn == latest and other.question_id == poll.question_id
            for other in self.polls.values()
        )

    def forget(self, sender: str) -> None:
        """Drop everything remembered for `sender`; when it is the user's private chat,
        everything remembered for the user (their conversations in groups too)."""
        if person(sender) == sender:
            self.turns, self.seen, self.keyboards, self.polls = {}, {}, {}, {}
            return
        for store in (self.turns, self.seen, self.keyboards):
            store.pop(sender, None)
        for poll_id in [p for p, poll in self.polls.items() if poll.sender == sender]:
            del self.polls[poll_id]

    def empty(self) -> bool:
        return not (self.turns or self.seen or self.keyboards or self.polls)


def known_poll(states: Iterable[UserState], poll_id: str) -> bool:
    """Whether `poll_id` is anyone's recent quiz. It looks through every user, so it is
    for the rare vote that is not the voter's own."""
    return any(poll_id in state.polls for state in states)


CONTEXT_TYPES = ContextTypes(user_data=UserState)
# The `context` of the channel's handlers (ContextTypes.DEFAULT_TYPE, with its user_data).
Context = CallbackContext[ExtBot[Any], UserState, dict[Any, Any], dict[Any, Any]]
