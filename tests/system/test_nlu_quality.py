"""Held-out NLU quality: the trained model on messages it never saw in training.

tests/data/nlu_heldout.yml was written separately from data/nlu, is never trained on and
never used to choose settings (bench/data/nlu_dev.yml is for that); testkit/nlu_sets.py
says how each message is judged.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from testkit import nlu_sets

HELDOUT_PATH = Path(__file__).resolve().parents[1] / "data" / "nlu_heldout.yml"
HELDOUT = nlu_sets.load(HELDOUT_PATH)


def test_heldout_set_is_complete():
    from coach.content.catalogue import catalogue

    assert set(HELDOUT.faq) == {faq.id for faq in catalogue().faqs}
    assert all(len(examples) >= 5 for examples in HELDOUT.faq.values())
    assert len(HELDOUT.drill) >= 60
    assert len(HELDOUT.near_domain) >= 30
    assert len(HELDOUT.kept_out) >= 60


def test_heldout_messages_are_not_in_training_data():
    training = nlu_sets.training_messages(Path("data/nlu"))
    assert not [t for t in HELDOUT.messages() if t.strip().lower() in training]


async def test_faq_top1_accuracy(agent):
    score = await nlu_sets.faq_score(agent, HELDOUT)
    print("\n" + score.report("FAQ top-1 accuracy"))
    # The issue asks for 0.95 answered right straight away (README, Quality, has the latest).
    assert score.accuracy >= 0.91
    assert len(score.wrong) / score.total <= 0.02, score.wrong


async def test_drill_skill_accuracy(agent):
    score = await nlu_sets.drill_score(agent, HELDOUT)
    print("\n" + score.report("Drill skill accuracy"))
    assert score.accuracy >= 0.95


async def test_out_of_scope_rejection(agent):
    """Neither an FAQ answer nor a drill (nor any other action) for messages outside the
    assistant's job, near-domain ones included."""
    score = await nlu_sets.out_of_scope_score(agent, HELDOUT)
    print("\n" + score.report("Out-of-scope rejection"))
    assert score.accuracy >= 0.97


@pytest.mark.parametrize(
    "text, skill",
    [("quiz me on CNNs", "deep_learning"), ("k-means drill please", "ml_algorithms"),
     ("test me on Docker", "deployment_cloud"), ("questions about precision", "model_evaluation")],
)
async def test_skill_entity_is_a_catalogue_id(agent, text, skill):
    parse = await agent.parse_message(text)
    assert [e["value"] for e in parse["entities"] if e["entity"] == "skill"] == [skill]
