"""The `skill` entity as a catalogue skill id, typos in skill names forgiven.

A Rasa NLU component (registered like Rasa's own SpacyEntityExtractor, which it replaces):
it reads the skill mentions of a message with the project's spaCy pipeline, which SpacyNLP
has loaded, through coach.language.spelling.SkillSpelling: the EntityRuler's skill phrases,
after misspelt skill words are corrected ("statistcs", "neural netwroks"). Each mention's
value is its skill id, so no Rasa synonyms are needed.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from coach.contract import SKILL_ENTITY
from coach.language.pipeline import SKILL_LABEL
from coach.language.spelling import skill_spelling


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False, model_from="SpacyNLP")
class SkillExtractor(GraphComponent, EntityExtractorMixin):
    """Adds a `skill` entity, valued with its skill id, for each skill a message names."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SpacyNLP]

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SkillExtractor:
        return cls()

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        spelling = skill_spelling(model.model, SKILL_LABEL)
        for message in messages:
            text = message.get(TEXT) or ""
            found = [
                {"entity": SKILL_ENTITY, "value": skill_id, "start": start, "end": end, "confidence": None}
                for start, end, skill_id in spelling.skills(text)
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages
