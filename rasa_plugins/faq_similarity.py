"""A message unlike the examples of the FAQ topic it was matched to is not an FAQ question.

A Rasa NLU component, last in the pipeline. The intent classifier is sure of itself on
messages far from anything it was trained on: "What are the best things to do in Kyoto in
autumn?" is an FAQ question at 0.98, and the ResponseSelector then picks the least unlikely
topic. The word vectors give a second opinion that does not share that blind spot: the
message's content words (no stop words, punctuation or numbers), averaged, against the same
average for each training example of the topic the ResponseSelector ranks first. When the
nearest of them is less similar than `threshold`, a message the classifiers took for an FAQ
question (or were unsure of, with an FAQ question the best guess) becomes `out_of_scope`. A
message none of whose content words has a vector (typos only: "certifed?") is left to the
classifiers, whose character n-grams read it.

The threshold was chosen on the development set (bench/data/nlu_dev.yml): none of its 215
FAQ questions is below 0.4 to its first topic's examples, and its two out-of-scope messages
the classifiers answered are at 0.24 and 0.26; anything from 0.3 to 0.4 does the same there.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.tokens import Doc

from coach.content.faq import top_intent
from coach.contract import FALLBACK_INTENT, FAQ_INTENT, OUT_OF_SCOPE_INTENT

VECTORS_FILE = "faq_vectors.npy"
TOPICS_FILE = "faq_topics.npy"  # each example's retrieval intent, "faq/<id>"
RESPONSE_SELECTOR = "response_selector"  # the ResponseSelector's key in a parsed message


def content_vector(doc: Doc) -> npt.NDArray[np.float32] | None:
    """The unit-length average vector of the doc's content words; None if none has a vector."""
    vectors = [t.vector for t in doc if t.has_vector and not (t.is_stop or t.is_punct or t.like_num)]
    if not vectors:
        return None
    mean = np.mean(vectors, axis=0).astype(np.float32)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqSimilarity(GraphComponent):
    """Turns an FAQ-like message far from every FAQ training example into out_of_scope."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"threshold": 0.35}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 examples: npt.NDArray[np.float32] | None = None, topics: npt.NDArray[np.str_] | None = None) -> None:
        self._threshold = float(config["threshold"])
        self._model_storage = model_storage
        self._resource = resource
        self._examples = examples  # one unit-length row per FAQ training example
        self._topics = topics  # each row's "faq/<id>"

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FaqSimilarity:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> FaqSimilarity:
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, np.load(directory / VECTORS_FILE),
                       np.load(directory / TOPICS_FILE))

    def train(self, training_data: TrainingData) -> Resource:
        rows = [(content_vector(m.get(SPACY_DOCS[TEXT])), m.get(INTENT_RESPONSE_KEY))
                for m in training_data.intent_examples
                if m.get(INTENT) == FAQ_INTENT and m.get(SPACY_DOCS[TEXT]) is not None]
        found = [(row, topic) for row, topic in rows if row is not None]
        if not found:
            raise ValueError("FaqSimilarity needs FAQ training examples and SpacyNLP before it in the pipeline")
        self._examples = np.stack([row for row, _ in found])
        self._topics = np.array([str(topic) for _, topic in found])
        with self._model_storage.write_to(self._resource) as directory:
            np.save(directory / VECTORS_FILE, self._examples)
            np.save(directory / TOPICS_FILE, self._topics)
        return self._resource

    def similarity(self, doc: Doc, topic: str | None = None) -> float | None:
        """Cosine similarity of the doc to the nearest training example of `topic` ("faq/<id>"),
        or of any FAQ topic when it is None or unknown (None: no content word known)."""
        vector = content_vector(doc)
        if vector is None or self._examples is None or self._topics is None:
            return None
        similarities = self._examples @ vector
        of_topic = similarities[self._topics == topic]
        return float((of_topic if of_topic.size else similarities).max())

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            faq_like = intent == FAQ_INTENT or (intent == FALLBACK_INTENT and top_intent(message.data)[0] == FAQ_INTENT)
            doc = message.get(SPACY_DOCS[TEXT])
            if not faq_like or doc is None:
                continue
            ranking = ((message.get(RESPONSE_SELECTOR) or {}).get(FAQ_INTENT) or {}).get("ranking") or [{}]
            similarity = self.similarity(doc, ranking[0].get("intent_response_key"))
            if similarity is None or similarity >= self._threshold:
                continue
            ranking = [i for i in message.get(INTENT_RANKING_KEY) or [] if i.get("name") != OUT_OF_SCOPE_INTENT]
            decided = {"name": OUT_OF_SCOPE_INTENT, "confidence": 1.0}
            message.set(INTENT, decided, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [decided] + ranking, add_to_output=True)
        return messages
