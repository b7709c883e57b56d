"""Our content is in our own words: no FAQ answer, question, model answer, option, explanation
or calibration answer shares a run of 8 or more words with the two source documents (their
facts carry over, their sentences do not). The sources sit in ../shared, which a user's
checkout does not have: the test is skipped there."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import yaml

from coach.config import ROOT
from coach.content.question_bank import ChoiceQuestion, OpenQuestion, load_bank

SEEDS = ROOT.parent / "shared" / "seeds"
RUN = 8


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def runs(text: str) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i:i + RUN]) for i in range(len(found) - RUN + 1)}


def texts_of(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts_of(item)


def our_texts() -> Iterator[tuple[str, str]]:
    """(where, text) of every answer and question we wrote."""
    responses = yaml.safe_load((ROOT / "data" / "responses" / "faq.yml").read_text(encoding="utf-8"))["responses"]
    for key, variants in responses.items():
        for variant in variants:
            yield key, variant.get("text") or ""
    for question in load_bank().questions.values():
        parts = [question.prompt]
        if isinstance(question, OpenQuestion):
            parts += [question.model_answer, question.hint]
        if isinstance(question, ChoiceQuestion):
            parts += [*question.options, question.explanation]
        for part in parts:
            yield question.id, part
    for path in sorted((ROOT / "content" / "calibration").glob("*.yml")):
        for text in texts_of(yaml.safe_load(path.read_text(encoding="utf-8"))):
            yield path.name, text


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents (../shared/seeds) are not checked out beside")
def test_no_text_of_ours_shares_eight_words_in_a_row_with_the_sources():
    sources = set().union(*(runs(path.read_text(encoding="utf-8")) for path in sorted(SEEDS.glob("*.txt"))))
    assert sources, f"no source text in {SEEDS}"
    copied = [(where, " ".join(run)) for where, text in our_texts() for run in runs(text) & sources]
    assert copied == []


def test_a_copied_run_is_found():
    assert runs("one two three four five six seven eight nine") & runs("x one two three four five six seven eight")
    assert not runs("one two three four five six seven") & runs("one two three four five six seven")
