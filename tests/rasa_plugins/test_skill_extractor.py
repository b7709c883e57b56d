"""The Rasa component that fills the `skill` entity with skill ids, typos forgiven."""
from __future__ import annotations

from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.message import Message

from coach.language.pipeline import PIPELINE_NAME, pipeline
from rasa_plugins.skill_extractor import SkillExtractor


def _entities(text: str) -> list[dict]:
    message = Message(data={"text": text})
    SkillExtractor().process([message], SpacyModel(model=pipeline(), model_name=PIPELINE_NAME))
    return message.get("entities")


def test_each_named_skill_becomes_an_entity_valued_with_its_id():
    entities = _entities("quiz me on statistcs and k means")
    assert [(e["entity"], e["value"], e["extractor"]) for e in entities] == [
        ("skill", "statistics", "SkillExtractor"), ("skill", "ml_algorithms", "SkillExtractor")]
    assert [("quiz me on statistcs and k means"[e["start"]:e["end"]]) for e in entities] == ["statistcs", "k means"]


def test_a_role_is_not_a_skill():
    assert _entities("what does an ML engineer do") == []
