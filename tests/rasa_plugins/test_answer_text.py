"""The component that keeps the FAQ answers' text out of NLU training."""
from __future__ import annotations

from pathlib import Path

import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.answer_text import WithoutAnswerText

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = {
    "utter_faq/salary": [{"text": "Published figures put the average pay near 146,000 dollars a year."}],
    "utter_faq/python": [{"text": "Python is the language most ML libraries are written for."}],
}


def _training_data() -> TrainingData:
    examples = [
        Message(data={TEXT: "what do ml engineers earn", "intent": "faq", INTENT_RESPONSE_KEY: "faq/salary"}),
        Message(data={TEXT: "salary of an ml engineer", "intent": "faq", INTENT_RESPONSE_KEY: "faq/salary"}),
        Message(data={TEXT: "why learn python", "intent": "faq", INTENT_RESPONSE_KEY: "faq/python"}),
        Message(data={TEXT: "hello there", "intent": "greet"}),
    ]
    return TrainingData(examples, responses=RESPONSES)


def _component() -> WithoutAnswerText:
    return WithoutAnswerText.create({}, None, None, None)  # type: ignore[arg-type]


def test_training_examples_lose_the_copied_answer_text_and_keep_everything_else():
    data = _training_data()
    assert data.training_examples[0].get(RESPONSE) == RESPONSES["utter_faq/salary"][0]["text"]

    kept = _component().process_training_data(data)

    assert all(example.get(RESPONSE) is None for example in kept.training_examples)
    assert [e.get(TEXT) for e in kept.training_examples] == [e.get(TEXT) for e in _training_data().training_examples]
    assert kept.training_examples[0].get(INTENT_RESPONSE_KEY) == "faq/salary"
    assert kept.responses == RESPONSES  # what the ResponseSelector answers with at prediction time


def test_messages_at_prediction_time_are_left_alone():
    message = Message(data={TEXT: "what do ml engineers earn"})
    assert _component().process([message]) == [message]
    assert message.data == {TEXT: "what do ml engineers earn"}


def test_the_texts_features_do_not_depend_on_the_answer_text(tmp_path: Path):
    """Each featurizer keeps one vocabulary per attribute, so the message text's features are the same."""
    def text_vocabulary(data: TrainingData, name: str) -> dict:
        WhitespaceTokenizer.create({**WhitespaceTokenizer.get_default_config()}, None, None, None).process_training_data(data)  # type: ignore[arg-type]
        featurizer = CountVectorsFeaturizer.create(
            CountVectorsFeaturizer.get_default_config(), LocalModelStorage(tmp_path), Resource(name),
            ExecutionContext(GraphSchema({})))
        featurizer.train(data)
        return dict(featurizer.vectorizers[TEXT].vocabulary_)

    with_answers = text_vocabulary(_training_data(), "with")
    without_answers = text_vocabulary(_component().process_training_data(_training_data()), "without")
    assert with_answers == without_answers
    assert "earn" in without_answers and "published" not in without_answers


def test_it_runs_first_so_no_component_sees_the_answer_text():
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    assert pipeline[0]["name"] == "rasa_plugins.answer_text.WithoutAnswerText"
