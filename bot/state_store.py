"""The file that keeps the channel's memory (bot/state.py) across restarts: a SQLite table
with one row per user.

python-telegram-bot hands a persistence the `user_data` of the users whose updates it
handled (or that the channel marked); this one writes just their rows, so saving a turn
costs the same with ten users or a hundred thousand (the pickle file it replaces was
rewritten whole after every turn). A row is written in a transaction of its own (bot/local_db.py:
it survives a killed process, like the inbox beside it), only when it changed, and deleted
once the user's state is empty (they deleted their data).

A file it cannot read is set aside and the channel starts with empty state rather than not
at all. The pickle file older channels kept (`<name>.pickle` beside the database, or the
state file itself) is imported once and renamed `<name>.pickle.imported`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import pickle
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from telegram.ext import BasePersistence, PersistenceInput

from bot.local_db import open_private
from bot.state import SentKeyboard, SentQuiz, UserState
from coach.senders import person

logger = logging.getLogger(__name__)

PICKLE_MARK = b"\x80"  # the first byte of a pickle (protocol 2 or later); never of a SQLite file
LEGACY_LAYOUT = 2  # bot_data["layout"] of the dicts older channels kept; before it, "seen" and "polls" were shared


@dataclass
class ChannelData:
    """All users' state in one object, as the channel kept it before it kept it per user
    (pickled as bot.state.ChannelData): read when importing such a file, never written."""

    turns: dict[str, int] = field(default_factory=dict)
    seen: dict[str, dict[str, float]] = field(default_factory=dict)
    keyboards: dict[str, dict[int, SentKeyboard]] = field(default_factory=dict)
    polls: dict[int, dict[str, SentQuiz]] = field(default_factory=dict)  # owner's user id -> poll id -> ...


class _Unpickler(pickle.Unpickler):
    """Reads back the channel's own classes and nothing else: the file is the channel's, but
    a pickle may name any callable, and this one is not run on a file that names others."""

    CLASSES = {("bot.state", cls.__name__): cls for cls in (UserState, SentKeyboard, SentQuiz)} | {
        ("bot.state", "ChannelData"): ChannelData,
        # Channels before 2026-12-02 kept a quiz's chat type as python-telegram-bot's ChatType
        # enum, pickled by reference to it: read back as the plain str the channel now keeps.
        ("telegram.constants", "ChatType"): str}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.CLASSES[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of the channel's state") from None


def _unpickle(source: bytes | BinaryIO) -> Any:
    return _Unpickler(io.BytesIO(source) if isinstance(source, bytes) else source).load()


def split_per_user(data: Any) -> dict[int, UserState]:
    """Each user's state out of the `bot_data` older channels saved: a ChannelData, or a
    dict. Of a dict of LEGACY_LAYOUT everything carries over; of an older one only the turn
    counts (its shared "seen" and "polls" tables could not be told apart per user). A
    conversation belongs to the user it names (coach/senders.py). TypeError for anything else."""
    if isinstance(data, dict):
        data = _from_dict(data)
    if not isinstance(data, ChannelData):
        raise TypeError(f"bot_data of type {type(data).__name__}")
    states: dict[int, UserState] = {}

    def of(sender: str) -> UserState:
        return states.setdefault(int(person(sender)), UserState())

    for sender, turn in data.turns.items():
        of(sender).turns[sender] = turn
    for sender, keys in data.seen.items():
        of(sender).seen[sender] = dict(keys)
    for sender, keyboards in data.keyboards.items():
        of(sender).keyboards[sender] = dict(keyboards)
    for owner, polls in data.polls.items():
        states.setdefault(owner, UserState()).polls.update(polls)
    return states


def _from_dict(data: dict[str, Any]) -> ChannelData:
    state = ChannelData(turns=dict(data.get("turns", {})))
    if data.get("layout") == LEGACY_LAYOUT:
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


def _digest(blob: bytes) -> bytes:
    """What tells a row's new content from what was last written."""
    return hashlib.blake2b(blob, digest_size=16).digest()


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _set_aside(path: Path) -> None:
    """Move an unreadable state file out of the way (kept for a look), with its SQLite
    companions, which belong to it."""
    aside = path.with_name(f"{path.name}.corrupt-{_stamp()}")
    os.replace(path, aside)
    for companion in ("-wal", "-shm"):
        path.with_name(path.name + companion).unlink(missing_ok=True)
    logger.warning("state file %s could not be read: moved it to %s and started with empty state", path, aside.name)


class StateStore(BasePersistence[UserState, dict[Any, Any], dict[Any, Any]]):
    """python-telegram-bot's persistence of `user_data` (the channel uses no chat, bot or
    callback data, nor conversation handlers), one SQLite row per user."""

    def __init__(self, path: Path, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._digests: dict[int, bytes] = {}  # user id -> digest of the row as written: unchanged rows are skipped

    # -- the file ---------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            imported = self._import_legacy()
            self._db = self._open()
            if imported:
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO users VALUES (?, ?)",
                                         [(user_id, self._blob(state)) for user_id, state in imported.items()])
                logger.info("imported the state of %d users from the channel's older state file", len(imported))
        return self._db

    def _legacy_file(self) -> Path | None:
        """The pickle file an older channel left: the state file itself, or its .pickle sibling
        where there is no database yet."""
        if self.path.is_file():
            with self.path.open("rb") as file:
                return self.path if file.read(1) == PICKLE_MARK else None
        sibling = self.path.with_suffix(".pickle")
        return sibling if sibling != self.path and sibling.is_file() else None

    def _import_legacy(self) -> dict[int, UserState]:
        legacy = self._legacy_file()
        if legacy is None:
            return {}
        try:
            with legacy.open("rb") as file:
                states = split_per_user(_unpickle(file)["bot_data"])
        except Exception:  # noqa: BLE001 - whatever a damaged pickle raises, the file is unreadable
            _set_aside(legacy)
            return {}
        os.replace(legacy, legacy.with_name(f"{legacy.name}.imported"))
        return states

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError:  # not a database, or a damaged one
            _set_aside(self.path)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = open_private(self.path)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS users (user_id INTEGER PRIMARY KEY, state BLOB NOT NULL)")
            db.execute("SELECT count(*) FROM users").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    @staticmethod
    def _blob(state: UserState) -> bytes:
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    # -- user data --------------------------------------------------------------------------
    async def get_user_data(self) -> dict[int, UserState]:
        """Every user's state; a row that cannot be read is dropped (that user starts afresh)."""
        db, states = self._connection(), {}
        for user_id, blob in db.execute("SELECT user_id, state FROM users").fetchall():
            try:
                state = _unpickle(blob)
                if not isinstance(state, UserState):
                    raise TypeError(type(state).__name__)
            except Exception as error:  # noqa: BLE001 - as for the file: whatever a damaged row raises
                logger.warning("the channel's state of user %s could not be read (%r): starting it afresh",
                               user_id, error)
                db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
                continue
            states[user_id] = state
            self._digests[user_id] = _digest(blob)
        return states

    async def update_user_data(self, user_id: int, data: UserState) -> None:
        if data.empty():
            await self.drop_user_data(user_id)
            return
        blob = self._blob(data)
        digest = _digest(blob)
        if self._digests.get(user_id) == digest:
            return
        self._connection().execute("INSERT OR REPLACE INTO users VALUES (?, ?)", (user_id, blob))
        self._digests[user_id] = digest

    async def drop_user_data(self, user_id: int) -> None:
        self._connection().execute("DELETE FROM users WHERE user_id = ?", (user_id,))
        self._digests.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: UserState) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def flush(self) -> None:
        """Close the file (on shutdown); it opens again if the channel goes on."""
        if self._db is not None:
            self._db.close()
            self._db = None
            self._digests.clear()

    # -- what the channel does not keep --------------------------------------------------------
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> Any:
        return None

    async def get_conversations(self, name: str) -> dict[Any, Any]:
        return {}

    async def update_conversation(self, name: str, key: Any, new_state: object | None) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None
