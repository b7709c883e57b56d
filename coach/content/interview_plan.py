"""What a mock interview covers: the areas of content/interview.yml, each with its number of
questions and the open questions it may take them from (of its skills, with its topics).

The plan is content, checked as it loads: an area needs a name, 1-3 questions, known skills
or topics, and at least twice as many open questions to choose from as it asks (so that a
second interview can differ from the first).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coach.content.catalogue import CONTENT_DIR, Catalogue, ContentError, catalogue, read_yaml, require_entries, require_text
from coach.content.question_bank import OpenQuestion, QuestionBank, question_bank

PLAN_PATH = CONTENT_DIR / "interview.yml"
MAX_AREA_QUESTIONS = 3
CHOICE_FACTOR = 2  # open questions an area needs per question it asks
_ID = re.compile(r"[a-z][a-z0-9_]{1,40}")


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    questions: int
    skills: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    def includes(self, question: OpenQuestion) -> bool:
        """Of one of its skills (any, when it names none) and with one of its topics (any, when
        it names none)."""
        return ((not self.skills or question.skill in self.skills)
                and (not self.topics or any(t in self.topics for t in question.topics)))


@dataclass(frozen=True)
class InterviewPlan:
    areas: tuple[Area, ...]

    def area(self, area_id: str) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)

    @property
    def length(self) -> int:
        return sum(a.questions for a in self.areas)


def _names(path: Path, entry: str, value: object, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and _ID.fullmatch(v) for v in value):
        raise ContentError(path, entry, f"'{field}' must be a list of ids, got {value!r}")
    return tuple(value)


def load_plan(path: Path = PLAN_PATH, bank: QuestionBank | None = None, catalogue_: Catalogue | None = None) -> InterviewPlan:
    """Read and check the plan against the catalogue and the question bank."""
    bank, catalogue_ = bank or question_bank(), catalogue_ or catalogue()
    open_questions = [q for q in bank.questions.values() if isinstance(q, OpenQuestion)]
    areas: list[Area] = []
    for index, item in enumerate(require_entries(path, read_yaml(path), "areas")):
        area_id = item.get("id")
        entry = f"areas[{index}] {area_id or ''}".strip()
        if not isinstance(area_id, str) or not _ID.fullmatch(area_id) or any(a.id == area_id for a in areas):
            raise ContentError(path, entry, "id must be a unique snake_case id")
        unknown = set(item) - {"id", "name", "questions", "skills", "topics"}
        if unknown:
            raise ContentError(path, entry, f"unknown field(s): {', '.join(sorted(unknown))}")
        count = item.get("questions")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_AREA_QUESTIONS:
            raise ContentError(path, entry, f"questions must be 1 to {MAX_AREA_QUESTIONS}, got {count!r}")
        skills, topics = _names(path, entry, item.get("skills"), "skills"), _names(path, entry, item.get("topics"), "topics")
        for skill in skills:
            if catalogue_.skill(skill) is None:
                raise ContentError(path, entry, f"{skill!r} is not a catalogue skill id")
        if not skills and not topics:
            raise ContentError(path, entry, "needs skills or topics to take its questions from")
        area = Area(area_id, require_text(path, entry, item.get("name"), "name"), count, skills, topics)
        available = sum(1 for q in open_questions if area.includes(q))
        if available < CHOICE_FACTOR * count:
            raise ContentError(path, entry, f"has {available} open questions to choose from; needs {CHOICE_FACTOR * count}")
        areas.append(area)
    return InterviewPlan(tuple(areas))


@lru_cache(maxsize=1)
def interview_plan() -> InterviewPlan:
    """The project's plan, loaded and checked once per process."""
    return load_plan()
