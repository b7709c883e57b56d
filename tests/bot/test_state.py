"""What the Telegram channel remembers (bot/state.py): capped per sender or user, forgotten on
request, and kept in a file that survives a crash mid-write and a file it cannot read, and
that still loads when an older channel wrote it."""
from __future__ import annotations

import copy
import logging
import os
import pickle
import stat
import threading

import pytest
from telegram import Bot

from bot import state as state_module
from bot.state import ChannelData, SentKeyboard, SentQuiz, StateFile, upgrade

GROUP = -100500


def quiz(sender: str, turn: int = 1, question_id: str = "statistics.p_value") -> SentQuiz:
    chat_id = int(sender.split(":")[0])
    return SentQuiz(sender, chat_id, "private", turn, question_id, ("A", "B"), message_chat_id=chat_id, message_id=turn)


def test_a_sender_finds_only_the_buttons_they_were_sent():
    state = ChannelData()
    state.remember_keyboard("1001", 40, 3, ["B", "/show_progress"])
    assert state.payload("1001", 40, 3, 1) == "/show_progress"
    assert state.payload("1002", 40, 3, 1) is None  # another sender, same message id and turn
    assert state.payload("1001", 41, 3, 1) is None  # another message
    assert state.payload("1001", 40, 2, 1) is None  # the turn the data names is not the one it was sent in
    assert state.payload("1001", 40, 3, 2) is None  # no such button
    assert state.payload("1001", 40, 3, -1) is None


def test_a_busy_sender_evicts_only_their_own_keyboards():
    state = ChannelData()
    state.remember_keyboard("1002", 1, 1, ["B"])
    for message_id in range(1, state_module.KEYBOARDS_PER_SENDER + 2):
        state.remember_keyboard("1001", message_id, message_id, ["B"])
    assert state.payload("1001", 1, 1, 0) is None
    assert state.payload("1001", 2, 2, 0) == "B"
    assert state.payload("1002", 1, 1, 0) == "B"


def test_seen_keys_are_capped_per_sender():
    state = ChannelData()
    state.mark_seen("1002", "msg:1002:1")
    for n in range(state_module.SEEN_PER_SENDER + 1):
        state.mark_seen("1001", f"msg:1001:{n}")
    assert not state.seen_before("1001", "msg:1001:0")
    assert state.seen_before("1001", "msg:1001:1")
    assert len(state.seen["1001"]) == state_module.SEEN_PER_SENDER
    assert state.seen_before("1002", "msg:1002:1")
    state.unmark_seen("1002", "msg:1002:1")
    assert not state.seen_before("1002", "msg:1002:1")


def test_a_poll_is_still_asked_in_its_turn_or_while_the_latest_turn_asks_its_question_again():
    state = ChannelData()
    for _ in range(3):
        state.next_turn("1001")
    state.remember_poll(1001, "first", quiz("1001", turn=2))  # sent, then the turn was replayed:
    state.remember_poll(1001, "again", quiz("1001", turn=3))  # the same question in a new poll
    state.remember_poll(1001, "older", quiz("1001", turn=1, question_id="statistics.bayes"))
    assert state.still_asked(1001, state.poll(1001, "again"))
    assert state.still_asked(1001, state.poll(1001, "first"))
    assert not state.still_asked(1001, state.poll(1001, "older"))
    state.next_turn("1001")  # the candidate typed something: no poll in the latest turn
    assert not state.still_asked(1001, state.poll(1001, "first"))
    assert not state.still_asked(1001, state.poll(1001, "again"))


def test_polls_are_found_only_under_their_owner_and_capped_per_owner():
    state = ChannelData()
    state.remember_poll(1002, "theirs", quiz("1002"))
    for n in range(state_module.POLLS_PER_USER + 1):
        state.remember_poll(1001, f"p{n}", quiz("1001", n))
    assert state.poll(1001, "p0") is None
    assert state.poll(1001, "p1").turn == 1
    assert state.poll(1001, "theirs") is None
    assert state.poll(1002, "theirs") is not None


def test_turns_count_per_sender():
    state = ChannelData()
    assert [state.next_turn("1001"), state.next_turn("1001"), state.next_turn("1002")] == [1, 2, 1]
    assert state.turn("1001") == 2 and state.turn("1003") == 0


def remembered(state: ChannelData, sender: str, user: int) -> None:
    state.next_turn(sender)
    state.mark_seen(sender, f"msg:{sender}:1")
    state.remember_keyboard(sender, 7, 1, ["B"])
    state.remember_poll(user, f"poll-{sender}", quiz(sender))


def senders(state: ChannelData) -> set[str]:
    polls = {poll.sender for by_user in state.polls.values() for poll in by_user.values()}
    assert set(state.turns) == set(state.seen) == set(state.keyboards) == polls
    return polls


def test_forgetting_from_the_private_chat_drops_the_user_in_groups_too_and_nobody_else():
    state = ChannelData()
    for sender, user in [("1001", 1001), (f"{GROUP}:1001", 1001), ("-100600:1001", 1001),
                         ("1002", 1002), (f"{GROUP}:1002", 1002), (f"{GROUP}:21001", 21001)]:
        remembered(state, sender, user)
    state.forget("1001", 1001)
    assert senders(state) == {"1002", f"{GROUP}:1002", f"{GROUP}:21001"}
    assert 1001 not in state.polls


def test_forgetting_in_a_group_drops_only_that_conversation():
    state = ChannelData()
    for sender in ["1001", f"{GROUP}:1001", "-100600:1001"]:
        remembered(state, sender, 1001)
    state.forget(f"{GROUP}:1001", 1001)
    assert senders(state) == {"1001", "-100600:1001"}


def test_a_dropped_keyboard_answers_for_none_of_its_buttons_and_others_stay():
    state = ChannelData()
    state.remember_keyboard("1001", 40, 3, ["B", "/show_progress"])
    state.remember_keyboard("1001", 41, 3, ["Skip"])
    state.drop_keyboard("1001", 40)
    state.drop_keyboard("1002", 40)  # nothing of theirs: nothing happens
    assert state.payload("1001", 40, 3, 0) is None and state.payload("1001", 40, 3, 1) is None
    assert state.payload("1001", 41, 3, 0) == "Skip"


# -- state written by older channels ----------------------------------------------------------
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


def test_state_of_the_dict_layout_carries_over_whole():
    state = upgrade(layout_2_dict())
    assert state == ChannelData(
        turns={"1001": 4, f"{GROUP}:1002": 1},
        seen={"1001": {"msg:1001:7": 1.5}},
        keyboards={"1001": {40: SentKeyboard(4, ("B", "/show_progress"))}},
        polls={1001: {"poll-1": SentQuiz("1001", 1001, "private", 4, "statistics.p_value", ("A", "B"))}},
    )
    assert state.payload("1001", 40, 4, 1) == "/show_progress"
    assert state.still_asked(1001, state.poll(1001, "poll-1"))
    assert state.poll(1001, "poll-1").message_id is None  # not known then: that poll is never stopped


def test_state_of_the_oldest_layout_keeps_only_the_turns():
    """Before the layout had a number, "seen" and "polls" were one table for all senders."""
    data = {"turns": {"1001": 4}, "seen": {"msg:1001:1": 1.0}, "polls": {"abc": {"sender": "1001", "turn": 4}}}
    assert upgrade(data) == ChannelData(turns={"1001": 4})


def test_upgrading_keeps_current_state_and_refuses_anything_else():
    state = ChannelData(turns={"1001": 2})
    assert upgrade(state) is state
    with pytest.raises(TypeError):
        upgrade([1, 2])


# -- the state file -------------------------------------------------------------------------
def state_file(path) -> StateFile:
    persistence = StateFile(path)
    persistence.set_bot(Bot("123456:TEST-TOKEN"))
    return persistence


async def saved(path, data: ChannelData) -> None:
    await state_file(path).update_bot_data(data)


async def loaded(path) -> ChannelData:
    return await state_file(path).get_bot_data()


def busy_state() -> ChannelData:
    state = ChannelData()
    remembered(state, "1001", 1001)
    remembered(state, f"{GROUP}:1001", 1001)
    return state


async def test_the_state_file_round_trips_and_only_its_owner_can_read_it(tmp_path):
    path, state = tmp_path / "state.pickle", busy_state()
    await saved(path, state)
    assert await loaded(path) == state
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["state.pickle"]


async def test_state_that_did_not_change_is_not_written_again(tmp_path):
    path, state = tmp_path / "state.pickle", busy_state()
    persistence = state_file(path)
    await persistence.update_bot_data(copy.deepcopy(state))  # what the application hands over
    path.unlink()
    await persistence.update_bot_data(copy.deepcopy(state))
    assert not path.exists()


async def test_a_state_file_written_by_the_dict_layout_channel_loads(tmp_path):
    path = tmp_path / "state.pickle"
    with path.open("wb") as file:  # what PicklePersistence wrote for that channel
        pickle.dump({"bot_data": layout_2_dict(), "user_data": {}, "chat_data": {}, "conversations": {},
                     "callback_data": None}, file)
    state = await loaded(path)
    assert state == upgrade(layout_2_dict())
    assert os.listdir(tmp_path) == ["state.pickle"]  # read, not set aside


async def test_a_missing_state_file_starts_empty(tmp_path):
    assert await loaded(tmp_path / "state.pickle") == ChannelData()


async def test_a_write_that_fails_midway_leaves_the_previous_state_intact(tmp_path):
    path = tmp_path / "state.pickle"
    await saved(path, ChannelData(turns={"1001": 3}))
    # a megabyte is written before the lock, which cannot be pickled, stops the writer
    broken = ChannelData(turns={"1001": 4}, seen={"1001": {"x" * 1_000_000: 0.0}})
    broken.keyboards["1001"] = {1: threading.Lock()}  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        await saved(path, broken)
    assert await loaded(path) == ChannelData(turns={"1001": 3})
    assert os.listdir(tmp_path) == ["state.pickle"]


def pickled_state_file(bot_data: object) -> bytes:
    return pickle.dumps({"bot_data": bot_data, "user_data": {}, "chat_data": {}, "conversations": {}})


@pytest.mark.parametrize("content", [
    b"not a pickle at all", pickle.dumps({"turns": {}})[:-5], pickle.dumps([1, 2]), pickled_state_file([1, 2]),
])
async def test_an_unreadable_state_file_is_set_aside_and_the_state_starts_empty(tmp_path, caplog, content):
    path = tmp_path / "state.pickle"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="bot.state"):
        assert await loaded(path) == ChannelData()
    [aside] = [p for p in tmp_path.iterdir() if p.name.startswith("state.pickle.corrupt-")]
    assert aside.read_bytes() == content
    assert aside.name[len("state.pickle.corrupt-"):].endswith("Z")
    assert not path.exists()
    assert "state.pickle.corrupt-" in caplog.text
