"""Choosing between an FAQ answer, "Did you mean ...?" and "that's not something I cover"."""
from __future__ import annotations

from coach.content.faq import (
    AMBIGUITY_MARGIN,
    ANSWER_CONFIDENCE,
    LEAD_CONFIDENCE,
    LEAD_RATIO,
    Answer,
    NotUnderstood,
    Suggest,
    decide,
)


def parse(intent: str, ranking: list[tuple[str, float]], confidence: float = 0.9, **extra):
    """A Rasa parse result shaped like Agent.parse_message's output."""
    return {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": extra.pop("intent_ranking", [{"name": intent}]),
        "entities": extra.pop("entities", []),
        "response_selector": {
            "faq": {
                "ranking": [
                    {"intent_response_key": f"faq/{faq_id}", "confidence": conf}
                    for faq_id, conf in ranking
                ]
            }
        },
    }


def test_a_clear_match_is_answered():
    assert decide(parse("faq", [("math_role", 0.9), ("applied_math", 0.05)])) == Answer(
        "math_role"
    )


def test_the_answer_threshold_is_a_floor_for_the_best_topic():
    clear = ANSWER_CONFIDENCE - AMBIGUITY_MARGIN - 0.01
    assert decide(parse("faq", [("math_role", ANSWER_CONFIDENCE), ("applied_math", clear)])) == Answer("math_role")
    below = decide(parse("faq", [("math_role", ANSWER_CONFIDENCE - 0.01), ("applied_math", 0.2)]))
    assert below == Suggest(("math_role", "applied_math"))


def test_a_long_message_with_thin_confidence_is_answered_when_its_best_topic_clearly_leads():
    lead = [("math_role", LEAD_CONFIDENCE), ("applied_math", LEAD_CONFIDENCE / LEAD_RATIO), ("ai_ethics", 0.05)]
    assert decide(parse("faq", lead)) == Answer("math_role")
    close = [("math_role", LEAD_CONFIDENCE), ("applied_math", LEAD_CONFIDENCE / LEAD_RATIO + 0.01)]
    assert decide(parse("faq", close)) == Suggest(("math_role", "applied_math"))
    thin = [("math_role", LEAD_CONFIDENCE - 0.01), ("applied_math", 0.01)]
    assert decide(parse("faq", thin)) == Suggest(("math_role", "applied_math"))


def test_two_close_topics_are_offered_not_guessed():
    decision = decide(parse("faq", [("math_role", 0.54), ("applied_math", 0.46)]))
    assert decision == Suggest(("math_role", "applied_math"))


def test_a_weak_match_offers_up_to_three_topics():
    ranking = [("math_role", 0.3), ("applied_math", 0.25), ("statistics_needed", 0.2),
               ("ai_ethics", 0.1), ("certification", 0.01)]
    assert decide(parse("faq", ranking)) == Suggest(
        ("math_role", "applied_math", "statistics_needed"))


def test_fallback_with_faq_as_best_intent_offers_topics():
    message = parse(
        "nlu_fallback",
        [("certification", 0.6), ("hands_on_experience", 0.3)],
        intent_ranking=[{"name": "nlu_fallback"}, {"name": "faq"}, {"name": "greet"}],
    )
    assert decide(message) == Suggest(("certification", "hands_on_experience"))


def test_fallback_that_is_not_about_the_faq_gets_no_faq():
    message = parse(
        "nlu_fallback",
        [("certification", 0.9)],
        intent_ranking=[{"name": "nlu_fallback"}, {"name": "out_of_scope"}, {"name": "faq"}],
    )
    assert decide(message) == NotUnderstood()


def test_button_payload_topic_wins_without_a_ranking():
    message = {"intent": {"name": "faq"}, "entities": [
        {"entity": "faq_topic", "value": "salary_and_demand"}]}
    assert decide(message) == Answer("salary_and_demand")


def test_forged_topic_is_not_answered():
    message = {"intent": {"name": "faq"}, "entities": [
        {"entity": "faq_topic", "value": "../../etc/passwd"}]}
    assert decide(message) == NotUnderstood()


def test_unknown_response_keys_are_ignored():
    assert decide(parse("faq", [("not_a_topic", 0.99)])) == NotUnderstood()

