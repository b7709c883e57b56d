"""What the Telegram channel remembers, and the file that keeps it across restarts.

`State` is the channel's memory in `application.bot_data`. Per conversation ("sender": a
private chat, or one member in a group, "<chat id>:<user id>"): its turn count, the keys of
its recent messages (so that a redelivered update is relayed once) and the payloads of its
recent keyboards; per user, their recent quiz polls. All but the turn counts are capped per
sender or user, so a busy user only ever evicts their own entries.

`StateFile` is python-telegram-bot's PicklePersistence made safe against a crash mid-write
and against a file it cannot read.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from telegram.ext import PicklePersistence

from coach.senders import is_persons

logger = logging.getLogger(__name__)

SEEN_PER_SENDER = 100  # a redelivered update is recognised among its sender's last this many
KEYBOARDS_PER_SENDER = 8  # buttons of a sender's older keyboards answer "expired"
POLLS_PER_USER = 8  # votes on a user's older quizzes are ignored
LAYOUT = 2  # bot_data["layout"]; files without it kept "seen" and "polls" in one table for all


def _remember(store: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    """`store[key] = value`, dropping the oldest entries beyond `limit`."""
    store[key] = value
    while len(store) > limit:
        del store[next(iter(store))]


def upgrade(data: dict[str, Any]) -> None:
    """Drop the shared "seen" and "polls" tables of a state file from before LAYOUT (nothing
    would ever evict them now); turn counts carry over."""
    if data.get("layout") != LAYOUT:
        data.pop("seen", None)
        data.pop("polls", None)
        data["layout"] = LAYOUT


class State:
    """A view of `bot_data`, the dict python-telegram-bot persists."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.turns: dict[str, int] = data.setdefault("turns", {})
        self.seen: dict[str, dict[str, float]] = data.setdefault("seen", {})
        # sender -> keyboard message id -> {"turn": the exchange it was sent in, "payloads": [...]}
        self.keyboards: dict[str, dict[int, dict[str, Any]]] = data.setdefault("keyboards", {})
        # quiz owner's user id -> poll id -> {"sender", "chat_id", "chat_type", "turn", "question_id", "payloads"}
        self.polls: dict[int, dict[str, dict[str, Any]]] = data.setdefault("polls", {})

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
        _remember(self.keyboards.setdefault(sender, {}), message_id,
                  {"turn": turn, "payloads": list(payloads)}, KEYBOARDS_PER_SENDER)

    def payload(self, sender: str, message_id: int, turn: int, n: int) -> str | None:
        """What button `n` of `sender`'s keyboard in message `message_id`, sent in `turn`,
        sends; None unless the sender was sent that very button recently."""
        keyboard = self.keyboards.get(sender, {}).get(message_id)
        if keyboard is None or keyboard["turn"] != turn or not 0 <= n < len(keyboard["payloads"]):
            return None
        return keyboard["payloads"][n]

    def remember_poll(self, owner: int, poll_id: str, poll: dict[str, Any]) -> None:
        _remember(self.polls.setdefault(owner, {}), poll_id, poll, POLLS_PER_USER)

    def poll(self, owner: int, poll_id: str) -> dict[str, Any] | None:
        """The quiz poll `poll_id` if it is one of `owner`'s recent quizzes."""
        return self.polls.get(owner, {}).get(poll_id)

    def still_asked(self, owner: int, poll: dict[str, Any]) -> bool:
        """Whether `poll` (one of `owner`'s) asks the question its conversation waits on: it
        was sent in the latest turn, or the latest turn sent a poll for the same question
        (a turn replayed after a crash sends its question again as a new poll)."""
        latest = self.turn(poll["sender"])
        if poll["turn"] == latest:
            return True
        question = poll.get("question_id")
        return bool(question) and any(
            other["sender"] == poll["sender"] and other["turn"] == latest and other.get("question_id") == question
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
        for poll_id in [p for p, poll in polls.items() if gone(poll["sender"])]:
            del polls[poll_id]
        if not polls:
            self.polls.pop(user_id, None)


class StateFile(PicklePersistence):
    """PicklePersistence (one file) that never leaves a half-written file behind, and that
    starts with empty state, keeping an unreadable file aside, rather than not at all."""

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
        except TypeError:  # what PTB raises for any file it cannot unpickle
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            aside = self.filepath.with_name(f"{self.filepath.name}.corrupt-{stamp}")
            os.replace(self.filepath, aside)
            logger.warning("state file %s could not be read: moved it to %s and started with empty state",
                           self.filepath, aside.name)
            super()._load_singlefile()  # no file now: empty state
