"""Questions about one employer's hiring or pay become `out_of_scope`, with the employer.

A Rasa NLU component, last in the pipeline: when the classifiers take a message for an FAQ
question (or are unsure) and coach.language.employers finds it asking about one employer
("How much does Amazon pay ML engineers?"), the intent becomes out_of_scope and the employer
an entity, so the dialogue declines with the general answers on offer instead of giving the
general answer as if it were that company's. Other intents are left alone: "drill me on
graphs before my Google phone screen" still starts a drill.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from coach.contract import EMPLOYER_ENTITY, FALLBACK_INTENT, FAQ_INTENT, OUT_OF_SCOPE_INTENT
from coach.language.employers import employer_words


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmployerScope(GraphComponent, EntityExtractorMixin):
    """Turns an FAQ-like question about one employer's hiring into out_of_scope."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EmployerScope:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            if intent not in (FAQ_INTENT, FALLBACK_INTENT):
                continue
            employer = employer_words().employer_asked_about(message.get(TEXT) or "")
            if employer is None:
                continue
            ranking = [i for i in message.get(INTENT_RANKING_KEY) or [] if i.get("name") != OUT_OF_SCOPE_INTENT]
            decided = {"name": OUT_OF_SCOPE_INTENT, "confidence": 1.0}
            message.set(INTENT, decided, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [decided] + ranking, add_to_output=True)
            found = {"entity": EMPLOYER_ENTITY, "value": employer.name, "start": employer.start,
                     "end": employer.end, "confidence": None}
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name([found]), add_to_output=True)
        return messages
