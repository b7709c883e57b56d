"""Keeps the FAQ answers' text out of NLU training: the ResponseSelector learns topic ids, not answers.

Rasa copies the text of each retrieval intent's answer into every training example of its
topic (the `response` attribute: 1,626 FAQ examples each carrying a 60-150 word answer),
and every component that handles that attribute then works on it: spaCy parses it, the
word vectors and both CountVectorsFeaturizers featurize it token by token, and the
ResponseSelector fingerprints all of it when it selects its examples. Nothing reads the
result: the ResponseSelector here predicts the topic id (`intent_response_key`,
`use_text_as_label: false`) and looks the answer up in the domain, and the features of
the message text are built from the text alone (each featurizer keeps a vocabulary per
attribute). So this component, first in the pipeline, removes the answer text from the
training examples: about 90 s less training on the 2-core machine (2026-12-01, with
tools/rasa_cli.py), and the same model (the same final losses, the same development-set
figures). Messages at prediction time have no answer text, so it does nothing there.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import RESPONSE
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class WithoutAnswerText(GraphComponent):
    """Removes the copied FAQ answer text from NLU training examples."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> WithoutAnswerText:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            example.data.pop(RESPONSE, None)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        return messages
