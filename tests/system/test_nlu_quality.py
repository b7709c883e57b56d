"""Held-out NLU quality: the trained model on messages it never saw in training.

The held-out sets (tests/data/nlu_heldout.yml, and nlu_heldout_2.yml written later the same
way) were written separately from data/nlu, are never trained on and never used to choose
settings (bench/data/nlu_dev.yml is for that); testkit/nlu_sets.py says how each message is
judged. The thresholds guard against regressions a little below the latest figures (README,
Quality); the issue's targets are 0.95 (FAQ), 0.95 (drills) and 0.97 (out of scope).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from testkit import nlu_sets

DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Floor:
    """The least each kind of message must score on one set."""

    faq: float
    drill: float
    out_of_scope: float


FLOORS = {
    "nlu_heldout.yml": Floor(faq=0.93, drill=0.95, out_of_scope=0.97),
    "nlu_heldout_2.yml": Floor(faq=0.94, drill=0.93, out_of_scope=0.93),
}
SETS = {name: nlu_sets.load(DATA / name) for name in FLOORS}
MAX_WRONG_FAQ = 0.02  # FAQ questions answered with another topic


@pytest.fixture(params=sorted(FLOORS))
def heldout(request) -> tuple[nlu_sets.NluSet, Floor]:
    return SETS[request.param], FLOORS[request.param]


def test_heldout_sets_cover_the_catalogue_apart_from_the_training_data():
    from coach.content.catalogue import catalogue

    training = nlu_sets.training_messages(Path("data/nlu"))
    for name, nlu_set in SETS.items():
        assert set(nlu_set.faq) == {faq.id for faq in catalogue().faqs}, name
        assert {skill for _, skill in nlu_set.drill} == {skill.id for skill in catalogue().skills}, name
        assert not [t for t in nlu_set.messages() if t.strip().lower() in training], name
    first = SETS["nlu_heldout.yml"]
    assert all(len(examples) >= 5 for examples in first.faq.values())
    assert len(first.drill) >= 60 and len(first.near_domain) >= 30 and len(first.kept_out) >= 60


async def test_faq_top1_accuracy(agent, heldout):
    nlu_set, floor = heldout
    score = await nlu_sets.faq_score(agent, nlu_set)
    print("\n" + score.report("FAQ answered right straight away"))
    assert score.accuracy >= floor.faq
    assert len(score.wrong) / score.total <= MAX_WRONG_FAQ, score.wrong


async def test_drill_skill_accuracy(agent, heldout):
    nlu_set, floor = heldout
    score = await nlu_sets.drill_score(agent, nlu_set)
    print("\n" + score.report("Drill request, right skill"))
    assert score.accuracy >= floor.drill


async def test_out_of_scope_rejection(agent, heldout):
    """Neither an FAQ answer nor a drill (nor any other action) for messages outside the
    assistant's job, near-domain ones included."""
    nlu_set, floor = heldout
    score = await nlu_sets.out_of_scope_score(agent, nlu_set)
    print("\n" + score.report("Out-of-scope rejection"))
    assert score.accuracy >= floor.out_of_scope


@pytest.mark.parametrize(
    "text, skill",
    [("quiz me on CNNs", "deep_learning"), ("k-means drill please", "ml_algorithms"),
     ("test me on Docker", "deployment_cloud"), ("questions about precision", "model_evaluation")],
)
async def test_skill_entity_is_a_catalogue_id(agent, text, skill):
    parse = await agent.parse_message(text)
    assert [e["value"] for e in parse["entities"] if e["entity"] == "skill"] == [skill]


async def test_a_question_about_one_employer_is_declined_not_answered_with_the_faq(agent):
    parse = await agent.parse_message("How much does Amazon pay its machine learning engineers?")
    assert parse["intent"]["name"] == "out_of_scope"
    assert [(e["entity"], e["value"]) for e in parse["entities"]] == [("employer", "Amazon")]
