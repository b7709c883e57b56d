"""Drill, progress and data actions, run as the action server runs them (rasa_sdk Tracker
in, CollectingDispatcher messages and events out) against an in-memory SQLite database.

`Conversation` plays Rasa's part: it sends each reply to the form's validation while a
question is pending, runs the form's ask action after it, and the end action when the
form is done, the same sequence the rules and the drill form produce.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import update

from actions.data import ActionDeleteData, ActionExportData, ActionShowProgress
from actions.drill import (
    ActionAskDrillAnswer,
    ActionConfirm,
    ActionEndDrill,
    ActionStartDrill,
    ValidateDrillForm,
)
from coach.content.question_bank import ChoiceQuestion, OpenQuestion, question_bank
from coach.practice.drill import as_asked
from coach.practice.history import FINISHED, STOPPED
from coach.storage.records import ReviewState

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
_ids = itertools.count()


class Conversation:
    """One candidate talking to the actions, with the slots Rasa would keep."""

    def __init__(self, sender_id: str = "candidate-1") -> None:
        self.sender_id = sender_id
        self.slots: dict[str, Any] = {"drill_ready": False}
        self.form_active = False
        self.messages: list[dict[str, Any]] = []

    def _tracker(self, text: str, intent: str, entities: dict[str, str], message_id: str | None,
                 confidence: float) -> Tracker:
        message = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "entities": [{"entity": k, "value": v} for k, v in entities.items()],
            "message_id": f"rasa-{next(_ids)}",
            "metadata": {"message_id": message_id} if message_id else {},
        }
        events = [{"event": "user", "text": text, "parse_data": message}]
        if self.form_active:
            events.append({"event": "slot", "name": "drill_answer", "value": text})
        return Tracker(
            sender_id=self.sender_id, slots=dict(self.slots), latest_message=message, events=events,
            paused=False, followup_action=None,
            active_loop={"name": "drill_form"} if self.form_active else {},
            latest_action_name="action_listen",
        )

    def _run(self, action: Any, tracker: Tracker) -> list[dict[str, Any]]:
        dispatcher = CollectingDispatcher()
        events = action.run(dispatcher, tracker, DOMAIN)
        if asyncio.iscoroutine(events):
            events = asyncio.run(events)
        self.messages += dispatcher.messages
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        return dispatcher.messages

    def say(self, text: str, intent: str = "none", message_id: str | None = None, confidence: float = 1.0,
            **entities: str) -> list[dict[str, Any]]:
        """Send one message (classified as `intent` with this confidence); returns the messages
        the candidate gets back."""
        start = len(self.messages)
        tracker = self._tracker(text, intent, entities, message_id, confidence)
        if self.form_active:
            self.slots["drill_answer"] = text
            self._run(ValidateDrillForm(), tracker)
            if self.slots.get("drill_answer") is None:
                self._run(ActionAskDrillAnswer(), tracker)
            else:
                self.form_active = False
                self._run(ActionEndDrill(), tracker)
            return self.messages[start:]
        action = {
            "start_drill": ActionStartDrill(), "resume_drill": ActionStartDrill(),
            "affirm": ActionConfirm(), "deny": ActionConfirm(),
            "show_progress": ActionShowProgress(), "export_data": ActionExportData(),
            "delete_data": ActionDeleteData(),
        }[intent]
        self._run(action, tracker)
        if intent in ("start_drill", "resume_drill", "affirm") and self.slots.get("drill_ready"):
            self.form_active = True
            self._run(ActionAskDrillAnswer(), tracker)
        return self.messages[start:]

    @property
    def last_text(self) -> str:
        return self.messages[-1].get("text") or ""


def pending_question(store, sender_id: str = "candidate-1"):
    drill = store.unfinished_drill(sender_id)
    return question_bank().get(drill.pending_question_id)


def good_answer(question) -> str:
    """The right answer, as a candidate may type it: a choice question's option itself (its
    letter depends on the drill's order of options)."""
    if isinstance(question, ChoiceQuestion):
        return question.options[question.correct]
    return question.model_answer


def answer_one_question(chat: Conversation) -> None:
    """A one-question statistics drill, answered "I don't know": one recorded attempt."""
    chat.say("quiz me on statistics with 1 question", "start_drill", skill="statistics")
    chat.say("I don't know")


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def test_a_full_drill_scores_records_and_summarises(store):
    chat = Conversation()
    replies = chat.say("quiz me on statistics with 3 questions", "start_drill", skill="statistics")
    assert "3-question Statistics and probability drill" in replies[0]["text"]
    assert "Question 1 of 3" in replies[1]["text"]
    first = pending_question(store)
    expected = (list(first.letters) + ["Skip", "Repeat", "Stop"] if isinstance(first, ChoiceQuestion)
                else ["Hint", "Skip", "Repeat", "I don't know", "Stop"])
    assert [b["title"] for b in replies[-1]["buttons"]] == expected
    for number in range(3):
        question = pending_question(store)
        replies = chat.say(good_answer(question))
        if isinstance(question, OpenQuestion):
            assert replies[0]["text"].startswith("Score: ")
            assert int(replies[0]["text"].split()[1].split("/")[0]) >= 80
            assert "Model answer:" in replies[0]["text"]
        else:
            assert replies[0]["text"].startswith("✓ Correct!")
        if number < 2:
            assert f"Question {number + 2} of 3" in texts(replies)
    assert "Drill complete: Statistics and probability." in texts(replies)
    assert "Average:" in texts(replies)
    assert replies[-1]["buttons"], "the summary suggests what to do next"
    attempts = store.attempts("candidate-1")
    assert len(attempts) == 3 and all(a.score is not None and a.score >= 80 for a in attempts)
    assert store.latest_drill("candidate-1").status == FINISHED
    assert not chat.form_active and chat.slots["drill_answer"] is None


def test_a_long_reply_while_a_question_is_pending_is_the_answer(store):
    chat = Conversation()
    chat.say("drill me on deep learning", "start_drill", skill="deep_learning")
    while isinstance(pending_question(store), ChoiceQuestion):
        chat.say("skip")
    replies = chat.say("what's the weather in Paris and who won the football match yesterday", "out_of_scope")
    assert replies[0]["text"].startswith("Score: ")
    assert store.attempts("candidate-1")[-1].score == 0


def test_hint_skip_repeat_dont_know_and_stop(store):
    chat = Conversation()
    chat.say("quiz me on mathematics with 10 questions", "start_drill", skill="mathematics")
    while isinstance(pending_question(store), ChoiceQuestion):  # hints are for open questions
        chat.say("skip")
    before = len(store.attempts("candidate-1"))
    position = store.unfinished_drill("candidate-1").position
    question = pending_question(store)
    hint = chat.say("could you give me a hint please")
    assert hint[0]["text"] == f"Hint: {question.hint}" and len(hint) == 1
    repeat = chat.say("repeat the question")
    assert question.prompt in repeat[0]["text"] and len(repeat) == 2 and repeat[1]["buttons"]
    skipped = chat.say("skip")
    assert skipped[0]["text"].startswith("Skipped.") and f"Question {position + 2} of 10" in texts(skipped)
    dont_know = chat.say("I don't know")
    assert "Score: 0/100" in dont_know[0]["text"]
    stopped = chat.say("stop")
    assert f"Drill paused at question {position + 3} of 10" in stopped[0]["text"]
    attempts = store.attempts("candidate-1")[before:]
    assert [a.outcome for a in attempts] == ["skipped", "dont_know"]
    assert attempts[0].score is None and attempts[1].score == 0
    assert attempts[0].hint_used is True and attempts[1].hint_used is False
    assert store.unfinished_drill("candidate-1").status == STOPPED


def test_a_stopped_drill_resumes_where_it_was(store):
    chat = Conversation()
    chat.say("quiz me on ai ethics", "start_drill", skill="ai_ethics")
    chat.say(good_answer(pending_question(store)))
    chat.say("stop")
    resumed = chat.say("let's continue", "resume_drill")
    assert "Resuming your AI ethics drill at question 2 of 5" in resumed[0]["text"]
    assert "Question 2 of 5" in resumed[1]["text"]
    assert chat.form_active


def test_resume_without_a_paused_drill_offers_skills(store):
    replies = Conversation().say("resume", "resume_drill")
    assert "no paused drill" in replies[0]["text"] and len(replies[0]["buttons"]) == 14  # a mock interview, 13 skills


def test_a_new_drill_replaces_a_paused_one_only_after_asking(store):
    chat = Conversation()
    chat.say("quiz me on statistics", "start_drill", skill="statistics")
    chat.say("stop")
    asked = chat.say("quiz me on deep learning with 2 questions", "start_drill", skill="deep_learning")
    assert "unfinished Statistics and probability drill" in asked[0]["text"]
    assert not chat.form_active and chat.slots["drill_ready"] is False
    kept = chat.say("no", "deny")
    assert "still there" in kept[0]["text"]
    assert store.unfinished_drill("candidate-1").skill == "statistics"
    chat.say("quiz me on deep learning with 2 questions", "start_drill", skill="deep_learning")
    started = chat.say("yes", "affirm")
    assert "2-question Deep learning drill" in started[0]["text"]
    assert store.unfinished_drill("candidate-1").skill == "deep_learning"


def test_the_replace_button_starts_the_new_drill(store):
    chat = Conversation()
    chat.say("quiz me on statistics", "start_drill", skill="statistics")
    chat.say("stop")
    asked = chat.say("quiz me on programming", "start_drill", skill="programming")
    payload = asked[0]["buttons"][1]["payload"]
    assert payload == '/start_drill{"drill_mode": "replace", "skill": "programming"}'
    started = chat.say(payload, "start_drill", drill_mode="replace", skill="programming")
    assert "Programming drill" in started[0]["text"]


def test_a_message_delivered_twice_is_recorded_once(store):
    chat = Conversation()
    chat.say("quiz me on programming", "start_drill", skill="programming")
    answer = good_answer(pending_question(store))
    first = chat.say(answer, message_id="tg-42")
    again = chat.say(answer, message_id="tg-42")
    assert first[0]["text"].startswith(("Score:", "✓ Correct"))  # the first question may be either kind
    # a retried turn whose replies were lost shows the same feedback and the next question
    assert [m.get("text") for m in again] == [m.get("text") for m in first]
    assert any("Question 2 of" in (m.get("text") or "") for m in again)
    assert len(store.attempts("candidate-1")) == 1
    assert store.unfinished_drill("candidate-1").position == 1


def test_a_drill_start_retried_after_its_replies_were_lost_starts_the_same_drill_again(store):
    chat = Conversation()
    first = chat.say("quiz me on programming", "start_drill", message_id="tg-7", skill="programming")
    chat.form_active = False  # the turn was abandoned before Rasa saved it
    again = chat.say("quiz me on programming", "start_drill", message_id="tg-7", skill="programming")
    assert [m.get("text") for m in again] == [m.get("text") for m in first]  # no "resume or replace?"
    assert len(store.drills("candidate-1")) == 1
    chat.form_active = False
    other = chat.say("quiz me on statistics", "start_drill", message_id="tg-8", skill="statistics")
    assert chat.slots["pending_confirmation"]  # another message: "replace the drill you have?"
    assert len(store.drills("candidate-1")) == 1 and "Starting" not in other[0]["text"]


def test_degenerate_answers_get_advice_and_are_not_recorded(store):
    chat = Conversation()
    chat.say("quiz me on deep learning with 2 questions", "start_drill", skill="deep_learning")  # both open
    for text in ["", "backpropagation", "asdkjh qwpoeiru zmxncb"]:
        replies = chat.say(text)
        assert replies[0]["text"].startswith("Not scored: "), text
    assert store.attempts("candidate-1") == []


def test_an_old_button_payload_during_a_drill_is_a_request_not_an_answer(store):
    chat = Conversation()
    chat.say("quiz me on deep learning", "start_drill", skill="deep_learning")
    faq = chat.say('/faq{"faq_topic": "salary_and_demand"}', "faq", faq_topic="salary_and_demand")
    assert faq[0]["response"] == "utter_faq/salary_and_demand"
    assert faq[1]["buttons"] == [{"title": "Back to the question", "payload": "Repeat"}]
    drill = chat.say('/start_drill{"skill": "statistics"}', "start_drill", skill="statistics")
    assert "middle of a Deep learning drill" in drill[0]["text"]
    other = chat.say("/greet", "greet")
    assert "middle of a drill" in other[0]["text"]
    assert pending_question(store).prompt in other[1]["text"]  # the question again, to answer
    assert store.attempts("candidate-1") == [] and chat.form_active


def test_a_request_mid_drill_is_answered_and_the_question_waits(store):
    chat = Conversation()
    chat.say("quiz me on deep learning with 2 questions", "start_drill", skill="deep_learning")  # both open
    question = pending_question(store)
    replies = chat.say("how am I doing?", "show_progress", confidence=0.96)
    assert "haven't answered" in replies[0]["text"]
    assert replies[-1]["text"] == "Question 1 of 2 is still waiting for your answer."
    back = chat.say(replies[-1]["buttons"][0]["payload"])
    assert question.prompt in back[0]["text"]
    exported = chat.say("export my data", "export_data")
    assert exported[1]["custom"]["type"] == "data_export"
    assert {"from": "you", "text": "export my data", "at": None} in exported[1]["custom"]["data"]["conversation"]
    assert store.attempts("candidate-1") == [] and chat.form_active


def test_a_reply_that_could_be_a_request_is_asked_about_and_yes_records_it(store):
    chat = Conversation()
    chat.say("quiz me on deep learning with 2 questions", "start_drill", skill="deep_learning")  # both open
    question = pending_question(store)
    text = "show how dropout helps my network"
    asked = chat.say(text, "show_progress", message_id="tg-10", confidence=0.6)
    assert asked[0]["text"].startswith("Is that your answer") and chat.slots["pending_confirmation"]
    yes_no = asked[0]["buttons"]
    assert store.attempts("candidate-1") == []
    chat.say(yes_no[0]["payload"], "affirm", message_id="tg-11")
    [attempt] = store.attempts("candidate-1")
    assert (attempt.question_id, attempt.message_key, attempt.answer_text) == (question.id, "tg-10", text)
    assert chat.slots["pending_confirmation"] is None
    chat.say(text, "show_progress", message_id="tg-12", confidence=0.6)
    no = chat.say(yes_no[1]["payload"], "deny", message_id="tg-13")
    assert no[0]["text"].startswith("Okay, I didn't record that.")
    assert len(store.attempts("candidate-1")) == 1 and chat.slots["pending_confirmation"] is None


def test_a_choice_question_takes_letters_and_rejects_anything_else(store):
    chat = Conversation()
    chat.say("quiz me on statistics with 3 questions", "start_drill", skill="statistics")
    while not isinstance(pending_question(store), ChoiceQuestion):
        chat.say("skip")
    question = as_asked(pending_question(store), store.unfinished_drill("candidate-1").id)
    quiz = [i for i, m in enumerate(chat.messages) if m.get("custom", {}).get("type") == "quiz"][-1]
    assert chat.messages[quiz]["custom"]["correct_option_id"] == question.correct
    buttons = chat.messages[quiz + 1]["buttons"]
    assert [b["payload"] for b in buttons] == list(question.letters) + ["Skip", "Repeat", "Stop"]
    invalid = chat.say("Z")
    assert invalid[0]["text"].startswith("Please pick one of")
    wrong = next(letter for letter in question.letters if letter != question.correct_letter)
    replies = chat.say(wrong.lower())
    assert replies[0]["text"].startswith("✗ Not quite.")
    assert store.attempts("candidate-1")[-1].score == 0


def test_drill_without_a_skill_offers_reviews_and_skills_weakest_first(store):
    chat = Conversation()
    chat.say("quiz me on statistics with 1 question", "start_drill", skill="statistics")
    chat.say("I have no idea")  # statistics: 0, and due again soon
    with store.engine.begin() as connection:  # make its review due now
        connection.execute(update(ReviewState).values(due=datetime(2000, 1, 1)))
    replies = chat.say("quiz me", "start_drill")
    titles = [b["title"] for b in replies[0]["buttons"]]
    assert titles[:3] == ["Review (1 due)", "Mock interview", "Statistics and probability"]
    assert len(titles) == 15
    review = chat.say(replies[0]["buttons"][0]["payload"], "start_drill", drill_mode="review")
    assert "1-question Review drill" in review[0]["text"]


def test_counts_outside_1_to_20_are_clamped_with_a_note(store):
    replies = Conversation().say("give me 50 questions on statistics", "start_drill", skill="statistics")
    assert "20-question" in replies[0]["text"] and "1 to 20 questions" in replies[0]["text"]


def test_progress_reports_mastery_weak_areas_and_a_chart_payload(store):
    chat = Conversation()
    empty = chat.say("how am I doing", "show_progress")
    assert "haven't answered" in empty[0]["text"]
    chat.say("quiz me on statistics with 2 questions", "start_drill", skill="statistics")
    unknown = pending_question(store)
    chat.say("I don't know")
    chat.say(good_answer(pending_question(store)))
    replies = chat.say("what are my weak areas", "show_progress")
    # two-question drills are all open questions; "I don't know" misses every rubric concept
    concept = unknown.rubric[0].label
    assert f"• {concept} (Statistics and probability, missed 1×): read \"" in replies[0]["text"]
    assert replies[2]["buttons"][-1]["payload"] == '/faq{"faq_topic": "statistics_needed"}'
    # 0 then 100: the later answer weighs more (1 against 0.75), so 57, not 50
    assert "Statistics and probability: 57/100 (2 answers)" in replies[0]["text"]
    assert "Weakest skills: Statistics and probability (57)" in replies[0]["text"]
    assert replies[2]["buttons"][0]["payload"] == '/start_drill{"skill": "statistics"}'
    chart = replies[1]["custom"]
    assert chart["type"] == "progress_chart"
    assert {s["id"]: s["mastery"] for s in chart["skills"]}["statistics"] == 57
    assert len(chart["skills"]) == 13


def test_export_returns_the_attempts_as_json(store):
    chat = Conversation()
    answer_one_question(chat)
    replies = chat.say("export my data", "export_data")
    assert "1 drills, 1 recorded answers" in replies[0]["text"]
    data = replies[1]["custom"]["data"]
    json.dumps(data)  # JSON-ready
    assert data["attempts"][0]["outcome"] == "dont_know"
    assert data["drills"][0]["question_ids"] and data["drills"][0]["position"] == 1
    assert {"from": "you", "text": "export my data", "at": None} in data["conversation"]


def test_delete_asks_first_then_removes_everything(store):
    chat = Conversation()
    answer_one_question(chat)
    asked = chat.say("delete my data", "delete_data")
    assert "cannot be undone" in asked[0]["text"]
    assert chat.slots["pending_confirmation"] == "delete_data"
    chat.say("no", "deny")
    assert len(store.attempts("candidate-1")) == 1
    chat.say("delete my data", "delete_data")
    done = chat.say("yes", "affirm")
    assert done[0]["text"].startswith("Done: I've deleted")
    assert done[1]["custom"] == {"type": "data_deleted"}  # the channel drops its state of them too
    assert chat.slots["forget_conversation"] is True
    assert store.export("candidate-1") == {"sender_id": "candidate-1", "reminder": None, "own_questions": [], "drills": [],
                                           "attempts": [], "reviews": []}
    assert store.unfinished_drill("candidate-1") is None


def test_yes_after_an_faq_starts_the_offered_drill(store):
    chat = Conversation()
    chat.slots["offered_skill"] = "ai_ethics"
    replies = chat.say("yes please", "affirm")
    assert "AI ethics drill" in replies[0]["text"] and chat.form_active


def test_a_plain_yes_is_acknowledged(store):
    replies = Conversation().say("yes", "affirm")
    assert replies[0]["response"] == "utter_ack_affirm"


def test_forged_skill_value_is_ignored(store):
    replies = Conversation().say('/start_drill{"skill": "DROP TABLE"}', "start_drill", skill="DROP TABLE")
    assert replies[0]["text"].startswith("Which skill") and len(replies[0]["buttons"]) == 14


@pytest.mark.parametrize("sender", ["candidate-a", "candidate-b"])
def test_candidates_do_not_see_each_other(store, sender):
    other = Conversation("someone-else")
    answer_one_question(other)
    assert store.attempts(sender) == []
    assert "haven't answered" in Conversation(sender).say("progress", "show_progress")[0]["text"]


def test_a_huge_answer_is_scored_and_stored_up_to_4096_characters(store):
    chat = Conversation()
    chat.say("quiz me on statistics with 1 question", "start_drill", skill="statistics")
    question = pending_question(store)
    replies = chat.say((question.model_answer + " ") * 200)
    assert replies[0]["text"].startswith("(Only the first 4096 characters of your answer were read.)")
    assert len(store.attempts("candidate-1")[0].answer_text) == 4096
