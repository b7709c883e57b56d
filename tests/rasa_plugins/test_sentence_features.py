"""The component that leaves the text's token-level features at one position, without sparse copies."""
from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.sentence_features import SentenceLevelFeatures

TOKENS = 3


def _sparse(level: str, origin: str, attribute: str = "text") -> Features:
    rows = 1 if level == "sentence" else TOKENS
    return Features(scipy.sparse.coo_matrix(np.arange(rows * 4, dtype=np.float32).reshape(rows, 4)), level,
                    attribute, origin)


def _dense(level: str, origin: str, tokens: int = TOKENS) -> Features:
    rows = 1 if level == "sentence" else tokens
    return Features(np.arange(rows * 5, dtype=np.float32).reshape(rows, 5), level, "text", origin)


def _message(tokens: int = TOKENS) -> Message:
    message = Message(data={"text": "what is bias", "intent": "faq"})
    for features in [
        _sparse("sequence", "lexical"),
        _sparse("sequence", "words"), _sparse("sentence", "words"),
        _sparse("sequence", "chars"), _sparse("sentence", "chars"),
        _dense("sequence", "vectors", tokens), _dense("sentence", "vectors"),
        _sparse("sequence", "words", "intent"), _sparse("sentence", "words", "intent"),
    ]:
        message.add_features(features)
    return message


def _kept(message: Message) -> list[tuple[str, str, str, int]]:
    return [(f.attribute, f.origin, f.type, f.features.shape[0]) for f in message.features]


def test_the_texts_sparse_token_copies_go_and_its_other_token_features_fold_into_one_position():
    message = _message()
    SentenceLevelFeatures().process([message])
    assert _kept(message) == [
        ("text", "lexical", "sequence", 1),
        ("text", "words", "sentence", 1),
        ("text", "chars", "sentence", 1),
        ("text", "vectors", "sequence", 1), ("text", "vectors", "sentence", 1),
        ("intent", "words", "sequence", TOKENS), ("intent", "words", "sentence", 1),
    ]
    lexical, vectors = message.features[0], message.features[3]
    assert lexical.is_sparse() and lexical.features.toarray().tolist() == [[12, 15, 18, 21]]  # summed
    assert vectors.features.tolist() == [[5, 6, 7, 8, 9]]  # averaged


def test_a_message_without_tokens_still_has_one_position():
    message = _message(tokens=0)
    SentenceLevelFeatures().process([message])
    vectors = message.features[3]
    assert (vectors.type, vectors.features.tolist()) == ("sequence", [[0, 0, 0, 0, 0]])


def test_training_examples_get_the_same_features_as_messages_at_inference():
    trained, served = _message(), _message()
    SentenceLevelFeatures().process_training_data(TrainingData([trained]))
    SentenceLevelFeatures().process([served])
    assert _kept(trained) == _kept(served)
