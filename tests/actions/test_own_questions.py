"""The own-question actions as the action server runs them: /add starts the form, each reply is
checked (too short, cancel, keep), and the save action stores it for that candidate only."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.own_questions import (
    CANCELLED,
    ActionAddQuestion,
    ActionAskOwnPrompt,
    ActionMyQuestions,
    ActionSaveOwnQuestion,
    ValidateOwnQuestionForm,
)
from coach.contract import REQUEST_METADATA

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
ALICE, BOB = "1001", "1002"
PROMPT = "How would you detect data drift in a deployed churn model?"
ANSWER = "Compare production feature distributions with training ones, watch predictions and accuracy, alert and retrain."


def tracker(sender: str, text: str = "", slots: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None,
            active_loop: str | None = "own_question_form", **entities: str) -> Tracker:
    message = {"text": text, "intent": {"name": "none", "confidence": 1.0}, "intent_ranking": [],
               "entities": [{"entity": k, "value": v} for k, v in entities.items()], "metadata": metadata or {}}
    return Tracker(sender_id=sender, slots=slots or {}, latest_message=message, events=[], paused=False,
                   followup_action=None, active_loop={"name": active_loop} if active_loop else {},
                   latest_action_name="action_listen")


def run(action: Any, track: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, track, DOMAIN)
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def validate(slot: str, value: str, slots: dict[str, Any] | None = None, sender: str = ALICE,
             metadata: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateOwnQuestionForm(), f"validate_{slot}")
    return method(value, dispatcher, tracker(sender, value, slots, metadata), DOMAIN), dispatcher.messages


def test_add_writes_a_question_in_three_replies_checked_as_they_come(store):
    _messages, slots = run(ActionAddQuestion(), tracker(ALICE, "/add_question"))
    assert slots["writing_question"] is True and slots["editing_question"] is None
    asked, _ = run(ActionAskOwnPrompt(), tracker(ALICE))
    assert asked[0]["text"].startswith("What's the question?")
    filled, said = validate("own_prompt", "why?")
    assert filled == {"own_prompt": None} and "too short" in said[0]["text"]
    assert validate("own_prompt", PROMPT)[0] == {"own_prompt": PROMPT}
    assert validate("own_answer", ANSWER)[0] == {"own_answer": ANSWER}
    filled, said = validate("own_skill", "astrology")
    assert filled == {"own_skill": None} and "tap one of the buttons" in said[0]["text"]
    assert validate("own_skill", "Deployment and cloud")[0] == {"own_skill": "deployment_cloud"}
    saved, slots = run(ActionSaveOwnQuestion(), tracker(ALICE, slots={
        "own_prompt": PROMPT, "own_answer": ANSWER, "own_skill": "deployment_cloud", "editing_question": None}))
    assert saved[0]["text"].startswith("Saved: question 1 in Deployment and cloud")
    assert slots == {"writing_question": False, "editing_question": None, "own_prompt": None, "own_answer": None,
                     "own_skill": None}
    assert [q.prompt for q in store.own_questions(ALICE)] == [PROMPT] and store.own_questions(BOB) == []


def test_cancel_or_a_command_stops_the_form_and_saves_nothing(store):
    assert validate("own_prompt", "cancel")[0] == dict.fromkeys(("own_prompt", "own_answer", "own_skill"), CANCELLED)
    assert validate("own_answer", "/progress")[0]["own_answer"] == CANCELLED
    assert validate("own_answer", "ask me about statistics", metadata={REQUEST_METADATA: True})[0]["own_skill"] == CANCELLED
    saved, _ = run(ActionSaveOwnQuestion(), tracker(ALICE, slots=dict.fromkeys(("own_prompt", "own_answer", "own_skill"),
                                                                               CANCELLED)))
    assert "nothing was saved" in saved[0]["text"] and store.own_questions(ALICE) == []


def test_changing_a_question_keeps_what_the_candidate_keeps_and_only_their_own(store):
    store.save_own_question(ALICE, "deployment_cloud", PROMPT, ANSWER)
    _messages, slots = run(ActionMyQuestions(), tracker(BOB, "/my_questions", own_question="1", own_action="edit"))
    assert slots == {"writing_question": False}  # not Bob's: he gets his (empty) list
    _messages, slots = run(ActionMyQuestions(), tracker(ALICE, "/my_questions", own_question="1", own_action="edit"))
    assert slots["writing_question"] is True and slots["editing_question"] == "1"
    editing = {"editing_question": "1"}
    asked, _ = run(ActionAskOwnPrompt(), tracker(ALICE, slots=editing))
    assert PROMPT in asked[0]["text"] and "keep" in asked[0]["text"]
    assert validate("own_prompt", "keep", editing)[0] == {"own_prompt": PROMPT}
    assert validate("own_skill", "keep", editing)[0] == {"own_skill": "deployment_cloud"}
    run(ActionSaveOwnQuestion(), tracker(ALICE, slots={**editing, "own_prompt": PROMPT, "own_answer": ANSWER + " Also log.",
                                                       "own_skill": "my_questions"}))
    [changed] = store.own_questions(ALICE)
    assert (changed.number, changed.skill, changed.model_answer.endswith("Also log.")) == (1, "my_questions", True)


def test_the_message_that_starts_the_form_is_not_taken_for_its_first_reply(store):
    dispatcher = CollectingDispatcher()
    filled = ValidateOwnQuestionForm().validate_own_prompt(
        "/add_question", dispatcher, tracker(ALICE, "/add_question", active_loop=None), DOMAIN)
    assert filled == {"own_prompt": None} and dispatcher.messages == []  # the form asks its question next
