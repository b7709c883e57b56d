"""The project's spaCy pipeline: lookup lemmas and skill entities that are catalogue ids."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy
import yaml

from coach.content.catalogue import catalogue
from coach.language.pipeline import PIPELINE_DIR, SKILL_LABEL, pipeline, plural, skill_ids_in, surface_forms
from coach.language.spelling import skill_spelling

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("quiz me on CNN", ["deep_learning"]),
        ("Quiz me on CNNs", ["deep_learning"]),
        ("k-means please", ["ml_algorithms"]),
        ("K-Means clustering", ["ml_algorithms"]),
        ("let's do Docker", ["deployment_cloud"]),
        ("precision", ["model_evaluation"]),
        ("drill me on stats", ["statistics"]),
        ("Neural Networks and hypothesis tests", ["deep_learning", "statistics"]),
        ("system design round", ["software_engineering"]),
        ("Fourier transforms", ["signal_processing"]),
        ("data structures and algorithms", ["data_structures_algorithms"]),
        ("Statistics and probability", ["statistics"]),
        ("quiz me on p-values", ["statistics"]),
        ("F1-scores", ["model_evaluation"]),
    ],
)
def test_skill_mentions_resolve_to_catalogue_ids(text, expected):
    assert skill_ids_in(text) == expected


@pytest.mark.parametrize(
    "text", ["I want to be an ML engineer", "mock interview please", "machine learning jobs"]
)
def test_role_phrases_are_not_skills(text):
    assert skill_ids_in(text) == []


def test_every_skill_is_found_by_its_name_and_id():
    for skill in catalogue().skills:
        assert skill_ids_in(f"quiz me on {skill.name}") == [skill.id]
        assert skill_ids_in(f"quiz me on {skill.id.replace('_', ' ')}") == [skill.id]


def test_lemmas_come_from_lookup_tables():
    lemmas = [token.lemma_ for token in pipeline()("networks were studies running")]
    assert lemmas == ["network", "be", "study", "run"]


def test_plural_rules():
    assert [plural(w) for w in ("cnn", "stack", "matrix", "query", "key")] == [
        "cnns", "stacks", "matrixes", "queries", "keys"]


def test_surface_forms_add_the_plural_of_the_last_word_and_hyphens_as_spaces():
    assert surface_forms("p-value") == ["p-value", "p-values", "p value", "p values"]
    assert surface_forms("neural network") == ["neural network", "neural networks"]
    assert surface_forms("one-hot encoding") == ["one-hot encoding", "one hot encoding"]
    assert surface_forms("k-means") == ["k-means", "k means"]
    assert surface_forms("c++") == ["c++"]


def test_pipeline_is_saved_under_its_versioned_folder_used_by_config():
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    spacy_nlp = next(c for c in config["pipeline"] if c["name"] == "SpacyNLP")
    assert ROOT / spacy_nlp["model"] == PIPELINE_DIR
    assert (PIPELINE_DIR / "meta.json").exists()


@pytest.mark.parametrize(
    ("text", "skills"),
    [("quiz me on statistcs", ["statistics"]), ("neural netwroks please", ["deep_learning"]),
     ("k means drill", ["ml_algorithms"]), ("drill me on ML ops", ["deployment_cloud"]),
     ("test me on object orineted design", ["software_engineering"]), ("linaer algebra questions", ["mathematics"]),
     ("data structers practice", ["data_structures_algorithms"])],
)
def test_skill_names_survive_typos_and_variants(text, skills):
    assert skill_ids_in(text) == skills


def test_a_word_near_two_skill_words_or_an_english_word_is_not_corrected():
    spelling = skill_spelling(pipeline(), SKILL_LABEL)
    assert spelling.correction("statistcs") == "statistics"
    assert spelling.correction("station") is None  # English, not a typo
    assert spelling.correction("bread") is None
    assert spelling.correction("structers") == "structure"  # as near "structures": the same word


def test_the_pipeline_carries_word_vectors_for_words_notation_and_the_banks_terms():
    from coach.language.vectors import WIDTH

    vocab = pipeline().vocab
    assert vocab.vectors.shape[1] == WIDTH and vocab.vectors.shape[0] > 50_000
    for word in ("gradient", "immutable", "overfitting", "λ", "σ", "relu", "backpropagation"):
        assert vocab.has_vector(word), word


def test_similar_words_have_closer_vectors_than_unrelated_ones():
    import numpy as np

    vocab = pipeline().vocab

    def cosine(a: str, b: str) -> float:
        x, y = vocab.get_vector(a), vocab.get_vector(b)
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert cosine("lambda", "λ") > cosine("lambda", "banana")
    assert cosine("columns", "features") > cosine("columns", "holiday")


def test_word_vectors_are_the_sum_of_the_token_embeddings():
    from coach.language.vectors import token_embeddings

    embeddings = token_embeddings()
    ids = embeddings.tokenizer.encode("overfitting", add_special_tokens=False).ids
    assert len(ids) > 1
    expected = embeddings.table[ids].astype("float32").sum(axis=0)
    saved = spacy.load(PIPELINE_DIR).vocab  # as Rasa's SpacyNLP loads it
    assert (abs(saved.get_vector("overfitting") - expected) < 1e-4).all()


def test_the_coaching_core_holds_the_vectors_at_half_precision():
    held = pipeline().vocab.vectors.data
    saved = spacy.load(PIPELINE_DIR).vocab.vectors.data
    assert held.dtype == "float16" and saved.dtype == "float32" and held.shape == saved.shape
    assert (abs(held.astype("float32") - saved) <= 1e-3 * abs(saved) + 1e-6).all()


def test_a_wheel_with_the_wrong_hash_is_refused(tmp_path):
    from coach.language.vectors import WHEEL_NAME, VectorSourceError, fetch_wheel

    (tmp_path / WHEEL_NAME).write_bytes(b"not the wheel")
    with pytest.raises(VectorSourceError, match="SHA-256"):
        fetch_wheel(tmp_path)
    assert not (tmp_path / WHEEL_NAME).exists()
