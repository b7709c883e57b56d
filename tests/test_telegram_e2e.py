"""The whole stack as a candidate meets it on Telegram: the action server, the Rasa server
with the trained model, and `python -m bot` polling the fake Bot API server, each a real
process (logs: var/log/*-tg-e2e.log). Conversations are played through Telegram updates."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from actions.question_bank import OpenQuestion, question_bank
from actions.records import Records
from bot import READY_LINE, stack
from bot.channel import MOMENT, UNSUPPORTED
from tests.fake_telegram import FakeTelegram, Sent, candidate
from tests.test_stack import free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")  # the loop of the module fixture below

START_TIMEOUT_S = 240
ANSWER_TIMEOUT_S = 90


@dataclass
class Stack:
    telegram: FakeTelegram
    records: Records
    rasa: stack.Service

    async def say(self, user, text: str) -> list[Sent]:
        mark = len(self.telegram.outbox)
        self.telegram.send_text(user, text)
        return await self.telegram.replies(user.id, mark, quiet_s=1.0, timeout_s=ANSWER_TIMEOUT_S)

    async def wait_for_text(self, user, mark: int, fragment: str) -> list[Sent]:
        """Everything sent to the user since `mark`, once a message containing `fragment` came."""
        def sent() -> list[Sent]:
            return [s for s in self.telegram.outbox[mark:] if s.chat_id == user.id]

        await self.telegram.wait_for(lambda: any(fragment in s.text for s in sent()), ANSWER_TIMEOUT_S)
        await asyncio.sleep(1.0)
        return sent()


@pytest.fixture(scope="module")
async def live(tmp_path_factory) -> AsyncIterator[Stack]:
    tmp = tmp_path_factory.mktemp("tg-e2e")
    telegram = FakeTelegram()
    await telegram.start()
    action_port, rasa_port = free_port(), free_port()
    database_url = f"sqlite:///{tmp / 'records.db'}"
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
        f"tracker_store:\n  type: bot.tracker_store.ForgettingTrackerStore\n  dialect: sqlite\n"
        f"  db: {tmp / 'conversations.db'}\n"
    )
    services = [
        stack.Service("action-server-tg-e2e", [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                                               "--port", str(action_port)],
                      health_url=f"http://127.0.0.1:{action_port}/health", env={"DATABASE_URL": database_url}),
        stack.Service("rasa-server-tg-e2e", [str(stack.BIN / "rasa"), "run", "--model", str(stack.MODEL),
                                             "--endpoints", str(endpoints), "--credentials", "credentials.yml",
                                             "--interface", "127.0.0.1", "--port", str(rasa_port)],
                      health_url=f"http://127.0.0.1:{rasa_port}/"),
        stack.Service("telegram-channel-tg-e2e", [sys.executable, "-m", "bot"], ready_line=READY_LINE, env={
            "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
            "RASA_URL": f"http://127.0.0.1:{rasa_port}", "TELEGRAM_STATE_FILE": str(tmp / "state.pickle"),
            "TELEGRAM_WEBHOOK_URL": "", "RASA_GIVE_UP_S": "240",
        }),
    ]
    try:
        for service in services:
            await asyncio.to_thread(stack.start, service, START_TIMEOUT_S)
        yield Stack(telegram, Records.from_url(database_url), services[1])
    finally:
        stack.stop(services)
        await telegram.stop()


async def test_start_an_faq_in_natural_language_and_a_button(live):
    user = candidate(1)
    greeting = await live.say(user, "/start")
    assert "interview coach" in greeting[0].text
    answer = await live.say(user, "how much money does a machine learning engineer make?")
    assert "salary" in answer[0].text.lower() or "$" in answer[0].text
    mark = len(live.telegram.outbox)
    live.telegram.press(user, greeting[0], "What can you do?")
    help_text = await live.wait_for_text(user, mark, "Here is what I can do")
    assert help_text[0].message.reply_markup is not None


def pending_question(batch: list[Sent]) -> tuple[Sent | None, OpenQuestion | None]:
    """The quiz poll, or the open question, that the bot's latest messages ask."""
    poll = next((s for s in batch if s.method == "sendPoll"), None)
    if poll is not None:
        return poll, None
    by_prompt = {q.prompt: q for q in question_bank().questions.values() if isinstance(q, OpenQuestion)}
    return None, next(by_prompt[s.text] for s in batch if s.text in by_prompt)


async def test_a_drill_with_free_text_a_quiz_poll_and_rasa_restarted_mid_drill(live):
    user = candidate(2)
    batch = await live.say(user, "quiz me on statistics with 3 questions")
    assert any("Question 1 of 3" in s.text for s in batch)
    sender = str(user.id)
    kinds = []
    for number in (1, 2, 3):
        poll, question = pending_question(batch)
        kinds.append("quiz" if poll else "open")
        restart = number == 2
        if restart:
            await asyncio.to_thread(stack.stop, [live.rasa])
        mark = len(live.telegram.outbox)
        if poll is not None:
            live.telegram.answer_poll(user, poll, poll.params["correct_option_ids"][0])
        else:
            live.telegram.send_text(user, question.model_answer)
        if restart:
            await live.wait_for_text(user, mark, MOMENT)
            await asyncio.to_thread(stack.start, live.rasa, START_TIMEOUT_S)
        batch = await live.wait_for_text(user, mark, f"Question {number + 1} of 3" if number < 3 else "Drill complete")
    assert "quiz" in kinds and "open" in kinds
    attempts = live.records.attempts(sender)
    drill = live.records.latest_drill(sender)
    assert [a.question_id for a in attempts] == list(drill.question_ids)
    assert all(a.score is not None and a.score >= 60 for a in attempts), [(a.question_id, a.score) for a in attempts]


async def test_progress_arrives_as_a_chart_image(live):
    user = candidate(2)
    replies = await live.say(user, "/progress")
    assert any("Statistics and probability" in s.text for s in replies)
    [photo] = [s for s in replies if s.method == "sendPhoto"]
    assert photo.upload.startswith(b"\x89PNG")


async def test_a_sticker_gets_a_friendly_answer(live):
    user = candidate(3)
    mark = len(live.telegram.outbox)
    live.telegram.send_sticker(user)
    [reply] = await live.telegram.replies(user.id, mark, quiet_s=1.0)
    assert reply.text == UNSUPPORTED


@pytest.mark.parametrize("text", ['/delete_data{"x": 1}', "🙂🙂🙂", "ما هو التعلم الآلي؟", "x" * 4096,
                                  "'; DROP TABLE attempts; --"])
async def test_bad_input_gets_a_reply_and_stores_nothing(live, text):
    user = candidate(4)
    replies = await live.say(user, text)
    assert replies and all(s.text for s in replies)
    assert live.records.attempts(str(user.id)) == []
    assert not any("delete" in s.text.lower() and "sure" in s.text.lower() for s in replies)
