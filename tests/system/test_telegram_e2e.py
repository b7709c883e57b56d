"""The whole stack as a candidate meets it on Telegram: the action server, the Rasa server
with the trained model, and `python -m bot` polling the fake Bot API server, each a real
process (logs: var/log/*-tests.log). Conversations are played through Telegram updates."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from bot.channel import MOMENT, UNSUPPORTED
from coach.practice.feedback import shorten
from coach.storage.records import Records
from testkit.fake_telegram import FakeTelegram, Sent, candidate
from testkit.live_stack import LiveStack, pending_question

pytestmark = pytest.mark.asyncio(loop_scope="session")  # the loop of the module fixture below

ANSWER_TIMEOUT_S = 90


@dataclass
class Conversation:
    live: LiveStack

    async def say(self, user, text: str) -> list[Sent]:
        mark = len(self.live.telegram.outbox)
        self.live.telegram.send_text(user, text)
        return await self.live.telegram.replies(user.id, mark, quiet_s=1.0, timeout_s=ANSWER_TIMEOUT_S)

    async def wait_for_text(self, user, mark: int, fragment: str) -> list[Sent]:
        """Everything sent to the user since `mark`, once a message containing `fragment` came."""
        def sent() -> list[Sent]:
            return [s for s in self.live.telegram.outbox[mark:] if s.chat_id == user.id]

        await self.live.telegram.wait_for(lambda: any(fragment in s.text for s in sent()), ANSWER_TIMEOUT_S)
        await asyncio.sleep(1.0)
        return sent()

    @property
    def telegram(self) -> FakeTelegram:
        return self.live.telegram

    @property
    def records(self) -> Records:
        return self.live.records


@pytest.fixture(scope="module")
def chat(live_stack: LiveStack) -> Conversation:
    return Conversation(live_stack)


async def test_start_an_faq_in_natural_language_and_a_button(chat):
    user = candidate(1)
    greeting = await chat.say(user, "/start")
    assert "interview coach" in greeting[0].text
    answer = await chat.say(user, "how much money does a machine learning engineer make?")
    assert "salary" in answer[0].text.lower() or "$" in answer[0].text
    mark = len(chat.telegram.outbox)
    chat.telegram.press(user, greeting[0], "What can you do?")
    help_text = await chat.wait_for_text(user, mark, "Here is what I can do")
    assert help_text[0].message.reply_markup is not None


async def test_a_drill_with_free_text_a_quiz_poll_and_rasa_restarted_mid_drill(chat):
    user = candidate(2)
    batch = await chat.say(user, "quiz me on statistics with 3 questions")
    assert any("Question 1 of 3" in s.text for s in batch)
    sender = str(user.id)
    kinds = []
    for number in (1, 2, 3):
        poll, question = pending_question(batch)
        kinds.append("quiz" if poll else "open")
        restart = number == 2
        if restart:
            await chat.live.stop(chat.live.rasa)
        mark = len(chat.telegram.outbox)
        if poll is not None:
            chat.telegram.answer_poll(user, poll, poll.params["correct_option_ids"][0])
        else:
            chat.telegram.send_text(user, question.model_answer)
        if restart:
            await chat.wait_for_text(user, mark, MOMENT)
            await chat.live.start(chat.live.rasa)
        batch = await chat.wait_for_text(user, mark, f"Question {number + 1} of 3" if number < 3 else "Drill complete")
    assert "quiz" in kinds and "open" in kinds
    attempts = chat.records.attempts(sender)
    drill = chat.records.latest_drill(sender)
    assert [a.question_id for a in attempts] == list(drill.question_ids)
    assert all(a.score is not None and a.score >= 60 for a in attempts), [(a.question_id, a.score) for a in attempts]


async def test_progress_arrives_as_a_chart_image(chat):
    user = candidate(2)
    replies = await chat.say(user, "/progress")
    assert any("Statistics and probability" in s.text for s in replies)
    [photo] = [s for s in replies if s.method == "sendPhoto"]
    assert photo.upload.startswith(b"\x89PNG")


async def test_a_sticker_gets_a_friendly_answer(chat):
    user = candidate(3)
    mark = len(chat.telegram.outbox)
    chat.telegram.send_sticker(user)
    [reply] = await chat.telegram.replies(user.id, mark, quiet_s=1.0)
    assert reply.text == UNSUPPORTED


@pytest.mark.parametrize("text", ['/delete_data{"x": 1}', "🙂🙂🙂", "ما هو التعلم الآلي؟", "x" * 4096,
                                  "'; DROP TABLE attempts; --"])
async def test_bad_input_gets_a_reply_and_stores_nothing(chat, text):
    user = candidate(4)
    replies = await chat.say(user, text)
    assert replies and all(s.text for s in replies)
    assert chat.records.attempts(str(user.id)) == []
    assert not any("delete" in s.text.lower() and "sure" in s.text.lower() for s in replies)


OWN_PROMPT = "How would you detect data drift in a deployed churn model?"
OWN_ANSWER = ("Compare the distribution of each input feature in production with the training data, for example with "
              "the population stability index. Watch the distribution of predictions and, once labels arrive, accuracy "
              "over time. Alert when a shift passes a threshold, and retrain.")


def with_text(batch: list[Sent], fragment: str) -> Sent:
    return next(s for s in batch if fragment in s.text)


async def test_own_questions_end_to_end_are_drilled_rated_and_never_seen_by_another_candidate(chat):
    alice, bob = candidate(6), candidate(7)
    assert any("What's the question?" in s.text for s in await chat.say(alice, "/add"))
    assert any("model answer" in s.text for s in await chat.say(alice, OWN_PROMPT))
    asked_skill = with_text(await chat.say(alice, OWN_ANSWER), "Which skill")
    mark = len(chat.telegram.outbox)
    chat.telegram.press(alice, asked_skill, "My questions")
    saved = await chat.wait_for_text(alice, mark, "Saved: question")
    assert "in My questions" in with_text(saved, "Saved: question").text
    [own] = chat.records.own_questions(str(alice.id))

    listing = await chat.say(bob, "/myquestions")
    assert any("no questions of your own yet" in s.text for s in listing)
    forged = await chat.say(bob, f'/my_questions{{"own_question": "{own.number}", "own_action": "show"}}')
    assert all(OWN_PROMPT not in s.text for s in listing + forged)
    assert chat.records.own_questions(str(bob.id)) == []

    offered = await chat.say(alice, "quiz me")
    mark = len(chat.telegram.outbox)
    chat.telegram.press(alice, with_text(offered, "Which skill"), "My questions")
    started = await chat.wait_for_text(alice, mark, OWN_PROMPT)
    assert any("1-question My questions drill" in s.text for s in started)
    answered = await chat.say(alice, "I'd compare each feature's distribution in production with training data using "
                                     "the population stability index, watch the predictions and the accuracy once "
                                     "labels arrive, and alert and retrain when the shift passes a threshold.")
    scored = with_text(answered, "Score: ")
    assert set(scored.buttons) >= {"Again", "Hard"} and any(title.startswith("✓ ") for title in scored.buttons)
    mark = len(chat.telegram.outbox)
    chat.telegram.press(alice, scored, "Again")
    await chat.wait_for_text(alice, mark, "Rated Again")
    [attempt] = chat.records.attempts(str(alice.id))
    assert attempt.question_id == own.question_id and attempt.rating == 1 and attempt.suggested_rating > 1

    listing = await chat.say(alice, "/myquestions")
    mark = len(chat.telegram.outbox)
    chat.telegram.press(alice, with_text(listing, "Your questions (1)"), f"{own.number}. {shorten(OWN_PROMPT, 30)}")
    shown = await chat.wait_for_text(alice, mark, "Model answer:")
    mark = len(chat.telegram.outbox)
    chat.telegram.press(alice, with_text(shown, "Model answer:"), "Delete it")
    await chat.wait_for_text(alice, mark, f"Deleted question {own.number}")
    assert chat.records.own_questions(str(alice.id)) == []


async def test_a_daily_reminder_is_set_in_the_candidates_time_zone_and_its_button_starts_the_reviews(chat):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import select, update
    from telegram.ext import ExtBot

    from bot.reminders import send_due
    from coach.config import Config
    from coach.storage.records import Candidate, ReviewState

    user = candidate(8)
    batch = await chat.say(user, "quiz me on statistics with 1 question")
    _poll, question = pending_question(batch)
    assert question is not None
    await chat.say(user, "I don't know")  # rated Again: due again within minutes; made due now for the test
    with chat.records.engine.begin() as connection:
        mine = select(Candidate.id).where(Candidate.sender_id == str(user.id)).scalar_subquery()
        connection.execute(update(ReviewState).where(ReviewState.candidate_id == mine)
                           .values(due=datetime.utcnow() - timedelta(minutes=1)))
    asked = await chat.say(user, "/remind 8:00")
    assert any("What's your time zone?" in s.text for s in asked)
    confirmed = await chat.say(user, "Europe/Berlin")
    assert any("every day at 08:00 (Europe/Berlin)" in s.text for s in confirmed)

    berlin = ZoneInfo("Europe/Berlin")
    tomorrow = (datetime.now(berlin) + timedelta(days=1)).date()
    eight = datetime.combine(tomorrow, datetime.min.time().replace(hour=8), tzinfo=berlin)
    now = eight.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    mark = len(chat.telegram.outbox)
    async with ExtBot(chat.telegram.token, base_url=chat.telegram.base_url) as bot:
        report = await send_due(bot, chat.records, now, Config.from_environ({}))
    assert report.sent >= 1
    reminder = with_text(await chat.telegram.replies(user.id, mark), "1 review is due today")
    mark = len(chat.telegram.outbox)
    chat.telegram.press(user, reminder, "Start my reviews")
    started = await chat.wait_for_text(user, mark, "Review drill")
    assert any("1-question Review drill" in s.text for s in started)


async def test_a_mock_interview_asks_a_follow_up_and_ends_with_a_scorecard_in_progress(chat):
    from coach.practice.history import follow_up_of
    from coach.practice.own_questions import QuestionSource

    user = candidate(9)
    sender = str(user.id)
    started = await chat.say(user, "/interview")
    assert any("Starting a mock interview: 6 questions" in s.text for s in started)
    assert any("Question 1 of 6" in s.text for s in started)
    questions = QuestionSource(chat.records, sender)
    first = questions.get(chat.records.unfinished_drill(sender).pending_question_id)
    partial = (f"I would mention {first.rubric[0].phrases[0]} first, and honestly that is the main point I would "
               "make about it here.")
    followed = await chat.say(user, partial)
    [acknowledged] = followed  # the acknowledgement and the follow-up: one message
    assert "Let me follow up on one point." in acknowledged.text
    assert any(line.startswith("Follow-up ·") for line in acknowledged.text.splitlines())
    assert all("Score:" not in s.text for s in followed)  # no scores until the scorecard
    pending = chat.records.unfinished_drill(sender).pending_question_id
    assert follow_up_of(pending) and follow_up_of(pending)[0] == first.id
    concept = questions.get(pending).rubric[0]
    assert any("Question 2 of 6" in s.text for s in await chat.say(user, concept.follow_up_answer))
    for _ in range(4):
        await chat.say(user, "skip")
    mark = len(chat.telegram.outbox)
    chat.telegram.send_text(user, "I don't know")
    ended = await chat.wait_for_text(user, mark, "Mock interview scorecard")
    card = "\n".join(s.text for s in ended)
    assert "Machine learning:" in card and "Behavioural: weak" in card and "✗ Missed:" in card
    assert "Another mock interview" in with_text(ended, "Next,").buttons
    [interview] = chat.records.interviews(sender)
    assert interview.scorecard["areas"][0]["id"] == "machine_learning"
    answered_follow_up = next(a for a in chat.records.attempts(sender) if a.question_id == pending)
    assert answered_follow_up.score >= 60 and answered_follow_up.rating is None  # scored, but no review of its own
    report = await chat.say(user, "/progress")
    assert any("Mock interviews (1):" in s.text for s in report)
