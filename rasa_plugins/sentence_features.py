"""Gives DIET and the ResponseSelector only the text features they read: the sentence-level ones.

Without transformer layers (config.yml), both classifiers classify a message by its last
"token", which holds the sentence-level features. The token-level features go through the
same feed-forward layers, once per token of the longest message in each batch, and through
input layers of their own, and none of it reaches the classification; for the
CountVectorsFeaturizers' sparse features that input layer is a vocabulary-by-512 matrix in
the ResponseSelector that Adam updates in full at every step. That wasted work was most of
the training time, and is done again for every message at inference.

So, for the message text only, this component (after the featurizers):
- drops the sparse token-level features of every featurizer that also gave sparse
  sentence-level ones (the CountVectorsFeaturizers');
- folds the remaining token-level features (the LexicalSyntacticFeaturizer's, the word
  vectors) into a single position: sparse ones summed, dense ones averaged.
Rasa requires token-level features; these keep the token path as wide as the sentence
path, so no extra layer joins the two and the classifiers compute the same function from
the same information. Labels keep all their features: DIET sums an intent label's features
over its tokens. Turning transformer layers on would need this component removed.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceLevelFeatures(GraphComponent):
    """Leaves the text's token-level features at their smallest: one position, no sparse copies."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceLevelFeatures:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            message.features = sentence_level(message.features)
        return messages


def sentence_level(features: list[Features]) -> list[Features]:
    """The features with the text's token-level ones reduced as the module describes."""
    def text(f: Features, level: str) -> bool:
        return f.attribute == TEXT and f.type == level

    sparse_sentence_origins = {f.origin for f in features if text(f, FEATURE_TYPE_SENTENCE) and f.is_sparse()}
    return [
        _one_position(f) if text(f, FEATURE_TYPE_SEQUENCE) else f
        for f in features
        if not (text(f, FEATURE_TYPE_SEQUENCE) and f.is_sparse() and f.origin in sparse_sentence_origins)
    ]


def _one_position(features: Features) -> Features:
    matrix = features.features
    if features.is_sparse():
        folded: Any = scipy.sparse.coo_matrix(matrix.sum(axis=0), dtype=matrix.dtype)
    elif matrix.shape[0]:
        folded = matrix.mean(axis=0, keepdims=True)
    else:  # a message without tokens
        folded = np.zeros((1, matrix.shape[1]), dtype=matrix.dtype)
    return Features(folded, features.type, features.attribute, features.origin)
