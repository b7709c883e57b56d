"""How well a candidate recalled an answer, on FSRS's four-point scale: the rating the score
suggests, the candidate's own (who has the last word), and where the two disagree most (data
for content authors: a question whose scores candidates keep correcting needs a better rubric).
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from fsrs import Rating

from coach.content.question_bank import ChoiceQuestion, Question

# The names candidates see and type, best last.
RATING_NAMES = {Rating.Again: "Again", Rating.Hard: "Hard", Rating.Good: "Good", Rating.Easy: "Easy"}
RATINGS_BY_WORD = {name.lower(): rating for rating, name in RATING_NAMES.items()}
_RATING_WORD = re.compile(r"\b(again|hard|good|easy)\b", re.IGNORECASE)
# Score bounds of the open-question ratings: at 85 the answer was complete, at 60 correct,
# at 30 partly there (the scorer's verdicts, coach.grading.scoring).
EASY_FROM, GOOD_FROM, HARD_FROM = 85, 60, 30


def suggested_rating(question: Question, score: int) -> Rating:
    """The rating a score suggests. Multiple choice: right is Good, wrong is Again (as FSRS's
    maintainers advise: a recognised option says nothing about how easily it came)."""
    if isinstance(question, ChoiceQuestion):
        return Rating.Good if score >= 100 else Rating.Again
    if score >= EASY_FROM:
        return Rating.Easy
    if score >= GOOD_FROM:
        return Rating.Good
    if score >= HARD_FROM:
        return Rating.Hard
    return Rating.Again


def rating_named(word: object) -> Rating | None:
    """The rating a word names ("hard", "Easy"); None for anything else."""
    return RATINGS_BY_WORD.get(str(word).strip().lower()) if word is not None else None


def rating_word(text: str) -> str | None:
    """The rating a typed request names ("rate my last answer as hard")."""
    match = _RATING_WORD.search(text or "")
    return match.group(1).lower() if match else None


def rating_name(value: int) -> str:
    """The name of a stored rating (its FSRS number); "" for none."""
    return next((name for rating, name in RATING_NAMES.items() if int(rating) == value), "")


@dataclass(frozen=True)
class Disagreement:
    """One question's self-ratings: how many, how many differ from the suggestion, and by how
    much on average (positive: candidates rate themselves higher than the score did)."""

    question_id: str
    rated: int
    changed: int
    mean_shift: float


def disagreements(pairs: Iterable[tuple[str, int, int]], top: int = 20) -> list[Disagreement]:
    """The questions whose suggested ratings candidates changed most often, from
    (question id, suggested, chosen) triples, most changed first."""
    by_question: dict[str, list[int]] = defaultdict(list)
    for question_id, suggested, chosen in pairs:
        by_question[question_id].append(chosen - suggested)
    found = [
        Disagreement(question_id, len(shifts), sum(1 for s in shifts if s), round(sum(shifts) / len(shifts), 2))
        for question_id, shifts in by_question.items()
    ]
    found = [d for d in found if d.changed]
    return sorted(found, key=lambda d: (-d.changed, -abs(d.mean_shift), d.question_id))[:top]
