"""Custom actions, run as the action server runs them: a Tracker in, events and messages out."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq, ActionDecline
from coach.contract import intent_payload


def tracker(latest_message: dict, slots: dict | None = None) -> Tracker:
    return Tracker(
        sender_id="candidate-1",
        slots=slots or {},
        latest_message=latest_message,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def faq_message(ranking: list[tuple[str, float]]) -> dict:
    return {
        "text": "some question",
        "intent": {"name": "faq", "confidence": 0.95},
        "intent_ranking": [{"name": "faq", "confidence": 0.95}],
        "entities": [],
        "response_selector": {"faq": {"ranking": [
            {"intent_response_key": f"faq/{faq_id}", "confidence": c} for faq_id, c in ranking
        ]}},
    }


def run(action, message: dict, slots: dict | None = None):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker(message, slots), {})
    return dispatcher.messages, events


def test_faq_answer_uses_the_topic_response_and_remembers_the_offered_skill():
    messages, events = run(ActionAnswerFaq(), faq_message([("statistics_needed", 0.97)]))
    assert [m["response"] for m in messages] == ["utter_faq/statistics_needed"]
    assert events == [SlotSet("offered_skill", "statistics")]


def test_unclear_faq_offers_topic_buttons():
    messages, events = run(
        ActionAnswerFaq(), faq_message([("math_role", 0.4), ("applied_math", 0.38)])
    )
    assert messages[0]["response"] == "utter_did_you_mean"
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ['/faq{"faq_topic": "math_role"}', '/faq{"faq_topic": "applied_math"}',
                        "/help"]
    assert messages[0]["buttons"][0]["title"].startswith("What mathematics")
    assert events == [SlotSet("offered_skill", None)]


def test_an_unclear_message_that_is_not_an_faq_gets_the_default_reply():
    message = {"intent": {"name": "nlu_fallback"}, "entities": [],
               "intent_ranking": [{"name": "nlu_fallback"}, {"name": "out_of_scope"}]}
    messages, _ = run(ActionAnswerFaq(), message)
    assert [m["response"] for m in messages] == ["utter_default"]


def test_payloads_name_an_intent_and_its_entities_as_rasa_reads_them():
    assert intent_payload("faq", faq_topic="ai_vs_ml") == '/faq{"faq_topic": "ai_vs_ml"}'
    assert intent_payload("start_drill") == "/start_drill"


def test_a_question_about_one_employer_is_declined_naming_it():
    message = {"text": "how much does amazon pay ML engineers", "intent": {"name": "out_of_scope"},
               "entities": [{"entity": "employer", "value": "Amazon", "start": 14, "end": 20}]}
    messages, events = run(ActionDecline(), message)
    assert [(m["response"], m.get("employer")) for m in messages] == [("utter_one_employer", "Amazon")]
    assert events == []


def test_other_out_of_scope_messages_get_the_general_decline():
    messages, _ = run(ActionDecline(), {"text": "what's the weather", "intent": {"name": "out_of_scope"}, "entities": []})
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
