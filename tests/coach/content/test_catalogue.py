"""Content files load, match the product spec, and fail loudly, naming file and entry."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coach.content.catalogue import (
    CATALOGUE_PATH,
    ContentError,
    catalogue,
    load_catalogue,
    load_skill_phrases,
)
from coach.content.faq import FAQ_ANSWERS_PATH, count_sentences, faq_answers, load_faq_answers

SPEC_CATALOGUE = Path(__file__).resolve().parents[4] / "shared" / "spec" / "catalogue.yml"


def test_catalogue_has_the_spec_topics_and_the_products_own():
    assert len(catalogue().faqs) == 32 + 6
    assert len(catalogue().skills) == 13


@pytest.mark.skipif(not SPEC_CATALOGUE.exists(), reason="product spec not checked out beside")
def test_every_spec_entry_is_in_the_catalogue_unchanged():
    """The product may add topics or skills, but must keep every spec entry exactly."""
    spec = yaml.safe_load(SPEC_CATALOGUE.read_text(encoding="utf-8"))
    product = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    for section, entries in spec.items():
        ours = {entry["id"]: entry for entry in product.get(section) or []}
        changed = [entry["id"] for entry in entries if ours.get(entry["id"]) != entry]
        assert not changed, f"{section}: spec entries missing or changed: {changed}"


def test_every_faq_has_a_phone_sized_answer_with_a_drill_button():
    answers = faq_answers()
    assert set(answers) == {faq.id for faq in catalogue().faqs}
    for answer in answers.values():
        assert 2 <= count_sentences(answer.text) <= 6, answer.faq_id


def test_skill_faqs_offer_their_skill():
    answers = faq_answers()
    assert answers["statistics_needed"].offered_skill == "statistics"
    assert answers["deployment_importance"].offered_skill == "deployment_cloud"
    assert answers["salary_and_demand"].offered_skill is None


def test_salary_figures_are_exact():
    text = faq_answers()["salary_and_demand"].text
    for figure in ("$146,085", "344", "$1.03 billion", "$8.81 billion", "2016", "2022"):
        assert figure in text


def test_sentence_counting_ignores_decimals():
    assert count_sentences("It grew from 1.03 to 8.81 billion. Then it stopped!") == 2


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_catalogue_error_names_file_and_entry(tmp_path):
    path = _write(tmp_path, "catalogue.yml", {
        "faq": [{"id": "ok", "topic": "fine"}, {"id": "Bad Id", "topic": "x"}],
        "skills": [{"id": "s", "name": "S", "covers": "c"}],
    })
    with pytest.raises(ContentError) as error:
        load_catalogue(path)
    assert str(path) in str(error.value) and "faq[1]" in str(error.value)


def test_broken_yaml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "catalogue.yml"
    path.write_text("faq: [unclosed", encoding="utf-8")
    with pytest.raises(ContentError, match="invalid YAML") as error:
        load_catalogue(path)
    assert error.value.path == path


def test_a_phrase_naming_two_skills_is_rejected(tmp_path):
    skills = {s.id: [f"phrase {i}"] for i, s in enumerate(catalogue().skills)}
    skills["statistics"] = ["variance"]
    skills["model_evaluation"] = ["variance"]
    path = _write(tmp_path, "skill_synonyms.yml", {"skills": skills, "not_skills": ["y"]})
    with pytest.raises(ContentError, match="also names skill") as error:
        load_skill_phrases(catalogue(), path)
    assert error.value.entry == "skills.model_evaluation"


def test_unknown_skill_in_phrases_is_rejected(tmp_path):
    skills = {s.id: [s.id] for s in catalogue().skills} | {"astrology": ["stars"]}
    path = _write(tmp_path, "skill_synonyms.yml", {"skills": skills, "not_skills": ["y"]})
    with pytest.raises(ContentError, match="not a catalogue skill id"):
        load_skill_phrases(catalogue(), path)


def _faq_file(tmp_path: Path, **changes: dict) -> Path:
    data = yaml.safe_load(FAQ_ANSWERS_PATH.read_text(encoding="utf-8"))
    data["responses"].update(changes)
    return _write(tmp_path, "faq.yml", data)


def test_faq_answer_too_long_is_rejected(tmp_path):
    long_answer = [{"text": "Word. " * 7, "buttons": [{"title": "t", "payload": "/start_drill"}]}]
    path = _faq_file(tmp_path, **{"utter_faq/ai_ethics": long_answer})
    with pytest.raises(ContentError, match="7 sentences") as error:
        load_faq_answers(catalogue(), path)
    assert error.value.entry == "utter_faq/ai_ethics" and error.value.path == path


def test_faq_button_with_unescaped_braces_is_rejected(tmp_path):
    bad = [{"text": "One. Two.", "buttons": [
        {"title": "t", "payload": '/start_drill{"skill": "statistics"}'}]}]
    path = _faq_file(tmp_path, **{"utter_faq/ai_ethics": bad})
    with pytest.raises(ContentError, match="must be /start_drill"):
        load_faq_answers(catalogue(), path)


def test_faq_button_with_unknown_skill_is_rejected(tmp_path):
    bad = [{"text": "One. Two.", "buttons": [
        {"title": "t", "payload": '/start_drill{{"skill": "astrology"}}'}]}]
    path = _faq_file(tmp_path, **{"utter_faq/ai_ethics": bad})
    with pytest.raises(ContentError, match="unknown skill 'astrology'"):
        load_faq_answers(catalogue(), path)


def test_missing_faq_answer_is_rejected(tmp_path):
    data = yaml.safe_load(FAQ_ANSWERS_PATH.read_text(encoding="utf-8"))
    del data["responses"]["utter_faq/certification"]
    path = _write(tmp_path, "faq.yml", data)
    with pytest.raises(ContentError, match="no answer") as error:
        load_faq_answers(catalogue(), path)
    assert error.value.entry == "utter_faq/certification"
