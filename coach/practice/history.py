"""A candidate's practice history as the coaching logic sees it: drills, attempts and review
schedules as plain values, with no database in sight (coach/storage/ stores and reads them)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from fsrs.card import CardDict

# Drill statuses. An unfinished drill is "active" (a question is pending) or "stopped".
ACTIVE, STOPPED, FINISHED, REPLACED = "active", "stopped", "finished", "replaced"
UNFINISHED = (ACTIVE, STOPPED)
# Attempt outcomes.
ANSWERED, DONT_KNOW, SKIPPED = "answered", "dont_know", "skipped"
# Drill kinds: a drill of one skill or of the due reviews, or a mock interview across skills.
DRILL, INTERVIEW = "drill", "interview"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class RecordedAttempt:
    """An attempt as the drill logic sees it, detached from the database session."""

    question_id: str
    skill: str
    outcome: str
    answer_text: str
    score: int | None
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    hint_used: bool
    seconds_taken: float | None
    created_at: datetime
    session_id: int
    message_key: str  # the channel message it answered: one attempt per message
    # FSRS ratings (coach.practice.ratings), None when the attempt was not a review (skipped):
    # the one the score suggested and the candidate's own (the suggestion until they change it)
    suggested_rating: int | None = None
    rating: int | None = None
    was_review: bool = False  # the question had been reviewed before: a test of recall

    def as_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "skill": self.skill,
            "outcome": self.outcome,
            "answer": self.answer_text,
            "score": self.score,
            "covered": list(self.covered),
            "missed": list(self.missed),
            "hint_used": self.hint_used,
            "seconds_taken": self.seconds_taken,
            "suggested_rating": self.suggested_rating,
            "rating": self.rating,
            "answered_at": self.created_at.replace(tzinfo=timezone.utc).isoformat(),
        }


@dataclass(frozen=True)
class Drill:
    """A drill session's state, detached from the database session."""

    id: int
    skill: str | None
    question_ids: tuple[str, ...]
    position: int
    status: str
    asked_at: datetime | None
    hint_used: bool
    start_key: str | None = None
    kind: str = DRILL
    scorecard: dict[str, Any] | None = None  # a finished mock interview's (coach.practice.interview)
    finished_at: datetime | None = None  # when it last changed, for a finished one when it finished

    @property
    def pending_question_id(self) -> str | None:
        return self.question_ids[self.position] if self.position < len(self.question_ids) else None

    @property
    def interview(self) -> bool:
        return self.kind == INTERVIEW

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "skill": self.skill, "question_ids": list(self.question_ids),
                "position": self.position, "status": self.status, "scorecard": self.scorecard}


@dataclass(frozen=True)
class Review:
    """A question's FSRS card (as the scheduler serialises it) and when it is due next."""

    question_id: str
    skill: str
    card: CardDict
    due: datetime


@dataclass(frozen=True)
class RatedAttempt:
    """An attempt whose rating the candidate may change: the review it was, and whether it is
    still its question's latest review (an older one no longer decides when the question is due)."""

    message_key: str
    question_id: str
    skill: str
    card_before: CardDict | None
    reviewed_at: datetime
    suggested_rating: int
    rating: int
    latest: bool


@dataclass(frozen=True)
class ReminderSetting:
    """A candidate's daily reminder: the time on their clock (None: off), their time zone
    (an IANA name or "UTC+HH:MM"), the last day of theirs one was sent, and whether
    reminders were offered to them."""

    sender_id: str
    remind_at: time | None
    time_zone: str | None
    last_sent_on: date | None
    offered: bool


FOLLOW_UP_MARK = "#"  # a follow-up's id: "<question id>#<rubric concept label>"


def follow_up_id(question_id: str, label: str) -> str:
    return f"{question_id}{FOLLOW_UP_MARK}{label}"


def follow_up_of(question_id: str) -> tuple[str, str] | None:
    """The question and concept a follow-up's id names; None for any other question id."""
    question, mark, label = question_id.partition(FOLLOW_UP_MARK)
    return (question, label) if mark and question and label else None


OWN_PREFIX = "own."  # the question id of a candidate's own question: "own.<number>"


def own_question_id(number: int) -> str:
    return f"{OWN_PREFIX}{number}"


def read_number(text: object) -> int | None:
    """An own question's number as a button or slot carries it ("12"); None for anything else."""
    return int(text) if isinstance(text, str) and text.isdecimal() and len(text) < 12 else None


def own_question_number(question_id: str) -> int | None:
    """The number of an own question's id; None for a bank question's."""
    return read_number(question_id.removeprefix(OWN_PREFIX)) if question_id.startswith(OWN_PREFIX) else None


@dataclass(frozen=True)
class OwnQuestion:
    """A question a candidate wrote for themselves, with their model answer, filed under a skill
    of the catalogue or "my_questions"."""

    number: int
    skill: str
    prompt: str
    model_answer: str

    @property
    def question_id(self) -> str:
        return own_question_id(self.number)

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "skill": self.skill, "question": self.prompt, "model_answer": self.model_answer}
