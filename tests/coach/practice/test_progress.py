"""Progress: recency-weighted mastery, weakest skills and most-missed concepts."""
from __future__ import annotations

from datetime import datetime, timedelta

from coach.content.catalogue import catalogue
from coach.practice.feedback import progress_text
from coach.practice.history import RecordedAttempt, Review
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


def review_attempt(skill: str, rating: int) -> RecordedAttempt:
    return RecordedAttempt(f"{skill}.q", skill, "answered", "", 70, (), (), False, None, NOW, 1, "m",
                           rating, rating, True)


def test_reviews_due_today_and_this_week_and_recall_on_reviews_per_skill():
    reviews = [Review("a", "statistics", {}, NOW - timedelta(days=2)), Review("b", "statistics", {}, NOW + timedelta(hours=20)),
               Review("c", "statistics", {}, NOW + timedelta(days=3)), Review("d", "statistics", {}, NOW + timedelta(days=9)),
               Review("e", "deep_learning", {}, NOW + timedelta(days=1, hours=1))]
    attempts = [attempt("statistics", 70), review_attempt("statistics", 3), review_attempt("statistics", 1),
                review_attempt("statistics", 4), review_attempt("statistics", 2)]
    report = progress(attempts, catalogue(), reviews, NOW, None, 0.85)
    statistics = next(s for s in report.skills if s.skill == "statistics")
    deep = next(s for s in report.skills if s.skill == "deep_learning")
    # NOW is midnight: "b" falls due before the day ends, "c" within the next 7 days, "d" after
    assert (statistics.due_today, statistics.due_week) == (2, 1) and (deep.due_today, deep.due_week) == (0, 1)
    assert (statistics.reviews, statistics.recalled, statistics.retention) == (4, 3, 0.75) and deep.retention is None
    chart = report.chart_payload()
    bar = next(s for s in chart.skills if s.id == "statistics")
    assert (bar.due_today, bar.due_week, bar.retention, chart.target_retention) == (2, 1, 75, 85)
    text = progress_text(report, catalogue(), {})
    assert "due 2 today, 1 this week · recalled 75% of 4 reviews" in text
    assert "Reviews due: 2 today, 2 in the next 7 days." in text
    assert "Recalled in reviews: 3 of 4 (75%); the schedule aims at 85%." in text


def test_one_answer_is_counted_in_the_singular():
    report = progress([attempt("statistics", 80)], catalogue(), now=NOW)
    text = progress_text(report, catalogue(), {})
    assert "Your progress (1 answer scored):" in text
    assert "Statistics and probability: " in text and "(1 answer)" in text
