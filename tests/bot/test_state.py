"""What the Telegram channel remembers (bot/state.py): per user, capped per sender, forgotten
on request; and the file that keeps it (bot/state_store.py): a row per user, written only
when it changed, safe against a write that fails and a file it cannot read, and importing
the pickle file older channels kept."""
from __future__ import annotations

import copy
import logging
import os
import pickle
import shutil
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from bot import state as state_module
from bot.state import SentKeyboard, SentQuiz, UserState, known_poll
from bot.state_store import ChannelData, StateStore, split_per_user

GROUP = -100500
OLD_STATE_FILE = Path(__file__).parent / "data" / "channel-state-v1.pickle"  # written by the channel of 2026-12-01


def quiz(sender: str, turn: int = 1, question_id: str = "statistics.p_value") -> SentQuiz:
    chat_id = int(sender.split(":")[0])
    return SentQuiz(sender, chat_id, "private", turn, question_id, ("A", "B"), message_chat_id=chat_id, message_id=turn)


def test_a_sender_finds_only_the_buttons_they_were_sent():
    state = UserState()
    state.remember_keyboard("1001", 40, 3, ["B", "/show_progress"])
    assert state.payload("1001", 40, 3, 1) == "/show_progress"
    assert state.payload(f"{GROUP}:1001", 40, 3, 1) is None  # the same user in a group, same message id and turn
    assert state.payload("1001", 41, 3, 1) is None  # another message
    assert state.payload("1001", 40, 2, 1) is None  # the turn the data names is not the one it was sent in
    assert state.payload("1001", 40, 3, 2) is None  # no such button
    assert state.payload("1001", 40, 3, -1) is None


def test_a_busy_conversation_evicts_only_its_own_keyboards():
    state = UserState()
    state.remember_keyboard(f"{GROUP}:1001", 1, 1, ["B"])
    for message_id in range(1, state_module.KEYBOARDS_PER_SENDER + 2):
        state.remember_keyboard("1001", message_id, message_id, ["B"])
    assert state.payload("1001", 1, 1, 0) is None
    assert state.payload("1001", 2, 2, 0) == "B"
    assert state.payload(f"{GROUP}:1001", 1, 1, 0) == "B"


def test_seen_keys_are_capped_per_sender():
    state = UserState()
    state.mark_seen(f"{GROUP}:1001", "msg:1:1")
    for n in range(state_module.SEEN_PER_SENDER + 1):
        state.mark_seen("1001", f"msg:1001:{n}")
    assert not state.seen_before("1001", "msg:1001:0")
    assert state.seen_before("1001", "msg:1001:1")
    assert len(state.seen["1001"]) == state_module.SEEN_PER_SENDER
    assert state.seen_before(f"{GROUP}:1001", "msg:1:1")
    state.unmark_seen(f"{GROUP}:1001", "msg:1:1")
    assert not state.seen_before(f"{GROUP}:1001", "msg:1:1")


def test_a_poll_is_still_asked_in_its_turn_or_while_the_latest_turn_asks_its_question_again():
    state = UserState()
    for _ in range(3):
        state.next_turn("1001")
    state.remember_poll("first", quiz("1001", turn=2))  # sent, then the turn was replayed:
    state.remember_poll("again", quiz("1001", turn=3))  # the same question in a new poll
    state.remember_poll("older", quiz("1001", turn=1, question_id="statistics.bayes"))
    assert state.still_asked(state.poll("again"))
    assert state.still_asked(state.poll("first"))
    assert not state.still_asked(state.poll("older"))
    state.next_turn("1001")  # the candidate typed something: no poll in the latest turn
    assert not state.still_asked(state.poll("first"))
    assert not state.still_asked(state.poll("again"))


def test_polls_are_capped_per_user_and_known_across_users():
    mine, theirs = UserState(), UserState()
    theirs.remember_poll("theirs", quiz("1002"))
    for n in range(state_module.POLLS_PER_USER + 1):
        mine.remember_poll(f"p{n}", quiz("1001", n))
    assert mine.poll("p0") is None
    assert mine.poll("p1").turn == 1
    assert mine.poll("theirs") is None
    assert known_poll([mine, theirs], "theirs") and known_poll([mine, theirs], "p1")
    assert not known_poll([mine, theirs], "p0")


def test_turns_count_per_sender():
    state = UserState()
    assert [state.next_turn("1001"), state.next_turn("1001"), state.next_turn(f"{GROUP}:1001")] == [1, 2, 1]
    assert state.turn("1001") == 2 and state.turn("-100600:1001") == 0


def remembered(state: UserState, sender: str) -> None:
    state.next_turn(sender)
    state.mark_seen(sender, f"msg:{sender}:1")
    state.remember_keyboard(sender, 7, 1, ["B"])
    state.remember_poll(f"poll-{sender}", quiz(sender))


def senders(state: UserState) -> set[str]:
    polls = {poll.sender for poll in state.polls.values()}
    assert set(state.turns) == set(state.seen) == set(state.keyboards) == polls
    return polls


def test_forgetting_from_the_private_chat_drops_the_user_in_groups_too():
    state = UserState()
    for sender in ["1001", f"{GROUP}:1001", "-100600:1001"]:
        remembered(state, sender)
    state.forget("1001")
    assert state.empty() and state == UserState()


def test_forgetting_in_a_group_drops_only_that_conversation():
    state = UserState()
    for sender in ["1001", f"{GROUP}:1001", "-100600:1001"]:
        remembered(state, sender)
    state.forget(f"{GROUP}:1001")
    assert senders(state) == {"1001", "-100600:1001"}


def test_a_dropped_keyboard_answers_for_none_of_its_buttons_and_others_stay():
    state = UserState()
    state.remember_keyboard("1001", 40, 3, ["B", "/show_progress"])
    state.remember_keyboard("1001", 41, 3, ["Skip"])
    state.drop_keyboard("1001", 40)
    state.drop_keyboard(f"{GROUP}:1001", 40)  # nothing there: nothing happens
    assert state.payload("1001", 40, 3, 0) is None and state.payload("1001", 40, 3, 1) is None
    assert state.payload("1001", 41, 3, 0) == "Skip"


# -- the state store ---------------------------------------------------------------------------
def busy_state(user: int = 1001) -> UserState:
    state = UserState()
    remembered(state, str(user))
    remembered(state, f"{GROUP}:{user}")
    return state


async def loaded(path: Path) -> dict[int, UserState]:
    store = StateStore(path)
    try:
        return await store.get_user_data()
    finally:
        await store.flush()


def row(path: Path, user_id: int) -> bytes | None:
    with sqlite3.connect(path) as db:
        found = db.execute("SELECT state FROM users WHERE user_id = ?", (user_id,)).fetchone()
    return found[0] if found else None


async def test_each_user_has_a_row_that_round_trips_and_only_the_owner_can_read_the_file(tmp_path):
    path = tmp_path / "state.db"
    store, states = StateStore(path), {1001: busy_state(1001), 1002: busy_state(1002)}
    for user_id, state in states.items():
        await store.update_user_data(user_id, copy.deepcopy(state))  # as the application hands it over
    await store.flush()
    assert await loaded(path) == states
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["state.db"]  # closed: no WAL left behind


async def test_a_row_that_did_not_change_is_not_written_again_and_one_that_did_is(tmp_path):
    path = tmp_path / "state.db"
    store = StateStore(path)
    state = busy_state()
    await store.get_user_data()
    await store.update_user_data(1001, copy.deepcopy(state))
    with sqlite3.connect(path) as db:  # a marker: the row is rewritten only if it is written at all
        db.execute("UPDATE users SET state = x'00' WHERE user_id = 1001")
    await store.update_user_data(1001, copy.deepcopy(state))
    assert row(path, 1001) == b"\x00"
    changed = copy.deepcopy(state)
    changed.next_turn("1001")
    await store.update_user_data(1001, changed)
    await store.flush()
    assert await loaded(path) == {1001: changed}


async def test_an_emptied_state_deletes_the_users_row(tmp_path):
    path = tmp_path / "state.db"
    store = StateStore(path)
    await store.update_user_data(1001, busy_state(1001))
    await store.update_user_data(1002, busy_state(1002))
    forgotten = busy_state(1001)
    forgotten.forget("1001")
    await store.update_user_data(1001, forgotten)
    assert row(path, 1001) is None and row(path, 1002) is not None
    await store.drop_user_data(1002)
    assert row(path, 1002) is None


async def test_a_write_that_fails_leaves_the_previous_state_intact(tmp_path):
    path = tmp_path / "state.db"
    store = StateStore(path)
    await store.update_user_data(1001, UserState(turns={"1001": 3}))
    broken = UserState(turns={"1001": 4}, seen={"1001": {"x" * 1_000_000: 0.0}})
    broken.keyboards["1001"] = {1: threading.Lock()}  # type: ignore[dict-item]  # cannot be pickled
    with pytest.raises(TypeError):
        await store.update_user_data(1001, broken)
    await store.flush()
    assert await loaded(path) == {1001: UserState(turns={"1001": 3})}


async def test_a_missing_state_file_starts_empty(tmp_path):
    assert await loaded(tmp_path / "state.db") == {}


async def test_a_row_that_cannot_be_read_is_dropped_and_the_others_load(tmp_path, caplog):
    path = tmp_path / "state.db"
    store, kept = StateStore(path), busy_state(1002)
    await store.update_user_data(1001, busy_state(1001))
    await store.update_user_data(1002, kept)
    await store.flush()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE users SET state = ? WHERE user_id = 1001", (pickle.dumps(os.getcwd)[:-3],))
    with caplog.at_level(logging.WARNING, logger="bot.state_store"):
        assert await loaded(path) == {1002: kept}
    assert "state of user 1001 could not be read" in caplog.text
    assert row(path, 1001) is None


class Boom:
    """Pickled, names a callable outside the channel's state: reading it must not call it."""

    def __reduce__(self):
        return (os.remove, ("this file does not exist",))


def pickled_state_file(bot_data: object) -> bytes:
    return pickle.dumps({"bot_data": bot_data, "user_data": {}, "chat_data": {}, "conversations": {}})


@pytest.mark.parametrize("content", [
    b"not a pickle nor a database", os.urandom(4096), pickle.dumps({"turns": {}})[:-5], pickle.dumps([1, 2]),
    pickled_state_file([1, 2]), pickled_state_file(Boom()),
])
async def test_an_unreadable_state_file_is_set_aside_and_the_state_starts_empty(tmp_path, caplog, content):
    path = tmp_path / "state.db"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="bot.state_store"):
        assert await loaded(path) == {}
    [aside] = [p for p in tmp_path.iterdir() if p.name.startswith("state.db.corrupt-")]
    assert aside.read_bytes() == content
    assert aside.name[len("state.db.corrupt-"):].endswith("Z")
    assert "state.db.corrupt-" in caplog.text
    assert await loaded(path) == {}  # a fresh database is in its place now
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.db", aside.name]


# -- state kept by older channels ----------------------------------------------------------------
def expected_from_old_file() -> dict[int, UserState]:
    """What the fixture's channel remembered, per user (the seen keys' times are left out)."""
    return {
        1001: UserState(
            turns={"1001": 2, f"{GROUP}:1001": 1},
            seen={"1001": {"msg:1001:7": 0.0}, f"{GROUP}:1001": {f"msg:{GROUP}:3": 0.0}},
            keyboards={"1001": {40: SentKeyboard(2, ("B", "/show_progress"))}},
            polls={"poll-1": SentQuiz("1001", 1001, "private", 2, "statistics.p_value", ("A", "B"), 1001, 42)},
        ),
        1002: UserState(turns={"1002": 1}, keyboards={"1002": {41: SentKeyboard(1, ("Skip",))}}),
    }


def without_times(states: dict[int, UserState]) -> dict[int, UserState]:
    for state in states.values():
        state.seen = {sender: dict.fromkeys(keys, 0.0) for sender, keys in state.seen.items()}
    return states


async def test_the_pickle_file_beside_the_database_is_imported_once_per_user(tmp_path):
    shutil.copy(OLD_STATE_FILE, tmp_path / "state.pickle")
    assert without_times(await loaded(tmp_path / "state.db")) == expected_from_old_file()
    assert sorted(os.listdir(tmp_path)) == ["state.db", "state.pickle.imported"]
    assert without_times(await loaded(tmp_path / "state.db")) == expected_from_old_file()  # from the database now


async def test_a_state_file_that_is_an_older_channels_pickle_is_imported_in_place(tmp_path):
    path = tmp_path / "telegram-state.pickle"  # TELEGRAM_STATE_FILE as an older channel was configured
    shutil.copy(OLD_STATE_FILE, path)
    assert without_times(await loaded(path)) == expected_from_old_file()
    assert sorted(os.listdir(tmp_path)) == ["telegram-state.pickle", "telegram-state.pickle.imported"]
    assert path.read_bytes().startswith(b"SQLite format 3\x00")


def layout_2_dict() -> dict:
    """bot_data as the channel kept it in a dict (state files written until LAYOUT 2)."""
    return {
        "layout": 2,
        "turns": {"1001": 4, f"{GROUP}:1002": 1},
        "seen": {"1001": {"msg:1001:7": 1.5}},
        "keyboards": {"1001": {40: {"turn": 4, "payloads": ["B", "/show_progress"]}}},
        "polls": {1001: {"poll-1": {"sender": "1001", "chat_id": 1001, "chat_type": "private", "turn": 4,
                                    "question_id": "statistics.p_value", "payloads": ["A", "B"]}}},
    }


def test_state_of_the_dict_layout_carries_over_whole_to_its_users():
    states = split_per_user(layout_2_dict())
    assert states == {
        1001: UserState(
            turns={"1001": 4}, seen={"1001": {"msg:1001:7": 1.5}},
            keyboards={"1001": {40: SentKeyboard(4, ("B", "/show_progress"))}},
            polls={"poll-1": SentQuiz("1001", 1001, "private", 4, "statistics.p_value", ("A", "B"))},
        ),
        1002: UserState(turns={f"{GROUP}:1002": 1}),
    }
    assert states[1001].still_asked(states[1001].poll("poll-1"))
    assert states[1001].poll("poll-1").message_id is None  # not known then: that poll is never stopped


def test_state_of_the_oldest_layout_keeps_only_the_turns():
    """Before the layout had a number, "seen" and "polls" were one table for all senders."""
    data = {"turns": {"1001": 4}, "seen": {"msg:1001:1": 1.0}, "polls": {"abc": {"sender": "1001", "turn": 4}}}
    assert split_per_user(data) == {1001: UserState(turns={"1001": 4})}


def test_splitting_refuses_anything_but_the_channels_old_state():
    assert split_per_user(ChannelData(turns={"1001": 2})) == {1001: UserState(turns={"1001": 2})}
    with pytest.raises(TypeError):
        split_per_user([1, 2])


async def test_a_quiz_kept_with_python_telegram_bots_chat_type_is_read_back_as_a_plain_str(tmp_path):
    """Channels before 2026-12-02 pickled the chat type as telegram's ChatType enum, which the
    restricted unpickler refused: after any restart every user with a quiz started afresh."""
    from telegram.constants import ChatType

    path = tmp_path / "state.db"
    quiz = SentQuiz("1001", 1001, ChatType.PRIVATE, 3, "statistics.p_value", ("A", "B"))
    store = StateStore(path)
    await store.update_user_data(1001, UserState(turns={"1001": 3}, polls={"p-1": quiz}))
    await store.flush()
    read = (await loaded(path))[1001].polls["p-1"]
    assert read.chat_type == "private" and type(read.chat_type) is str
