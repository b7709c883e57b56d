"""The Rasa component that turns FAQ-like questions about one employer's hiring into out_of_scope."""
from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.employer_scope import EmployerScope


def _processed(text: str, intent: str) -> Message:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                            "intent_ranking": [{"name": intent, "confidence": 0.9},
                                               {"name": "out_of_scope", "confidence": 0.1}],
                            "entities": []})
    EmployerScope().process([message])
    return message


def test_an_faq_like_question_about_one_employer_becomes_out_of_scope_with_the_employer():
    message = _processed("How much does Amazon pay ML engineers?", "faq")
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 1.0}
    assert [i["name"] for i in message.get("intent_ranking")] == ["out_of_scope", "faq"]
    assert [(e["entity"], e["value"], e["start"], e["end"], e["extractor"]) for e in message.get("entities")] == [
        ("employer", "Amazon", 14, 20, "EmployerScope")]


def test_an_unsure_classification_is_decided_too():
    assert _processed("is meta hiring", "nlu_fallback").get("intent")["name"] == "out_of_scope"


def test_a_drill_request_or_a_plain_faq_question_is_left_alone():
    drill = _processed("drill me on graphs before my Google phone screen", "start_drill")
    assert drill.get("intent")["name"] == "start_drill" and drill.get("entities") == []
    assert _processed("how much do ML engineers earn", "faq").get("intent")["name"] == "faq"
