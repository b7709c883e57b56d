"""A candidate's progress from their recorded attempts: mastery per skill, weakest skills,
the concepts they miss most, and what to practise next. Plain Python over attempts.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from fsrs import Rating

from coach.config import DEFAULT_DESIRED_RETENTION
from coach.content.catalogue import Catalogue
from coach.contract import ChartSkill, ProgressChart
from coach.practice.daily import day_start
from coach.practice.history import SKIPPED, RecordedAttempt, Review

# Mastery looks at a skill's latest attempts; each older one counts this much less.
RECENT_ATTEMPTS = 10
RECENCY_DECAY = 0.75
# An unpractised skill ranks as if half mastered: clear weaknesses come before it,
# skills already going well after it.
UNPRACTISED_RANK = 50
WEAKEST_COUNT = 3
MISSED_CONCEPTS_COUNT = 5
MISSED_LOOKBACK = 50
CHART_TITLE = "Mastery per skill (0-100)"
WEEK_DAYS = 7


@dataclass(frozen=True)
class SkillMastery:
    skill: str
    name: str
    mastery: int | None  # 0-100, None when never practised
    attempts: int
    due_today: int = 0  # reviews due before the candidate's day ends
    due_week: int = 0  # reviews due in the 7 days after today
    reviews: int = 0  # answers that were reviews (the question had been answered before)
    recalled: int = 0  # of those, the ones not rated Again

    @property
    def retention(self) -> float | None:
        """The share of reviews recalled, None before the first review."""
        return self.recalled / self.reviews if self.reviews else None


@dataclass(frozen=True)
class MissedConcept:
    concept: str
    skill: str
    times: int


@dataclass(frozen=True)
class Progress:
    skills: tuple[SkillMastery, ...]  # catalogue order
    weakest: tuple[SkillMastery, ...]
    missed: tuple[MissedConcept, ...]
    answered: int
    target_retention: float = DEFAULT_DESIRED_RETENTION

    def chart_payload(self) -> ProgressChart:
        """The per-skill figures a channel needs to draw the progress chart."""
        return ProgressChart(CHART_TITLE, tuple(
            ChartSkill(s.skill, s.name, s.mastery, s.attempts, s.due_today, s.due_week,
                       None if s.retention is None else round(100 * s.retention))
            for s in self.skills
        ), round(100 * self.target_retention))


def _scored(attempts: Sequence[RecordedAttempt]) -> list[RecordedAttempt]:
    return [a for a in attempts if a.outcome != SKIPPED and a.score is not None]


def mastery(attempts: Sequence[RecordedAttempt]) -> int | None:
    """Recency-weighted mean score of the latest attempts (given oldest first)."""
    scores = [a.score for a in _scored(attempts)[-RECENT_ATTEMPTS:] if a.score is not None]
    if not scores:
        return None
    weights = [RECENCY_DECAY ** age for age in range(len(scores) - 1, -1, -1)]
    return round(sum(w * score for w, score in zip(weights, scores, strict=True)) / sum(weights))


def rank_key(skill: SkillMastery) -> tuple[int, int]:
    return (UNPRACTISED_RANK if skill.mastery is None else skill.mastery, -skill.attempts)


def progress(
    attempts: Sequence[RecordedAttempt], catalogue: Catalogue, reviews: Iterable[Review] = (),
    now: datetime | None = None, zone: tzinfo | None = None, target_retention: float = DEFAULT_DESIRED_RETENTION,
) -> Progress:
    """The candidate's progress report from all their attempts, oldest first, and their review
    schedule as of `now` (naive UTC) in their time zone."""
    schedule = list(reviews) if now else []
    tomorrow = day_start(now, zone) + timedelta(days=1) if now else datetime.max
    week_end = tomorrow + timedelta(days=WEEK_DAYS) if now else datetime.max

    def due(skill: str, start: datetime, end: datetime) -> int:
        return sum(1 for r in schedule if r.skill == skill and start <= r.due < end)

    def recall_tests(skill: str) -> list[RecordedAttempt]:
        return [a for a in attempts if a.skill == skill and a.was_review and a.rating is not None]

    skills = tuple(
        SkillMastery(
            skill.id,
            skill.name,
            mastery([a for a in attempts if a.skill == skill.id]),
            len(_scored([a for a in attempts if a.skill == skill.id])),
            due_today=due(skill.id, datetime.min, tomorrow),
            due_week=due(skill.id, tomorrow, week_end),
            reviews=len(recall_tests(skill.id)),
            recalled=sum(1 for a in recall_tests(skill.id) if a.rating != int(Rating.Again)),
        )
        for skill in catalogue.skills
    )
    practised = sorted((s for s in skills if s.mastery is not None), key=rank_key)
    missed = Counter(
        (concept, attempt.skill)
        for attempt in _scored(attempts)[-MISSED_LOOKBACK:]
        for concept in attempt.missed
    )
    return Progress(
        skills=skills,
        weakest=tuple(practised[:WEAKEST_COUNT]),
        missed=tuple(
            MissedConcept(concept, skill, times)
            for (concept, skill), times in missed.most_common(MISSED_CONCEPTS_COUNT)
        ),
        answered=len(_scored(attempts)),
        target_retention=target_retention,
    )


def skills_weakest_first(report: Progress) -> list[SkillMastery]:
    """All skills in the order to offer them: weakest first, unpractised in the middle."""
    return sorted(report.skills, key=rank_key)
