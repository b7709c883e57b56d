"""The component that turns FAQ-like messages far from every FAQ training example into out_of_scope."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from coach.language.pipeline import pipeline
from rasa_plugins.faq_similarity import FaqSimilarity

TRAINING = {
    "faq/salary_and_demand": ["how much do machine learning engineers earn", "is there demand for ml engineers"],
    "faq/statistics_needed": ["why does statistics matter for the job"],
    "faq/certification": ["which certificates are worth getting"],
    "greet": ["hello there"],
}


def _message(text: str, intent: str | None = None) -> Message:
    data: dict = {"text": text, "text_spacy_doc": pipeline()(text.lower())}
    if intent:
        data["intent"], _, topic = intent.partition("/")
        if topic:
            data["intent_response_key"] = intent
    return Message(data=data)


def _parsed(text: str, intent: str, ranking: list[str] | None = None, topic: str = "faq/salary_and_demand") -> Message:
    message = _message(text)
    message.set("intent", {"name": intent, "confidence": 0.9})
    message.set("intent_ranking", [{"name": name, "confidence": 0.1} for name in ranking or [intent]])
    message.set("response_selector", {"faq": {"ranking": [{"intent_response_key": topic, "confidence": 0.5}]}})
    return message


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> FaqSimilarity:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("faq_similarity")
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    config = FaqSimilarity.get_default_config()
    component = FaqSimilarity.create(config, storage, resource, context)
    examples = [_message(text, intent) for intent, texts in TRAINING.items() for text in texts]
    component.train(TrainingData(examples))
    return FaqSimilarity.load(config, storage, resource, context)  # as Rasa serves it: from storage


def test_a_message_far_from_every_faq_example_becomes_out_of_scope(trained: FaqSimilarity) -> None:
    message = trained.process([_parsed("what are the best things to do in kyoto in autumn", "faq")])[0]
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 1.0}
    assert [i["name"] for i in message.get("intent_ranking")] == ["out_of_scope", "faq"]


def test_an_faq_question_in_other_words_stays_an_faq_question(trained: FaqSimilarity) -> None:
    message = trained.process([_parsed("what salary can an ML engineer expect?", "faq")])[0]
    assert message.get("intent")["name"] == "faq"
    similarity = trained.similarity(message.get("text_spacy_doc"), "faq/salary_and_demand")
    assert similarity is not None and similarity >= FaqSimilarity.get_default_config()["threshold"]


def test_similarity_is_to_the_examples_of_the_topic_ranked_first(trained: FaqSimilarity) -> None:
    doc = pipeline()("what salary can an ml engineer expect?")
    own, other, any_topic = (trained.similarity(doc, topic) for topic in
                             ("faq/salary_and_demand", "faq/certification", None))
    assert own is not None and other is not None and other < own == any_topic
    assert trained.similarity(doc, "faq/not_a_topic") == any_topic


def test_an_unsure_classification_with_faq_the_best_guess_is_judged_too(trained: FaqSimilarity) -> None:
    message = trained.process([_parsed("how often should I water a cactus", "nlu_fallback",
                                       ["nlu_fallback", "faq", "greet"])])[0]
    assert message.get("intent")["name"] == "out_of_scope"


def test_other_intents_and_messages_without_known_words_are_left_alone(trained: FaqSimilarity) -> None:
    drill = trained.process([_parsed("how often should I water a cactus", "start_drill")])[0]
    assert drill.get("intent")["name"] == "start_drill"
    typos = trained.process([_parsed("certifed?", "faq")])[0]
    assert trained.similarity(typos.get("text_spacy_doc")) is None
    assert typos.get("intent")["name"] == "faq"


def test_training_without_faq_examples_is_refused(tmp_path: Path) -> None:
    component = FaqSimilarity.create(FaqSimilarity.get_default_config(), LocalModelStorage(tmp_path),
                                     Resource("faq_similarity"), None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="FAQ training examples"):
        component.train(TrainingData([_message("hello there", "greet")]))


def test_an_faq_like_message_unlike_its_topics_examples_becomes_out_of_scope(trained: FaqSimilarity) -> None:
    """Near the salary examples, but the classifiers matched it to certificates."""
    message = trained.process([_parsed("what salary can an ML engineer expect?", "faq", topic="faq/certification")])[0]
    assert message.get("intent")["name"] == "out_of_scope"
