"""The mock interview's rules, in plain Python: which questions it asks, which follow-up an
answer earns, and the scorecard an interviewer would write at the end.

An interview is a drill of kind INTERVIEW (coach.practice.history) whose questions follow the
plan of content/interview.yml: so many open questions per area, from the candidate's unseen
questions and weakest skills first. When an answer misses a rubric concept that has a
follow-up, the follow-up is asked next (one per question) and scored on that concept alone.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from statistics import mean
from typing import Any

from coach.content.interview_plan import Area, InterviewPlan
from coach.content.question_bank import OpenQuestion, Question
from coach.practice.history import RecordedAttempt, follow_up_id, follow_up_of
from coach.practice.progress import UNPRACTISED_RANK, Progress

# An interview screen asks mid-level questions most; hard ones before easy ones.
DIFFICULTY_PREFERENCE = {"medium": 0, "hard": 1, "easy": 2}
# Signals, on the scorer's scale: 60 is where an answer is "correct" (coach.grading.scoring),
# and fluent wrong answers score 35 or less in the calibration set.
STRONG, MIXED, WEAK = "strong", "mixed", "weak"
STRONG_FROM, WEAK_BELOW = 60, 35
# A follow-up answered well earns back this share of the missed concept's weight.
FOLLOW_UP_CREDIT = 0.5
MAX_NEXT_DRILLS = 3


def choose_interview(
    plan: InterviewPlan, questions: Sequence[Question], attempts: Sequence[RecordedAttempt], report: Progress,
    seed: str,
) -> list[str]:
    """The interview's question ids, area by area: within an area, a skill not yet taken
    first, then questions never answered, of the weakest skill, answered worst, of medium
    difficulty; `seed` breaks ties (another interview, another choice)."""
    rng = random.Random(seed)
    best: dict[str, int] = {}
    for attempt in attempts:
        best[attempt.question_id] = max(best.get(attempt.question_id, 0), attempt.score or 0)
    weakness = {s.skill: UNPRACTISED_RANK if s.mastery is None else s.mastery for s in report.skills}
    tie = {q.id: rng.random() for q in questions}
    picked: list[OpenQuestion] = []
    for area in plan.areas:
        taken: list[str] = []
        for _ in range(area.questions):
            pool = [q for q in questions if isinstance(q, OpenQuestion) and q.rubric and area.includes(q)
                    and q not in picked]
            if not pool:
                break
            question = min(pool, key=lambda q: (q.skill in taken, q.id in best, weakness.get(q.skill, UNPRACTISED_RANK),
                                                best.get(q.id, 0), DIFFICULTY_PREFERENCE[q.difficulty], tie[q.id]))
            picked.append(question)
            taken.append(question.skill)
    return [q.id for q in picked]


def follow_up(question: Question, missed: Sequence[str]) -> str | None:
    """The follow-up to ask after an answer that missed these concepts: the weightiest missed
    concept that has one (the first in the rubric among equals), as a follow-up's id."""
    if not isinstance(question, OpenQuestion) or follow_up_of(question.id):
        return None
    concepts = [c for c in question.rubric if c.label in missed and c.follow_up]
    if not concepts:
        return None
    concept = max(concepts, key=lambda c: c.weight)  # max keeps the first of equals
    return follow_up_id(question.id, concept.label)


@dataclass(frozen=True)
class AreaResult:
    """One area's verdict with its evidence: the concepts covered and missed."""

    id: str
    name: str
    score: int
    signal: str
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    skills: tuple[str, ...]  # of its questions, for the drills to do next


@dataclass(frozen=True)
class Scorecard:
    score: int
    signal: str
    areas: tuple[AreaResult, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "signal": self.signal, "areas": [asdict(a) for a in self.areas]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scorecard:
        areas = tuple(
            AreaResult(a["id"], a["name"], int(a["score"]), a["signal"], tuple(a["covered"]), tuple(a["missed"]),
                       tuple(a["skills"]))
            for a in data.get("areas", ())
        )
        return cls(int(data["score"]), str(data["signal"]), areas)

    def next_skills(self) -> list[str]:
        """The skills to drill next: those of the weakest areas that were not strong."""
        ranked = sorted((a for a in self.areas if a.signal != STRONG), key=lambda a: a.score)
        skills: list[str] = []
        for area in ranked:
            skills += [s for s in area.skills if s not in skills]
        return skills[:MAX_NEXT_DRILLS]


def signal(score: float) -> str:
    return STRONG if score >= STRONG_FROM else WEAK if score < WEAK_BELOW else MIXED


@dataclass
class _Asked:
    """A main question's outcome, with what its follow-up earned back."""

    area: Area
    question: OpenQuestion
    score: float
    covered: list[str]
    missed: list[str]


def scorecard(plan: InterviewPlan, attempts: Sequence[RecordedAttempt],
              lookup: Callable[[str], Question | None]) -> Scorecard:
    """The scorecard of an interview from its attempts, in order. Each main question counts
    its score (0 when skipped or not known); a follow-up answered adds FOLLOW_UP_CREDIT of its
    concept's weight in proportion to its score, and moves the concept from missed to covered
    when it was covered. An area's score is the mean of its questions'; the overall signal is
    strong only with no weak area."""
    left = {area.id: area.questions for area in plan.areas}
    asked: dict[str, _Asked] = {}
    for attempt in attempts:
        parent = follow_up_of(attempt.question_id)
        if parent is None:
            question = lookup(attempt.question_id)
            area = next((a for a in plan.areas if left[a.id] and isinstance(question, OpenQuestion)
                         and a.includes(question)), None)
            if area is None or not isinstance(question, OpenQuestion):
                continue  # no longer in the bank, or asked by an older plan
            left[area.id] -= 1
            said = attempt.covered or attempt.missed  # a skipped question has neither: all of it missed
            missed = list(attempt.missed) if said else [c.label for c in question.rubric]
            asked[question.id] = _Asked(area, question, float(attempt.score or 0), list(attempt.covered), missed)
            continue
        main = asked.get(parent[0])
        label = parent[1]
        if main is None or label not in main.missed:
            continue
        total = sum(c.weight for c in main.question.rubric)
        weight = next(c.weight for c in main.question.rubric if c.label == label)
        main.score = min(100.0, main.score + FOLLOW_UP_CREDIT * 100 * weight / total * (attempt.score or 0) / 100)
        if label in attempt.covered:
            main.missed.remove(label)
            main.covered.append(label)
    results = []
    for area in plan.areas:
        mine = [a for a in asked.values() if a.area.id == area.id]
        if not mine:
            continue
        score = round(mean(a.score for a in mine))
        results.append(AreaResult(
            area.id, area.name, score, signal(score),
            tuple(dict.fromkeys(c for a in mine for c in a.covered)),
            tuple(dict.fromkeys(c for a in mine for c in a.missed)),
            tuple(dict.fromkeys(a.question.skill for a in mine)),
        ))
    overall = round(mean(a.score for a in asked.values())) if asked else 0
    verdict = signal(overall)
    if verdict == STRONG and any(r.signal == WEAK for r in results):
        verdict = MIXED
    return Scorecard(overall, verdict, tuple(results))
