"""The NLU evaluation sets: their format is checked, and the development set stays apart."""
from __future__ import annotations

from pathlib import Path

import pytest

from coach.content.catalogue import catalogue
from testkit import nlu_sets

ROOT = Path(__file__).resolve().parents[2]


def test_a_bad_entry_is_named_with_its_file(tmp_path):
    path = tmp_path / "set.yml"
    path.write_text("faq: {}\ndrill:\n- text: quiz me\nout_of_scope: []\nout_of_scope_near_domain: []\n")
    with pytest.raises(ValueError, match=r"set\.yml: drill entry 1 needs a text and a skill"):
        nlu_sets.load(path)
    path.write_text("faq: {}\ndrill: []\n")
    with pytest.raises(ValueError, match=r"set\.yml: expected exactly the keys"):
        nlu_sets.load(path)


def test_the_development_set_covers_the_catalogue_apart_from_training_and_heldout_messages():
    dev = nlu_sets.load(ROOT / "bench" / "data" / "nlu_dev.yml")
    assert set(dev.faq) == {faq.id for faq in catalogue().faqs}
    assert {skill for _, skill in dev.drill} == {skill.id for skill in catalogue().skills}
    apart = nlu_sets.training_messages(ROOT / "data" / "nlu")
    for name in ("nlu_heldout.yml", "nlu_heldout_2.yml"):
        apart |= {t.strip().lower() for t in nlu_sets.load(ROOT / "tests" / "data" / name).messages()}
    assert not [t for t in dev.messages() if t.strip().lower() in apart]
