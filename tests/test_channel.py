"""The Telegram channel in-process: the real python-telegram-bot client against the fake Bot
API server, relaying to a scripted stand-in for Rasa's REST channel (the real assistant is
in tests/test_telegram_e2e.py). Checks relaying, rendering, bad input and faults."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import Update

from bot import channel as channel_module
from bot.channel import build_application
from bot.settings import Settings
from tests.fake_telegram import BOT, FakeTelegram, candidate
from tests.test_stack import free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")  # the loop of the module fixture below

GIVE_UP_S = 7.0
QUIZ = {"type": "quiz", "question": "Which metric suits imbalanced classes?", "options": ["Accuracy", "F1", "MSE"],
        "correct_option_id": 1, "explanation": "F1 balances precision and recall.", "answer_payloads": ["A", "B", "C"]}
CHART = {"type": "progress_chart", "title": "Mastery per skill (0-100)",
         "skills": [{"id": "statistics", "name": "Statistics", "mastery": 40, "attempts": 2}]}


@dataclass
class FakeRasa:
    """Rasa's REST channel, scripted: replies depend on the message; can be down or slow."""

    received: list[dict[str, Any]] = field(default_factory=list)
    down_until: float = 0.0
    port: int = 0

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
        return [{"text": f"you said: {message}"}]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if time.monotonic() < self.down_until:
            return web.json_response({"error": "the action server is unavailable"}, status=503)
        self.received.append(body)
        if body["message"].startswith("slow"):
            await asyncio.sleep(float(body["message"].split()[1]))
        return web.json_response([{"recipient_id": body["sender"], **m} for m in self.reply(body["message"])])

    def messages(self, sender: int | str) -> list[str]:
        return [r["message"] for r in self.received if r["sender"] == str(sender)]


@dataclass
class Harness:
    telegram: FakeTelegram
    rasa: FakeRasa

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
                        state_file=tmp_path_factory.mktemp("bot") / "state.pickle", rasa_give_up_s=GIVE_UP_S)
    application = build_application(settings)
    await application.initialize()
    await application.post_init(application)
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    yield Harness(telegram, rasa)
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    await runner.cleanup()
    await telegram.stop()


async def test_the_commands_are_registered_with_telegram(harness):
    assert [c["command"] for c in harness.telegram.commands] == [
        "start", "help", "drill", "progress", "faq", "stop", "export", "deletedata"]


async def test_a_text_goes_to_the_assistant_with_the_chat_as_sender_and_metadata(harness):
    user = candidate(1, language="de")
    update, replies = await harness.say(user, "what does an ML engineer earn?")
    [request] = [r for r in harness.rasa.received if r["sender"] == str(user.id)]
    assert request["message"] == "what does an ML engineer earn?"
    assert request["metadata"] == {"message_id": f"msg:{user.id}:{update.message.message_id}",
                                   "name": "Candidate1 Test", "language": "de", "chat_type": "private"}
    assert [r.text for r in replies] == ["you said: what does an ML engineer earn?"]
    assert any(c[0] == "sendChatAction" and c[1]["action"] == "typing" for c in harness.telegram.calls)


async def test_commands_send_the_bots_own_payloads(harness):
    user = candidate(2)
    for command, expected in [("/start", "/greet"), ("/drill statistics", '/start_drill{"skill": "statistics"}'),
                              ("/drill knitting", "quiz me on knitting"), ("/stop", "stop"),
                              (f"/help@{BOT.username}", "/help"), ("/deletedata", "/delete_data")]:
        await harness.say(user, command)
        assert harness.rasa.messages(user.id)[-1] == expected


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


async def test_forged_callback_data_is_refused_and_never_relayed(harness):
    user = candidate(8)
    _, [prompt] = await harness.say(user, "buttons")
    forged = harness.telegram.press_data(user, prompt, '/delete_data')
    await harness.telegram.wait_for(lambda: any(
        c[0] == "answerCallbackQuery" and c[1]["callback_query_id"] == forged.callback_query.id
        for c in harness.telegram.calls))
    await asyncio.sleep(0.3)
    assert harness.rasa.messages(user.id) == ["buttons"]


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
    harness.telegram.fail(429, ["sendMessage"], retry_after=1, times=1)
    harness.telegram.fail(500, ["sendMessage"], times=1)
    _, replies = await harness.say(user, "still there?")
    assert [r.text for r in replies] == ["you said: still there?"]
    failed = [f for f in harness.telegram.faults if f.times == 0]
    assert len(failed) == 2


async def test_webhook_mode_rejects_requests_without_telegrams_secret(harness, tmp_path):
    port = free_port()
    settings = Settings(token=harness.telegram.token, api_base_url=harness.telegram.base_url,
                        rasa_url=f"http://127.0.0.1:{harness.rasa.port}", webhook_url="https://coach.example/tg",
                        webhook_secret="s3cret-token", webhook_listen="127.0.0.1", webhook_port=port,
                        state_file=tmp_path / "state.pickle")
    application = build_application(settings)
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
