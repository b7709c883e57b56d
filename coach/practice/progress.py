"""A candidate's progress from their recorded attempts: mastery per skill, weakest skills,
the concepts they miss most, and what to practise next. Plain Python over attempts.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from coach.content.catalogue import Catalogue
from coach.contract import ChartSkill, ProgressChart
from coach.practice.history import SKIPPED, RecordedAttempt

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


@dataclass(frozen=True)
class SkillMastery:
    skill: str
    name: str
    mastery: int | None  # 0-100, None when never practised
    attempts: int


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

    def chart_payload(self) -> ProgressChart:
        """The per-skill figures a channel needs to draw the progress chart."""
        return ProgressChart(CHART_TITLE, tuple(ChartSkill(s.skill, s.name, s.mastery, s.attempts) for s in self.skills))


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


def progress(attempts: Sequence[RecordedAttempt], catalogue: Catalogue) -> Progress:
    """The candidate's progress report from all their attempts, oldest first."""
    skills = tuple(
        SkillMastery(
            skill.id,
            skill.name,
            mastery([a for a in attempts if a.skill == skill.id]),
            len(_scored([a for a in attempts if a.skill == skill.id])),
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
    )


def skills_weakest_first(report: Progress) -> list[SkillMastery]:
    """All skills in the order to offer them: weakest first, unpractised in the middle."""
    return sorted(report.skills, key=rank_key)
