"""The ResponseSelector that runs only on FAQ questions."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bench import nlu_crossval
from rasa_plugins.faq_selector import FaqOnlyResponseSelector

ROOT = Path(__file__).resolve().parents[2]
SELECTOR = nlu_crossval.SELECTOR  # the name config.yml gives it


def _message(text: str, intent: str | None) -> Message:
    return Message(data={TEXT: text, **({INTENT: {"name": intent, "confidence": 0.9}} if intent else {})})


def test_only_messages_classified_as_the_retrieval_intent_reach_the_response_selector(monkeypatch):
    selected: list[str] = []

    def select(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            selected.append(message.get(TEXT))
            message.set("response_selector", {"faq": {"ranking": []}}, add_to_output=True)
        return messages

    monkeypatch.setattr(ResponseSelector, "process", select)
    selector = object.__new__(FaqOnlyResponseSelector)  # no model needed: process is replaced
    selector.retrieval_intent = "faq"
    messages = [_message("what do ml engineers earn", "faq"), _message("overfitting means memorising", "answer"),
                _message("hmm", None), _message("why python", "faq")]

    assert selector.process(messages) == messages
    assert selected == ["what do ml engineers earn", "why python"]
    assert [m.get("response_selector") is not None for m in messages] == [True, False, False, True]


def test_no_faq_question_means_no_work(monkeypatch):
    monkeypatch.setattr(ResponseSelector, "process", lambda self, messages: pytest.fail("selector ran"))
    selector = object.__new__(FaqOnlyResponseSelector)
    selector.retrieval_intent = "faq"
    assert selector.process([_message("start a statistics drill", "start_drill")])


def test_the_pipeline_selects_faq_topics_with_it():
    assert SELECTOR == f"{FaqOnlyResponseSelector.__module__}.{FaqOnlyResponseSelector.__name__}"
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    selectors = [c for c in config["pipeline"] if "Selector" in c["name"]]
    assert selectors == [{**selectors[0], "name": SELECTOR, "retrieval_intent": "faq"}]


def test_cross_validation_runs_the_plain_response_selector_with_the_same_settings(tmp_path: Path):
    configured = yaml.safe_load((ROOT / "config.yml").read_text())
    crossval = yaml.safe_load(nlu_crossval.crossval_config(tmp_path).read_text())
    swapped = [i for i, (a, b) in enumerate(zip(configured["pipeline"], crossval["pipeline"], strict=True)) if a != b]
    assert len(swapped) == 1
    assert crossval["pipeline"][swapped[0]] == {**configured["pipeline"][swapped[0]], "name": "ResponseSelector"}
    assert {k: v for k, v in crossval.items() if k != "pipeline"} == {k: v for k, v in configured.items() if k != "pipeline"}


async def test_the_trained_model_ranks_faq_topics_for_faq_questions_only(agent):
    question = await agent.parse_message("what certificates help an ml engineer get hired?")
    answer = await agent.parse_message("I would split the data, fit on the training part and check the error on the rest")
    assert question["intent"]["name"] == "faq" and question["response_selector"]["faq"]["ranking"]
    assert answer["intent"]["name"] != "faq" and "faq" not in (answer.get("response_selector") or {})
