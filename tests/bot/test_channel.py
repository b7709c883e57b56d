"""The Telegram channel in-process: the real python-telegram-bot client against the fake Bot
API server, relaying to a scripted stand-in for Rasa's REST channel (the real assistant is
in tests/system/test_telegram_e2e.py). Checks relaying, rendering, bad input and faults."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application

from bot import channel as channel_module
from bot.channel import build_application
from bot.inbox import Inbox
from bot.reminders import REVIEW_CALLBACK
from bot.settings import Settings
from bot.state import SentQuiz, UserState
from bot.state_store import StateStore
from coach.contract import REQUEST_METADATA
from testkit.fake_telegram import BOT, TOKEN, FakeTelegram, candidate
from testkit.ports import free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")  # the loop of the module fixture below

GIVE_UP_S = 7.0
QUIZ = {"type": "quiz", "question_id": "model_evaluation.imbalanced_metric",
        "question": "Which metric suits imbalanced classes?", "options": ["Accuracy", "F1", "MSE"], "correct_option_id": 1,
        "explanation": "F1 balances precision and recall.", "answer_payloads": ["A", "B", "C"]}
CHART = {"type": "progress_chart", "title": "Mastery per skill (0-100)",
         "skills": [{"id": "statistics", "name": "Statistics", "mastery": 40, "attempts": 2}]}


@dataclass
class FakeRasa:
    """Rasa's REST channel, scripted: replies depend on the message; can be down or slow."""

    received: list[dict[str, Any]] = field(default_factory=list)
    down_until: float = 0.0
    port: int = 0
    in_flight: dict[str, int] = field(default_factory=dict)  # per sender, now
    most_in_flight: dict[str, int] = field(default_factory=dict)  # per sender, ever

    def reply(self, message: str) -> list[dict[str, Any]]:
        if message == "buttons":
            return [{"text": "Pick one", "buttons": [{"title": "B", "payload": "B"},
                                                     {"title": "My progress", "payload": "/show_progress"}]}]
        if message == "quiz":
            return [{"custom": QUIZ}, {"text": "Your choice?", "buttons": [{"title": "Skip", "payload": "Skip"}]}]
        if message == "/show_progress":
            return [{"text": "Your progress"}, {"custom": CHART}]
        if message == "/export_data":
            return [{"text": "Here it is"}, {"custom": {"type": "data_export", "filename": "mine.json",
                                                        "data": {"attempts": [1, 2]}}}]
        if message == "long":
            return [{"text": "\n\n".join(f"Paragraph {i}. " + "word " * 150 for i in range(12))}]
        if message == "nothing":
            return []
        if message == "forget me":
            return [{"text": "Done: deleted."}, {"custom": {"type": "data_deleted"}}]
        if message.startswith("party"):
            return [{"custom": {"type": "confetti", "for": message}}, {"text": "Party!"}]
        return [{"text": f"you said: {message}"}]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if time.monotonic() < self.down_until:
            return web.json_response({"error": "the action server is unavailable"}, status=503)
        self.received.append(body)
        sender = body["sender"]
        self.in_flight[sender] = self.in_flight.get(sender, 0) + 1
        self.most_in_flight[sender] = max(self.most_in_flight.get(sender, 0), self.in_flight[sender])
        try:
            if body["message"].startswith("slow"):
                await asyncio.sleep(float(body["message"].split()[1]))
        finally:
            self.in_flight[sender] -= 1
        return web.json_response([{"recipient_id": body["sender"], **m} for m in self.reply(body["message"])])

    def messages(self, sender: int | str) -> list[str]:
        return [r["message"] for r in self.received if r["sender"] == str(sender)]


@dataclass
class Harness:
    telegram: FakeTelegram
    rasa: FakeRasa
    application: Application

    def state(self, user) -> UserState:
        """What the channel remembers of `user`."""
        return self.application.user_data[user.id]

    async def say(self, user, text: str, **kwargs: Any):
        mark = len(self.telegram.outbox)
        update = self.telegram.send_text(user, text, **kwargs)
        chat_id = kwargs["chat"].id if kwargs.get("chat") else user.id
        return update, await self.telegram.replies(chat_id, mark, quiet_s=0.5)


@pytest.fixture(scope="module")
async def harness(tmp_path_factory) -> AsyncIterator[Harness]:
    telegram, rasa = FakeTelegram(), FakeRasa()
    await telegram.start()
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", rasa.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rasa.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    settings = Settings(token=telegram.token, api_base_url=telegram.base_url, rasa_url=f"http://127.0.0.1:{rasa.port}",
                        rasa_token="test-rest-token",
                        state_file=tmp_path_factory.mktemp("bot") / "state.db", rasa_give_up_s=GIVE_UP_S)
    application = build_application(settings, store=None)
    await application.initialize()
    await application.post_init(application)
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    yield Harness(telegram, rasa, application)
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    await runner.cleanup()
    await telegram.stop()


async def test_the_commands_are_registered_with_telegram(harness):
    assert [c["command"] for c in harness.telegram.commands] == [
        "start", "help", "drill", "interview", "progress", "faq", "stop", "remind", "add", "myquestions", "export",
        "deletedata"]


async def test_a_text_goes_to_the_assistant_with_the_chat_as_sender_and_metadata(harness):
    user = candidate(1, language="de")
    update, replies = await harness.say(user, "what does an ML engineer earn?")
    [request] = [r for r in harness.rasa.received if r["sender"] == str(user.id)]
    assert request["message"] == "what does an ML engineer earn?"
    assert request["metadata"] == {"message_id": f"msg:{user.id}:{update.message.message_id}",
                                   "name": "Candidate1 Test", "language": "de", "chat_type": "private"}
    assert [r.text for r in replies] == ["you said: what does an ML engineer earn?"]


async def test_typing_shows_only_while_a_reply_takes_longer_than_a_second(harness):
    def typing_to(user) -> int:
        return sum(c[0] == "sendChatAction" and c[1]["action"] == "typing" and c[1]["chat_id"] == user.id
                   for c in harness.telegram.calls)

    quick, slow = candidate(54), candidate(55)
    await harness.say(quick, "hello")
    await harness.say(slow, "slow 2")
    assert typing_to(quick) == 0 and typing_to(slow) >= 1


class CancellationLosingBot:
    """A bot whose chat action, cancelled on its way, carries on as if it had not been: what
    python-telegram-bot's HTTP stack did to 5 of 400 chat actions cancelled mid-request
    (measured against the fake Bot API server)."""

    def __init__(self) -> None:
        self.actions: list[str] = []

    async def send_chat_action(self, chat_id: int, action: str) -> None:
        self.actions.append(action)
        try:
            await asyncio.sleep(0.2)
        except asyncio.CancelledError:
            pass


async def test_a_turn_ends_though_its_typing_notice_lost_a_cancellation(monkeypatch):
    """The answer comes while the first "typing…" is on its way: the turn goes on to its
    replies, and no "typing…" follows them."""
    monkeypatch.setattr(channel_module, "TYPING_AFTER_S", 0.0)
    bot = CancellationLosingBot()
    channel = channel_module.Channel(channel_module.RasaClient("http://127.0.0.1:9", "token"), give_up_after_s=1)

    async def turn() -> None:
        async with channel._typing(SimpleNamespace(bot=bot), chat_id=1001):  # type: ignore[arg-type]
            await asyncio.sleep(0.05)

    try:
        started = time.monotonic()
        await asyncio.wait_for(turn(), timeout=6)  # (Python 3.10's wait_for may return, not raise, on time-out)
        assert time.monotonic() - started < 1.0  # the chat action's 0.2 s, not the next one's 4.5
        await asyncio.sleep(0.3)
        assert bot.actions == ["typing"]
    finally:
        await channel.rasa.close()


async def test_commands_send_the_bots_own_payloads(harness):
    user = candidate(2)
    for command, expected in [("/start", "/greet"), ("/drill", "/start_drill"),
                              ("/drill data_preprocessing", "ask me interview questions about data preprocessing"),
                              ("/drill knitting", "ask me interview questions about knitting"), ("/stop", "stop"),
                              (f"/help@{BOT.username}", "/help"), ("/deletedata", "/delete_data")]:
        await harness.say(user, command)
        assert harness.rasa.messages(user.id)[-1] == expected
        # a request made with a command is never an answer to a drill question; /stop may be one
        assert harness.rasa.received[-1]["metadata"].get(REQUEST_METADATA) is (None if command == "/stop" else True)


async def test_faq_without_a_question_lists_the_topics_without_asking_the_assistant(harness):
    user = candidate(3)
    _, replies = await harness.say(user, "/faq")
    assert "Salary, job demand and market size figures" in replies[0].text
    assert harness.rasa.messages(user.id) == []


async def test_typed_intent_syntax_reaches_the_assistant_as_plain_words(harness):
    user = candidate(4)
    await harness.say(user, '/delete_data{"skill": "x"}')
    await harness.say(user, "/")
    assert harness.rasa.messages(user.id) == ['delete_data{"skill": "x"}']
    assert harness.telegram.outbox[-1].text == channel_module.EMPTY


async def test_a_long_reply_is_split_under_telegrams_limit(harness):
    _, replies = await harness.say(candidate(5), "long")
    assert len(replies) >= 2
    assert all(len(r.text) <= 4096 for r in replies)
    assert replies[0].text.startswith("Paragraph 0.") and replies[-1].text.rstrip().endswith("word")


async def test_a_button_tap_is_relayed_once_and_its_spinner_stopped(harness):
    user = candidate(6)
    _, [prompt] = await harness.say(user, "buttons")
    mark = len(harness.telegram.outbox)
    press = harness.telegram.press(user, prompt, "B")
    replies = await harness.telegram.replies(user.id, mark, quiet_s=0.5)
    assert [r.text for r in replies] == ["you said: B"]
    answered = [c[1] for c in harness.telegram.calls if c[0] == "answerCallbackQuery"]
    assert {"callback_query_id": press.callback_query.id} in answered


async def test_an_answer_button_from_an_earlier_question_is_refused_but_intent_buttons_work(harness):
    user = candidate(7)
    _, [prompt] = await harness.say(user, "buttons")
    await harness.say(user, "next question please")
    stale = harness.telegram.press(user, prompt, "B")
    await harness.telegram.wait_for(lambda: any(
        c[0] == "answerCallbackQuery" and c[1]["callback_query_id"] == stale.callback_query.id
        for c in harness.telegram.calls))
    mark = len(harness.telegram.outbox)
    harness.telegram.press(user, prompt, "My progress")
    await harness.telegram.replies(user.id, mark, quiet_s=0.5)
    refusal = next(c[1] for c in harness.telegram.calls if c[0] == "answerCallbackQuery"
                   and c[1]["callback_query_id"] == stale.callback_query.id)
    assert refusal["text"] == channel_module.OLD_BUTTON
    assert harness.rasa.messages(user.id) == ["buttons", "next question please", "/show_progress"]


async def test_a_used_answer_keyboard_is_taken_off_its_message_and_a_second_tap_has_expired(harness):
    user = candidate(47)
    _, [prompt] = await harness.say(user, "buttons")
    mark = len(harness.telegram.outbox)
    harness.telegram.press(user, prompt, "B")
    assert [r.text for r in await harness.telegram.replies(user.id, mark, quiet_s=0.5)] == ["you said: B"]
    await harness.telegram.wait_for(lambda: harness.telegram.current(prompt).reply_markup is None)
    assert harness.telegram.current(prompt).text == "Pick one"
    # a second tap, from an app still showing the keyboard: every button of it has expired
    for title in ("B", "My progress"):
        tap = harness.telegram.press_data(user, prompt, prompt.buttons[title])
        assert (await answered(harness, tap)).get("text") == channel_module.EXPIRED_BUTTON
    assert harness.rasa.messages(user.id) == ["buttons", "B"]


async def test_a_menu_button_leaves_its_keyboard_for_another_tap(harness):
    user = candidate(48)
    _, [prompt] = await harness.say(user, "buttons")
    for _ in range(2):
        mark = len(harness.telegram.outbox)
        harness.telegram.press(user, prompt, "My progress")
        await harness.telegram.replies(user.id, mark, quiet_s=0.5)
    assert harness.rasa.messages(user.id) == ["buttons", "/show_progress", "/show_progress"]
    assert harness.telegram.current(prompt).reply_markup == prompt.message.reply_markup
    assert not [c for c in harness.telegram.calls if c[0] == "editMessageReplyMarkup" and c[1]["chat_id"] == user.id]


async def test_a_tap_still_counts_when_its_keyboard_cannot_be_taken_off(harness, caplog):
    user = candidate(49)
    _, [prompt] = await harness.say(user, "buttons")
    harness.telegram.fail(500, ["editMessageReplyMarkup"], times=1)
    mark = len(harness.telegram.outbox)
    with caplog.at_level(logging.WARNING, logger="bot.channel"):
        harness.telegram.press(user, prompt, "B")
        assert [r.text for r in await harness.telegram.replies(user.id, mark, quiet_s=0.5)] == ["you said: B"]
    assert "could not remove the keyboard" in caplog.text
    assert harness.telegram.current(prompt).reply_markup is not None  # still shown, yet used:
    tap = harness.telegram.press(user, prompt, "B")
    assert (await answered(harness, tap)).get("text") == channel_module.EXPIRED_BUTTON
    assert harness.rasa.messages(user.id) == ["buttons", "B"]


async def test_forged_callback_data_is_refused_and_never_relayed(harness):
    user = candidate(8)
    _, [prompt] = await harness.say(user, "buttons")
    forged = harness.telegram.press_data(user, prompt, '/delete_data')
    await harness.telegram.wait_for(lambda: any(
        c[0] == "answerCallbackQuery" and c[1]["callback_query_id"] == forged.callback_query.id
        for c in harness.telegram.calls))
    await asyncio.sleep(0.3)
    assert harness.rasa.messages(user.id) == ["buttons"]


async def test_a_reminders_button_starts_the_pressers_reviews_in_their_private_chat_only(harness):
    user, other = candidate(90), candidate(91)
    _, [prompt] = await harness.say(user, "buttons")
    mark = len(harness.telegram.outbox)
    harness.telegram.press_data(user, prompt, REVIEW_CALLBACK)
    [started] = await harness.telegram.replies(user.id, mark, quiet_s=0.5)
    assert started.text == 'you said: /start_drill{"drill_mode": "review"}'
    group = harness.telegram.group_chat()
    _, [in_group] = await harness.say(other, f"@{harness.application.bot.username} buttons", chat=group)
    tap = harness.telegram.press_data(other, in_group, REVIEW_CALLBACK)
    await harness.telegram.wait_for(lambda: any(
        c[0] == "answerCallbackQuery" and c[1]["callback_query_id"] == tap.callback_query.id
        for c in harness.telegram.calls))
    await asyncio.sleep(0.3)
    theirs = {str(user.id), str(other.id), f"{group.id}:{other.id}"}
    assert [r["sender"] for r in harness.rasa.received
            if r["sender"] in theirs and r["message"].startswith("/start_drill")] == [str(user.id)]


async def test_a_quiz_becomes_a_telegram_quiz_poll_and_the_vote_is_the_answer(harness):
    user = candidate(9)
    _, replies = await harness.say(user, "quiz")
    poll = next(r for r in replies if r.method == "sendPoll")
    assert poll.params["type"] == "quiz" and poll.params["is_anonymous"] is False
    assert [o["text"] for o in poll.params["options"]] == ["A. Accuracy", "B. F1", "C. MSE"]
    assert poll.params["correct_option_ids"] == [1]
    mark = len(harness.telegram.outbox)
    harness.telegram.answer_poll(user, poll, 1)
    assert [r.text for r in await harness.telegram.replies(user.id, mark, quiet_s=0.5)] == ["you said: B"]
    request = harness.rasa.received[-1]
    assert request["metadata"]["message_id"] == f"poll:{poll.message.poll.id}:{user.id}"


async def test_a_sent_quiz_is_remembered_with_plain_values_the_state_file_keeps(harness):
    user = candidate(51)
    _, replies = await harness.say(user, "quiz")
    poll = next(r for r in replies if r.method == "sendPoll")
    quiz = harness.state(user).polls[poll.message.poll.id]
    assert quiz.chat_type == "private" and type(quiz.chat_type) is str  # not telegram's ChatType


async def test_an_answered_quiz_poll_is_closed(harness):
    user = candidate(50)
    _, replies = await harness.say(user, "quiz")
    poll = next(r for r in replies if r.method == "sendPoll")
    mark = len(harness.telegram.outbox)
    harness.telegram.answer_poll(user, poll, 1)
    assert [r.text for r in await harness.telegram.replies(user.id, mark, quiet_s=0.5)] == ["you said: B"]
    await harness.telegram.wait_for(lambda: harness.telegram.polls[poll.message.poll.id].is_closed)
    stop = next(c[1] for c in harness.telegram.calls if c[0] == "stopPoll" and c[1]["chat_id"] == user.id)
    assert stop == {"chat_id": user.id, "message_id": poll.message.message_id}
    with pytest.raises(LookupError):  # closed: Telegram takes no more votes on it
        harness.telegram.answer_poll(user, poll, 0)
    assert harness.rasa.messages(user.id) == ["quiz", "B"]


async def test_a_vote_still_counts_when_its_poll_cannot_be_closed(harness, caplog):
    user = candidate(53)
    _, replies = await harness.say(user, "quiz")
    poll = next(r for r in replies if r.method == "sendPoll")
    harness.telegram.fail(500, ["stopPoll"], times=1)
    mark = len(harness.telegram.outbox)
    with caplog.at_level(logging.WARNING, logger="bot.channel"):
        harness.telegram.answer_poll(user, poll, 1)
        assert [r.text for r in await harness.telegram.replies(user.id, mark, quiet_s=0.5)] == ["you said: B"]
        await harness.telegram.wait_for(lambda: "could not stop poll" in caplog.text)
    assert not harness.telegram.polls[poll.message.poll.id].is_closed
    assert harness.rasa.messages(user.id) == ["quiz", "B"]


async def test_the_fake_server_stops_only_the_bots_own_open_polls_and_edits_only_real_changes(harness):
    """As Telegram does: the channel's failures to tidy up are tested against these answers."""
    user, bot = candidate(51), harness.application.bot
    update, [plain] = await harness.say(user, "hello")
    _, replies = await harness.say(user, "quiz")
    poll = next(r for r in replies if r.method == "sendPoll")
    closed = await bot.stop_poll(user.id, poll.message.message_id)
    assert closed.id == poll.message.poll.id and closed.is_closed
    assert harness.telegram.current(poll).poll.is_closed
    with pytest.raises(BadRequest, match="Poll has already been closed"):
        await bot.stop_poll(user.id, poll.message.message_id)
    with pytest.raises(BadRequest, match="Poll can't be stopped"):  # the candidate's own message
        await bot.stop_poll(user.id, update.message.message_id)
    with pytest.raises(BadRequest, match="Message is not a poll"):
        await bot.stop_poll(user.id, plain.message.message_id)
    with pytest.raises(BadRequest, match="Message with poll to stop not found"):
        await bot.stop_poll(user.id, 10**9)
    with pytest.raises(BadRequest, match="Message is not modified"):  # it has no keyboard to take off
        await bot.edit_message_reply_markup(user.id, plain.message.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_reply_markup(user.id, update.message.message_id, reply_markup=None)


async def test_a_vote_on_an_earlier_quiz_is_not_counted(harness):
    user = candidate(10)
    _, replies = await harness.say(user, "quiz")
    poll = next(r for r in replies if r.method == "sendPoll")
    await harness.say(user, "C")
    mark = len(harness.telegram.outbox)
    harness.telegram.answer_poll(user, poll, 0)
    [reply] = await harness.telegram.replies(user.id, mark, quiet_s=0.5)
    assert reply.text == channel_module.OLD_POLL
    assert harness.rasa.messages(user.id) == ["quiz", "C"]


async def test_a_vote_on_an_earlier_poll_of_the_question_still_asked_counts(harness):
    """A turn replayed after a crash (or "repeat") sends the pending question as a new poll;
    a vote on the first one is still the answer to it."""
    user = candidate(28)
    _, replies = await harness.say(user, "quiz")
    first = next(r for r in replies if r.method == "sendPoll")
    await harness.say(user, "quiz")
    mark = len(harness.telegram.outbox)
    harness.telegram.answer_poll(user, first, 1)
    assert [r.text for r in await harness.telegram.replies(user.id, mark, quiet_s=0.5)] == ["you said: B"]
    assert harness.rasa.messages(user.id) == ["quiz", "quiz", "B"]


async def test_progress_arrives_as_a_chart_image_and_an_export_as_a_file(harness):
    user = candidate(11)
    _, replies = await harness.say(user, "/progress")
    photo = next(r for r in replies if r.method == "sendPhoto")
    assert photo.upload.startswith(b"\x89PNG") and photo.params["caption"] == CHART["title"]
    _, replies = await harness.say(user, "/export")
    document = next(r for r in replies if r.method == "sendDocument")
    assert document.params["document_filename"] == "mine.json"
    assert b'"attempts"' in document.upload


@pytest.mark.parametrize("send", ["send_sticker", "send_voice"])
async def test_stickers_and_voice_notes_get_a_friendly_answer_and_reach_nobody(harness, send):
    user = candidate(12 if send == "send_sticker" else 13)
    mark = len(harness.telegram.outbox)
    getattr(harness.telegram, send)(user)
    [reply] = await harness.telegram.replies(user.id, mark, quiet_s=0.5)
    assert reply.text == channel_module.UNSUPPORTED
    assert harness.rasa.messages(user.id) == []


async def test_an_edited_message_is_not_taken_as_a_new_answer(harness):
    user = candidate(14)
    update, _ = await harness.say(user, "my first answer")
    mark = len(harness.telegram.outbox)
    harness.telegram.edit_text(update, "my corrected answer")
    [reply] = await harness.telegram.replies(user.id, mark, quiet_s=0.5)
    assert reply.text == channel_module.EDITED
    assert harness.rasa.messages(user.id) == ["my first answer"]


async def test_a_redelivered_update_is_relayed_once(harness):
    user = candidate(15)
    update, _ = await harness.say(user, "my answer")
    harness.telegram.redeliver(update)
    await asyncio.sleep(1.0)
    assert harness.rasa.messages(user.id) == ["my answer"]


async def test_in_a_group_only_messages_for_the_bot_are_answered_each_member_apart(harness):
    group = harness.telegram.group_chat()
    alice, bob = candidate(16), candidate(17)
    harness.telegram.send_text(alice, "chatting with friends", chat=group)
    _, replies = await harness.say(alice, f"@{BOT.username} quiz", chat=group)
    await harness.say(bob, "my own answer", chat=group, reply_to=replies[-1])
    assert harness.rasa.messages(f"{group.id}:{alice.id}") == ["quiz"]
    assert harness.rasa.messages(f"{group.id}:{bob.id}") == ["my own answer"]


async def test_one_users_messages_are_answered_in_order_while_others_go_ahead(harness):
    slow, other = candidate(18), candidate(19)
    harness.telegram.send_text(slow, "slow 1.5")
    harness.telegram.send_text(slow, "second")
    started = time.monotonic()
    await harness.say(other, "meanwhile")
    assert time.monotonic() - started < 1.4
    await harness.telegram.wait_for(lambda: len(harness.rasa.messages(slow.id)) == 2)
    await harness.telegram.replies(slow.id, 0, quiet_s=0.5)
    texts = [s.text for s in harness.telegram.outbox if s.chat_id == slow.id and s.method == "sendMessage"]
    assert texts[-2:] == ["you said: slow 1.5", "you said: second"]


async def test_while_the_assistant_is_down_the_candidate_hears_so_and_the_message_is_answered_later(harness):
    user = candidate(20)
    harness.rasa.down_until = time.monotonic() + 4.5
    mark = len(harness.telegram.outbox)
    harness.telegram.send_text(user, "are you there?")
    await harness.telegram.wait_for(lambda: any(s.text.startswith("you said") for s in harness.telegram.outbox[mark:]
                                                if s.chat_id == user.id), timeout_s=20)
    texts = [s.text for s in harness.telegram.outbox[mark:] if s.chat_id == user.id]
    assert texts == [channel_module.MOMENT, "you said: are you there?"]


async def test_after_a_long_outage_the_candidate_is_asked_to_send_it_again(harness):
    user = candidate(21)
    harness.rasa.down_until = time.monotonic() + GIVE_UP_S + 5
    mark = len(harness.telegram.outbox)
    harness.telegram.send_text(user, "hello?")
    await harness.telegram.wait_for(lambda: any(s.text == channel_module.TROUBLE for s in harness.telegram.outbox[mark:]),
                                    timeout_s=GIVE_UP_S + 5)
    harness.rasa.down_until = 0
    assert harness.rasa.messages(user.id) == []


async def test_an_empty_reply_from_the_assistant_gets_an_apology(harness):
    _, [reply] = await harness.say(candidate(22), "nothing")
    assert reply.text == channel_module.NO_REPLY


async def test_telegram_429_and_500_are_retried_and_the_reply_still_arrives(harness):
    user = candidate(23)
    faults = [harness.telegram.fail(429, ["sendMessage"], retry_after=1, times=1),
              harness.telegram.fail(500, ["sendMessage"], times=1)]
    _, replies = await harness.say(user, "still there?")
    assert [r.text for r in replies] == ["you said: still there?"]
    assert [f.times for f in faults] == [0, 0]  # both happened


async def test_webhook_mode_rejects_requests_without_telegrams_secret(harness, tmp_path):
    port = free_port()
    settings = Settings(token=harness.telegram.token, api_base_url=harness.telegram.base_url,
                        rasa_url=f"http://127.0.0.1:{harness.rasa.port}", rasa_token="test-rest-token",
                        webhook_url="https://coach.example/tg",
                        webhook_secret="s3cret-token", webhook_listen="127.0.0.1", webhook_port=port,
                        state_file=tmp_path / "state.db")
    application = build_application(settings, store=None)
    await application.initialize()
    await application.start()
    await application.updater.start_webhook(listen="127.0.0.1", port=port, url_path=settings.webhook_path,
                                            webhook_url=settings.webhook_url, secret_token=settings.webhook_secret)
    try:
        assert harness.telegram.webhook["url"] == "https://coach.example/tg"
        user = candidate(24)
        update = Update(update_id=999_001, message=harness.telegram._message(user, None, text="via webhook"))
        url = f"http://127.0.0.1:{port}/tg"
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json=update.to_dict())
            wrong = await client.post(url, json=update.to_dict(), headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            accepted = await client.post(url, json=update.to_dict(),
                                         headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
        assert (refused.status_code, wrong.status_code, accepted.status_code) == (403, 403, 200)
        await harness.telegram.wait_for(lambda: harness.rasa.messages(user.id) == ["via webhook"])
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_a_telegram_request_that_times_out_is_retried(harness):
    user = candidate(25)
    # hangs past the client's 5 s timeout, then fails: the message was not sent and must be resent
    harness.telegram.fail(504, ["sendMessage"], delay_s=6.0, times=1)
    mark = len(harness.telegram.outbox)
    harness.telegram.send_text(user, "patchy connection")
    await harness.telegram.wait_for(lambda: [s for s in harness.telegram.outbox[mark:] if s.chat_id == user.id],
                                    timeout_s=30)
    await asyncio.sleep(0.5)
    assert [s.text for s in harness.telegram.outbox[mark:] if s.chat_id == user.id] == ["you said: patchy connection"]


def sent_to(harness: Harness, chat_id: int, since: int = 0) -> list[str]:
    return [s.text for s in harness.telegram.outbox[since:] if s.chat_id == chat_id]


async def test_one_users_queued_messages_reach_the_assistant_one_at_a_time_and_in_order(harness):
    user = candidate(30)
    texts = [f"slow 0.3 #{n}" for n in range(6)]
    for text in texts:  # each arrives while earlier ones still wait for their turn
        harness.telegram.send_text(user, text)
        await asyncio.sleep(0.15)
    await harness.telegram.wait_for(lambda: len(sent_to(harness, user.id)) == len(texts))
    assert harness.rasa.messages(user.id) == texts
    assert harness.rasa.most_in_flight[str(user.id)] == 1
    assert sent_to(harness, user.id) == [f"you said: {text}" for text in texts]


async def test_beyond_eight_waiting_messages_the_user_is_told_once_and_the_rest_is_not_relayed(harness):
    user = candidate(31)
    texts = [f"slow 0.2 #{n}" for n in range(channel_module.MAX_QUEUED_PER_USER + 3)]
    for text in texts:
        harness.telegram.send_text(user, text)
    await harness.telegram.wait_for(lambda: len(sent_to(harness, user.id)) == channel_module.MAX_QUEUED_PER_USER + 1)
    await asyncio.sleep(0.5)
    relayed = texts[:channel_module.MAX_QUEUED_PER_USER]
    assert harness.rasa.messages(user.id) == relayed
    assert sent_to(harness, user.id) == [channel_module.BUSY] + [f"you said: {text}" for text in relayed]


async def test_beyond_the_rate_limit_messages_are_not_relayed_and_the_user_is_told_once(harness):
    user = candidate(32)
    first, then = [f"quick #{n}" for n in range(8)], [f"quick #{n}" for n in range(8, 12)]
    for text in first:  # a burst of 8, answered at once, within a second: no token comes back meanwhile
        harness.telegram.send_text(user, text)
    await harness.telegram.wait_for(lambda: len(sent_to(harness, user.id)) == len(first))
    mark = len(harness.telegram.outbox)
    for text in then:
        harness.telegram.send_text(user, text)
    replies = await harness.telegram.replies(user.id, mark, quiet_s=0.5)
    assert [r.text for r in replies] == ["you said: quick #8", "you said: quick #9", channel_module.SLOW_DOWN]
    assert harness.rasa.messages(user.id) == first + then[:2]


async def test_a_text_is_cut_to_telegrams_limit_before_it_is_relayed(harness):
    user = candidate(33)
    await harness.say(user, "x" * 5000)
    assert harness.rasa.messages(user.id) == ["x" * channel_module.MAX_RELAYED_CHARS]


async def test_a_vote_on_someone_elses_quiz_is_ignored_and_logged_without_names(harness, caplog):
    caplog.set_level(logging.INFO, logger="bot.channel")
    group = harness.telegram.group_chat(-100800)
    alice, bob = candidate(34), candidate(35)
    _, replies = await harness.say(alice, f"@{BOT.username} quiz", chat=group)
    poll = next(r for r in replies if r.method == "sendPoll")
    harness.telegram.answer_poll(bob, poll, 1)
    ignored = await harness.telegram.wait_for(lambda: [r for r in caplog.records if "ignored" in r.getMessage()
                                                       and str(bob.id) in r.getMessage()])
    assert ignored[0].levelno == logging.INFO and "Candidate35" not in ignored[0].getMessage()
    mark = len(harness.telegram.outbox)
    harness.telegram.answer_poll(alice, poll, 1)
    assert [r.text for r in await harness.telegram.replies(group.id, mark, quiet_s=0.5)] == ["you said: B"]
    assert harness.rasa.messages(f"{group.id}:{alice.id}") == ["quiz", "B"]
    assert harness.rasa.messages(f"{group.id}:{bob.id}") == []


async def answered(harness: Harness, press: Update) -> dict[str, Any]:
    """What the bot answered to a button tap."""
    return await harness.telegram.wait_for(lambda: next(
        (c[1] for c in harness.telegram.calls
         if c[0] == "answerCallbackQuery" and c[1]["callback_query_id"] == press.callback_query.id), None))


async def test_a_tap_on_someone_elses_button_has_expired_even_with_buttons_of_ones_own(harness):
    group = harness.telegram.group_chat(-100900)
    alice, bob = candidate(36), candidate(37)
    _, [alices] = await harness.say(alice, f"@{BOT.username} buttons", chat=group)
    _, [bobs] = await harness.say(bob, f"@{BOT.username} buttons", chat=group)
    assert alices.buttons == bobs.buttons  # the same turn and button: the data alone cannot tell them apart
    taps = [harness.telegram.press(bob, alices, "B"),
            harness.telegram.press_data(bob, alices, bobs.buttons["B"]),
            harness.telegram.press_data(alice, harness.telegram.outbox[-1], "k:1:0")]  # someone else's id
    _, [private] = await harness.say(alice, "buttons")
    taps.append(harness.telegram.press(bob, private, "B"))  # in Alice's private chat
    for tap in taps:
        assert (await answered(harness, tap)).get("text") == channel_module.EXPIRED_BUTTON
    mark = len(harness.telegram.outbox)
    harness.telegram.press(bob, bobs, "B")
    assert [r.text for r in await harness.telegram.replies(group.id, mark, quiet_s=0.5)] == ["you said: B"]
    assert harness.rasa.messages(f"{group.id}:{alice.id}") == ["buttons"]
    assert harness.rasa.messages(f"{group.id}:{bob.id}") == ["buttons", "B"]
    assert harness.rasa.messages(alice.id) == ["buttons"]


async def test_when_the_assistant_deletes_a_candidates_data_the_channel_forgets_them(harness):
    group = harness.telegram.group_chat(-101000)
    user, other = candidate(38), candidate(39)
    _, [prompt] = await harness.say(user, "buttons")
    await harness.say(user, "quiz")
    await harness.say(user, f"@{BOT.username} buttons", chat=group)
    await harness.say(other, f"@{BOT.username} buttons", chat=group)
    _, replies = await harness.say(user, "forget me")
    assert [r.text for r in replies] == ["Done: deleted."]
    assert harness.state(user).empty()
    theirs = harness.state(other)
    assert theirs.turn(f"{group.id}:{other.id}") == 1 and f"{group.id}:{other.id}" in theirs.keyboards
    tap = harness.telegram.press(user, prompt, "My progress")
    assert (await answered(harness, tap)).get("text") == channel_module.EXPIRED_BUTTON
    assert harness.rasa.messages(user.id) == ["buttons", "quiz", "forget me"]


async def test_in_a_group_the_progress_chart_and_the_export_go_to_the_private_chat(harness):
    group = harness.telegram.group_chat(-101100)
    user = candidate(40)
    harness.telegram.private_chat(user)  # they have started the bot
    for command, method in [("/progress", "sendPhoto"), ("/export", "sendDocument")]:
        mark = len(harness.telegram.outbox)
        _, replies = await harness.say(user, command, chat=group)
        assert [r.text for r in replies] == [channel_module.SENT_PRIVATELY]  # nothing of it in the group
        private = [s for s in harness.telegram.outbox[mark:] if s.chat_id == user.id]
        assert [s.method for s in private] == ["sendMessage", method]  # the whole reply, privately


async def test_in_a_group_a_member_who_never_started_the_bot_is_told_how_to(harness):
    group = harness.telegram.group_chat(-101200)
    user = candidate(41)
    harness.telegram.block(user)
    mark = len(harness.telegram.outbox)
    _, replies = await harness.say(user, "/export", chat=group)
    assert [r.text for r in replies] == [
        f"I can't message you privately yet: open a chat with me (@{BOT.username}), press Start, then ask again."]
    refused = [c for c in harness.telegram.calls if c[0] == "sendDocument" and c[1]["chat_id"] == user.id]
    assert refused and not [s for s in harness.telegram.outbox[mark:] if s.method == "sendDocument"]


async def test_the_channel_logs_no_message_text_names_or_token(harness, caplog):
    caplog.set_level(logging.INFO)
    group = harness.telegram.group_chat(-101300)
    user, other = candidate(42), candidate(43)
    harness.telegram.block(other)
    update, _ = await harness.say(user, "party with my secret answer")
    harness.telegram.redeliver(update)
    _, [prompt] = await harness.say(user, "buttons")
    await answered(harness, harness.telegram.press_data(other, prompt, "forged secret answer"))
    _, replies = await harness.say(user, "quiz")
    harness.telegram.answer_poll(other, next(r for r in replies if r.method == "sendPoll"), 0)
    await harness.say(other, "/progress", chat=group)
    await asyncio.sleep(0.5)
    logged = [r for r in caplog.records if r.name.startswith("bot.") and r.levelno >= logging.INFO]
    assert {r.name for r in logged} >= {"bot.channel", "bot.messages"}
    for record in logged:
        text = record.getMessage()
        assert not any(secret in text for secret in ("secret answer", "Candidate", TOKEN)), text


async def test_an_update_whose_handling_fails_gets_an_apology_and_the_log_keeps_its_text_out(
        harness, monkeypatch, caplog):
    def broken(message, _bot):
        raise RuntimeError(f"cannot read {message.text!r}")

    user = candidate(52)
    monkeypatch.setattr(channel_module, "addressed_text", broken)
    caplog.set_level(logging.ERROR, logger="bot.channel")
    _, replies = await harness.say(user, "my secret answer")
    assert [r.text for r in replies] == [channel_module.FAILED]
    [logged] = [r for r in caplog.records if r.name == "bot.channel" and "RuntimeError" in r.getMessage()]
    assert "in broken" in logged.getMessage()  # where it was raised
    assert "secret" not in logged.getMessage() and logged.exc_info is None
    monkeypatch.undo()
    _, replies = await harness.say(user, "my answer again")
    assert [r.text for r in replies] == ["you said: my answer again"]


async def test_an_error_without_a_user_behind_it_is_only_logged(harness, caplog):
    caplog.set_level(logging.ERROR, logger="bot.channel")
    calls = len(harness.telegram.calls)
    await harness.application.process_error(None, ValueError("in a background task"))
    assert any("ValueError while handling update None" in r.getMessage() for r in caplog.records)
    assert not [c for c in harness.telegram.calls[calls:] if c[1].get("text") == channel_module.FAILED]


async def test_a_corrupt_state_file_is_set_aside_and_the_channel_still_answers(harness, tmp_path, caplog):
    state_file = tmp_path / "state.db"
    state_file.write_bytes(b"\x80\x05 half a pickle")
    settings = Settings(token=harness.telegram.token, api_base_url=harness.telegram.base_url,
                        rasa_url=f"http://127.0.0.1:{harness.rasa.port}", rasa_token="test-rest-token",
                        state_file=state_file)
    application = build_application(settings, store=None)
    with caplog.at_level(logging.WARNING, logger="bot.state_store"):
        await application.initialize()
    assert "could not be read" in caplog.text
    [aside] = tmp_path.glob("state.db.corrupt-*")
    assert aside.read_bytes() == b"\x80\x05 half a pickle"
    user = candidate(44)
    mark = len(harness.telegram.outbox)
    message = harness.telegram._message(user, None, text="hello after a crash")  # for this application alone
    await application.process_update(Update.de_json({"update_id": 999_002, "message": message.to_dict()},
                                                    application.bot))
    assert sent_to(harness, user.id, mark) == ["you said: hello after a crash"]
    saved = await StateStore(state_file).get_user_data()  # saved with the turn, not at shutdown
    assert list(saved) == [user.id] and saved[user.id].turns == {str(user.id): 1}
    await application.shutdown()


async def test_a_vote_on_a_quiz_forgotten_in_a_crash_asks_for_the_letter_and_relays_nothing(harness):
    alice = candidate(45)
    _, replies = await harness.say(alice, "quiz")
    poll = next(r for r in replies if r.method == "sendPoll")
    harness.state(alice).polls.clear()  # the state saved before the crash did not have it yet
    mark = len(harness.telegram.outbox)
    harness.telegram.answer_poll(alice, poll, 1)
    assert [r.text for r in await harness.telegram.replies(alice.id, mark, quiet_s=0.5)] == [channel_module.LOST_POLL]
    assert harness.rasa.messages(str(alice.id)) == ["quiz"]


async def restarted_replies(harness, tmp_path, saved: dict[int, UserState], inbox: list[dict],
                            chat_id: int) -> list[str]:
    """What a channel started on this saved state and inbox (as after a crash) sends the chat."""
    state_file = tmp_path / "state.db"
    for update in inbox:
        Inbox(tmp_path / "state-inbox.db").add(update["update_id"], update)
    store = StateStore(state_file)
    for user_id, state in saved.items():
        await store.update_user_data(user_id, state)
    await store.flush()
    settings = Settings(token=harness.telegram.token, api_base_url=harness.telegram.base_url,
                        rasa_url=f"http://127.0.0.1:{harness.rasa.port}", rasa_token="test-rest-token",
                        state_file=state_file)
    application = build_application(settings, store=None)
    mark = len(harness.telegram.outbox)
    await application.initialize()
    await application.post_init(application)
    await application.start()  # handles the update queue, not Telegram's updates (no polling here)
    try:
        await harness.telegram.wait_for(lambda: sent_to(harness, chat_id, mark))
        await asyncio.sleep(0.5)
        return sent_to(harness, chat_id, mark)
    finally:
        await application.stop()
        await application.shutdown()


async def test_an_update_left_unhandled_by_a_killed_channel_is_handled_after_a_restart(harness, tmp_path):
    user = candidate(46)
    message = harness.telegram._message(user, None, text="answer sent just before the crash")
    # saved after the message was marked seen, before its reply went out; delivered twice, both copies in the inbox
    saved = {user.id: UserState(seen={str(user.id): {f"msg:{user.id}:{message.message_id}": 0.0}})}
    copies = [{"update_id": update_id, "message": message.to_dict()} for update_id in (999_003, 999_004)]
    assert await restarted_replies(harness, tmp_path, saved, copies, user.id) == [
        "you said: answer sent just before the crash"]
    assert Inbox(tmp_path / "state-inbox.db").pending() == []


async def test_a_vote_relayed_before_a_crash_is_relayed_again_after_the_restart(harness, tmp_path):
    """The state saved before the crash has the vote's turn and key: the vote is no longer the
    latest turn's, yet it was accepted, so it goes through again (the assistant answers it as
    recorded) rather than being refused as a vote on an earlier question."""
    user = candidate(47)
    await harness.say(user, "hello")  # their private chat with the bot exists
    poll = SentQuiz(str(user.id), user.id, "private", 1, "model_evaluation.imbalanced_metric", ("A", "B", "C"))
    vote = {"update_id": 999_005, "poll_answer": {"poll_id": "p-1", "option_ids": [1],
                                                    "user": user.to_dict(), "option_persistent_ids": ["1"]}}
    key = channel_module.poll_key("p-1", user.id)
    saved = {user.id: UserState(turns={str(user.id): 2}, seen={str(user.id): {key: 0.0}}, polls={"p-1": poll})}
    assert await restarted_replies(harness, tmp_path, saved, [vote], user.id) == ["you said: B"]

