"""The reminder and rating actions as the action server runs them: tracker in, messages and
slot events out, over an in-memory database (the decisions are tested in tests/coach)."""
from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.ratings import ActionRateAnswer
from actions.reminders import UNREAD, ActionEndTimeZoneForm, ActionSetReminder, ValidateTimeZoneForm
from coach.content.question_bank import OpenQuestion, question_bank
from coach.practice.sessions import Practice

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
SENDER = "4242"


def tracker(text: str, intent: str, active_loop: str | None = "time_zone_form", **entities: str) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "intent_ranking": [],
               "entities": [{"entity": k, "value": v} for k, v in entities.items()], "metadata": {}}
    return Tracker(sender_id=SENDER, slots={}, latest_message=message, events=[], paused=False, followup_action=None,
                   active_loop={"name": active_loop} if active_loop else {}, latest_action_name="action_listen")


def run(action: Any, track: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, track, DOMAIN)
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_reminder_request_asks_the_zone_through_the_form_then_the_form_ends_clean(store):
    messages, slots = run(ActionSetReminder(), tracker("remind me every day at 8", "set_reminder"))
    assert messages == [] and slots == {"asking_time_zone": True, "time_zone_reply": None}  # the form asks
    dispatcher = CollectingDispatcher()
    filled = ValidateTimeZoneForm().validate_time_zone_reply("Europe/Paris", dispatcher, tracker("Europe/Paris", "none"), DOMAIN)
    assert filled == {"time_zone_reply": "Europe/Paris"} and "every day at 08:00 (Europe/Paris)" in dispatcher.messages[0]["text"]
    assert store.reminder(SENDER).remind_at == time(8)
    _messages, slots = run(ActionEndTimeZoneForm(), tracker("", "none"))
    assert slots == {"asking_time_zone": False, "time_zone_reply": None}
    messages, slots = run(ActionSetReminder(), tracker("/set_reminder", "set_reminder", reminder_time="off"))
    assert messages[0]["text"].startswith("Okay, no reminders") and slots["asking_time_zone"] is False


def test_an_unreadable_zone_ends_the_form_with_how_to_try_again(store):
    run(ActionSetReminder(), tracker("remind me at 9", "set_reminder"))
    dispatcher = CollectingDispatcher()
    filled = ValidateTimeZoneForm().validate_time_zone_reply("quiz me on statistics", dispatcher, tracker("x", "none"), DOMAIN)
    assert filled == {"time_zone_reply": UNREAD} and "Say /remind to try again" in dispatcher.messages[0]["text"]
    assert store.active_reminders() == []


def test_a_rating_button_and_typed_words_change_the_rating(store):
    question = next(q for q in question_bank().for_skill("statistics") if isinstance(q, OpenQuestion))
    store.start_drill(SENDER, "statistics", [question.id], "s")
    Practice(store, SENDER).answer(question.model_answer, "a1")
    messages, _ = run(ActionRateAnswer(), tracker("/rate_answer", "rate_answer", rating="hard", answer_key="a1"))
    assert messages[0]["text"].startswith("Rated Hard")
    messages, _ = run(ActionRateAnswer(), tracker("actually rate my last answer good", "rate_answer"))
    assert messages[0]["text"].startswith("Rated Good")


def test_the_request_that_starts_the_time_zone_form_is_not_read_as_a_zone(store):
    dispatcher = CollectingDispatcher()
    filled = ValidateTimeZoneForm().validate_time_zone_reply(
        "/set_reminder", dispatcher, tracker("/set_reminder", "set_reminder", active_loop=None), DOMAIN)
    assert filled == {"time_zone_reply": None} and dispatcher.messages == []
