"""A message unlike every FAQ training example is not an FAQ question: it becomes `out_of_scope`.

A Rasa NLU component, last in the pipeline. The intent classifier is sure of itself on
messages far from anything it was trained on: "What are the best things to do in Kyoto in
autumn?" is an FAQ question at 0.98, and the ResponseSelector then picks the least unlikely
topic. The word vectors give a second opinion that does not share that blind spot: the
message's content words (no stop words, punctuation or numbers), averaged, against the same
average for each FAQ training example. When the nearest example is less similar than
`threshold`, a message the classifiers took for an FAQ question (or were unsure of, with an
FAQ question the best guess) is out of scope instead. A message none of whose content words
has a vector (typos only: "certifed?") is left to the classifiers, whose character n-grams
read it.

The threshold was chosen on the development set (bench/data/nlu_dev.yml): the least similar
of its 215 FAQ questions is at 0.44, half of its out-of-scope messages are below 0.37.
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
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.tokens import Doc

from coach.content.faq import top_intent
from coach.contract import FALLBACK_INTENT, FAQ_INTENT, OUT_OF_SCOPE_INTENT

VECTORS_FILE = "faq_vectors.npy"


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
                 examples: npt.NDArray[np.float32] | None = None) -> None:
        self._threshold = float(config["threshold"])
        self._model_storage = model_storage
        self._resource = resource
        self._examples = examples  # one unit-length row per FAQ training example

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FaqSimilarity:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> FaqSimilarity:
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, np.load(directory / VECTORS_FILE))

    def train(self, training_data: TrainingData) -> Resource:
        rows = [content_vector(m.get(SPACY_DOCS[TEXT])) for m in training_data.intent_examples
                if m.get(INTENT) == FAQ_INTENT and m.get(SPACY_DOCS[TEXT]) is not None]
        found = [row for row in rows if row is not None]
        if not found:
            raise ValueError("FaqSimilarity needs FAQ training examples and SpacyNLP before it in the pipeline")
        self._examples = np.stack(found)
        with self._model_storage.write_to(self._resource) as directory:
            np.save(directory / VECTORS_FILE, self._examples)
        return self._resource

    def similarity(self, doc: Doc) -> float | None:
        """Cosine similarity of the doc to its nearest FAQ training example (None: no content word known)."""
        vector = content_vector(doc)
        if vector is None or self._examples is None:
            return None
        return float((self._examples @ vector).max())

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            faq_like = intent == FAQ_INTENT or (intent == FALLBACK_INTENT and top_intent(message.data)[0] == FAQ_INTENT)
            doc = message.get(SPACY_DOCS[TEXT])
            if not faq_like or doc is None:
                continue
            similarity = self.similarity(doc)
            if similarity is None or similarity >= self._threshold:
                continue
            ranking = [i for i in message.get(INTENT_RANKING_KEY) or [] if i.get("name") != OUT_OF_SCOPE_INTENT]
            decided = {"name": OUT_OF_SCOPE_INTENT, "confidence": 1.0}
            message.set(INTENT, decided, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [decided] + ranking, add_to_output=True)
        return messages
