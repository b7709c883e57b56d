"""Progress: recency-weighted mastery, weakest skills and most-missed concepts."""
from __future__ import annotations

from datetime import datetime

from coach.content.catalogue import catalogue
from coach.practice.history import RecordedAttempt
from coach.practice.progress import mastery, progress, skills_weakest_first

NOW = datetime(2026, 11, 21)


def attempt(skill: str, score: int | None, missed: tuple[str, ...] = (), outcome: str = "answered") -> RecordedAttempt:
    return RecordedAttempt(f"{skill}.q", skill, outcome, "", score, (), missed, False, None, NOW, 1, "m")


def test_recent_scores_weigh_more():
    improving = [attempt("statistics", 20), attempt("statistics", 90)]
    declining = [attempt("statistics", 90), attempt("statistics", 20)]
    assert mastery(improving) > 55 > mastery(declining)
    assert mastery([attempt("statistics", 70)]) == 70
    assert mastery([attempt("statistics", None, outcome="skipped")]) is None


def test_weakest_skills_and_missed_concepts():
    attempts = [
        attempt("statistics", 30, ("p-value meaning",)), attempt("statistics", 40, ("p-value meaning", "power")),
        attempt("deep_learning", 90), attempt("ai_ethics", 60, ("power",)), attempt("programming", 10),
    ]
    report = progress(attempts, catalogue())
    assert [s.skill for s in report.weakest] == ["programming", "statistics", "ai_ethics"]
    assert report.missed[0].concept == "p-value meaning" and report.missed[0].times == 2
    assert report.answered == 5
    chart = report.chart_payload()
    assert chart.title and len(chart.skills) == 13
    assert {s.id: s.mastery for s in chart.skills}["deep_learning"] == 90


def test_skills_are_offered_weakest_first_with_unpractised_in_the_middle():
    report = progress([attempt("statistics", 20), attempt("deep_learning", 95)], catalogue())
    order = [s.skill for s in skills_weakest_first(report)]
    assert order[0] == "statistics" and order[-1] == "deep_learning"
    assert order[1] == catalogue().skills[0].id  # then unpractised skills in catalogue order
