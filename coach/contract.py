"""What crosses process boundaries, defined once: the intent, entity and slot names of the
Rasa domain (domain.yml) that code uses, the payload format that makes Rasa take an intent
without running the NLU (buttons, commands), and the custom payloads the actions send
(`dispatcher.utter_message(json_message=...)`) and the channels read (bot/render.py, the
Telegram channel; tools/console.py, the terminal chat).

A payload's wire format is its `to_json()`; `parse_payload` reads one back and refuses
(None) an unknown type or a field of the wrong shape, which the caller logs.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeGuard

# Intents. FALLBACK_INTENT is Rasa's own (the FallbackClassifier's), not listed in domain.yml.
GREET_INTENT = "greet"
HELP_INTENT = "help"
AFFIRM_INTENT = "affirm"
DENY_INTENT = "deny"
FAQ_INTENT = "faq"
FALLBACK_INTENT = "nlu_fallback"
DRILL_INTENT = "start_drill"
RESUME_INTENT = "resume_drill"
PROGRESS_INTENT = "show_progress"
EXPORT_INTENT = "export_data"
DELETE_INTENT = "delete_data"
RATE_INTENT = "rate_answer"  # the candidate's own rating of a review (Again, Hard, Good, Easy)
REMIND_INTENT = "set_reminder"  # a daily review reminder: its time, or off
ADD_QUESTION_INTENT = "add_question"  # write a question of one's own, with a model answer
OWN_QUESTIONS_INTENT = "my_questions"  # list one's own questions; with entities, show, edit or delete one
OUT_OF_SCOPE_INTENT = "out_of_scope"

# Entities.
SKILL_ENTITY = "skill"
TOPIC_ENTITY = "faq_topic"
COUNT_ENTITY = "question_count"
MODE_ENTITY = "drill_mode"  # set by button payloads only, to one of the modes below
REVIEW_MODE = "review"  # a drill of the due reviews
INTERVIEW_MODE = "interview"  # a mock interview across skills
# The new drill, confirmed: it replaces the unfinished one. Alone for a skill's drill, else
# before the drill's mode ("replace_review", "replace_interview").
REPLACE_MODE = "replace"
RATING_ENTITY = "rating"  # again, hard, good or easy
ANSWER_KEY_ENTITY = "answer_key"  # set by rating buttons: the message whose review they rate
REMINDER_TIME_ENTITY = "reminder_time"  # set by reminder buttons: "HH:MM", or "off"
OWN_QUESTION_ENTITY = "own_question"  # set by own-question buttons: the question's number
OWN_ACTION_ENTITY = "own_action"  # with it: show, edit or delete
EMPLOYER_ENTITY = "employer"  # an out-of-scope question about one employer's hiring names it

# Message metadata a channel sets: the message is a request made with a bot command (such as
# `/drill statistics`), never an answer to a pending drill question, whatever its words.
REQUEST_METADATA = "request"

# Slots.
OFFERED_SKILL_SLOT = "offered_skill"  # the skill whose drill the last FAQ answer offered
DRILL_READY_SLOT = "drill_ready"  # a drill is ready: the rules start the drill form
PENDING_SLOT = "pending_confirmation"  # what a yes or no now answers
ANSWER_SLOT = "drill_answer"  # the reply to the pending question; filled to end the form
FORGET_SLOT = "forget_conversation"  # the tracker store drops the conversation up to it
ASKING_ZONE_SLOT = "asking_time_zone"  # the reminder needs the time zone: the rules start its form
TIME_ZONE_SLOT = "time_zone_reply"  # the reply to "What's your time zone?"; filled to end the form
WRITING_SLOT = "writing_question"  # an own question is being written: the rules start its form
EDITING_SLOT = "editing_question"  # the number of the own question being changed, None for a new one
OWN_PROMPT_SLOT, OWN_ANSWER_SLOT, OWN_SKILL_SLOT = "own_prompt", "own_answer", "own_skill"  # the form's


def intent_payload(intent: str, **entities: str) -> str:
    """A payload that Rasa takes as this intent and entities, without running NLU."""
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"


def replace_mode(drill_mode: str | None) -> str:
    """The mode of a button that starts a drill of `drill_mode` in place of the unfinished one."""
    return f"{REPLACE_MODE}_{drill_mode}" if drill_mode else REPLACE_MODE


def read_mode(value: str | None) -> tuple[str | None, bool]:
    """A drill_mode entity's drill mode (None for a skill's drill) and whether it replaces."""
    if value is None or not value.startswith(REPLACE_MODE):
        return value, False
    return value.removeprefix(REPLACE_MODE).removeprefix("_") or None, True


# Custom payloads.

def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_texts(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


@dataclass(frozen=True)
class Quiz:
    """A multiple-choice question, for channels with native quizzes (Telegram polls):
    choosing option i sends `answer_payloads[i]`; `question_id` names the bank question."""

    TYPE: ClassVar[str] = "quiz"
    question_id: str
    question: str
    options: tuple[str, ...]
    correct_option_id: int
    explanation: str
    answer_payloads: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.TYPE,
            "question_id": self.question_id,
            "question": self.question,
            "options": list(self.options),
            "correct_option_id": self.correct_option_id,
            "explanation": self.explanation,
            "answer_payloads": list(self.answer_payloads),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Quiz | None:
        question_id, question, explanation = data.get("question_id"), data.get("question"), data.get("explanation")
        options, payloads, correct = data.get("options"), data.get("answer_payloads"), data.get("correct_option_id")
        if not (isinstance(question_id, str) and isinstance(question, str) and isinstance(explanation, str)
                and _is_texts(options) and _is_texts(payloads) and _is_int(correct)):
            return None
        if len(options) < 2 or len(payloads) != len(options) or not 0 <= correct < len(options):
            return None
        return cls(question_id, question, tuple(options), correct, explanation, tuple(payloads))


@dataclass(frozen=True)
class ChartSkill:
    """One skill's bar of the progress chart: mastery 0-100 (None when never practised),
    reviews due today and in the 7 days after, and the share of reviews recalled in percent
    (None before the first review)."""

    id: str
    name: str
    mastery: int | None
    attempts: int
    due_today: int = 0
    due_week: int = 0
    retention: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "mastery": self.mastery, "attempts": self.attempts,
                "due_today": self.due_today, "due_week": self.due_week, "retention": self.retention}

    @classmethod
    def from_json(cls, data: object) -> ChartSkill | None:
        if not isinstance(data, dict):
            return None
        skill_id, name, mastery, attempts = data.get("id"), data.get("name"), data.get("mastery"), data.get("attempts")
        due_today, due_week, retention = data.get("due_today", 0), data.get("due_week", 0), data.get("retention")
        if not (isinstance(skill_id, str) and isinstance(name, str) and (mastery is None or _is_int(mastery))
                and _is_int(attempts) and _is_int(due_today) and _is_int(due_week)
                and (retention is None or _is_int(retention))):
            return None
        return cls(skill_id, name, mastery, attempts, due_today, due_week, retention)


@dataclass(frozen=True)
class ProgressChart:
    """The per-skill figures a channel needs to draw the progress chart, and the share of
    reviews the schedule aims to have recalled (percent)."""

    TYPE: ClassVar[str] = "progress_chart"
    title: str
    skills: tuple[ChartSkill, ...]
    target_retention: int = 90

    def to_json(self) -> dict[str, Any]:
        return {"type": self.TYPE, "title": self.title, "skills": [skill.to_json() for skill in self.skills],
                "target_retention": self.target_retention}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProgressChart | None:
        title, skills, target = data.get("title"), data.get("skills"), data.get("target_retention", 90)
        if not isinstance(title, str) or not isinstance(skills, list) or not _is_int(target):
            return None
        parsed = [ChartSkill.from_json(skill) for skill in skills]
        known = [skill for skill in parsed if skill is not None]
        return cls(title, tuple(known), target) if len(known) == len(parsed) else None


@dataclass(frozen=True)
class DataExport:
    """Everything stored about the candidate, as JSON data for a channel to send as a file."""

    TYPE: ClassVar[str] = "data_export"
    filename: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"type": self.TYPE, "filename": self.filename, "data": self.data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataExport | None:
        filename, content = data.get("filename"), data.get("data")
        if not isinstance(filename, str) or not filename.strip() or not isinstance(content, dict):
            return None
        return cls(filename, content)


@dataclass(frozen=True)
class DataDeleted:
    """The candidate's data was deleted: a channel drops its own state of them."""

    TYPE: ClassVar[str] = "data_deleted"

    def to_json(self) -> dict[str, Any]:
        return {"type": self.TYPE}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataDeleted | None:
        return cls()


Payload = Quiz | ProgressChart | DataExport | DataDeleted
_PARSERS: dict[str, Callable[[dict[str, Any]], Payload | None]] = {
    kind.TYPE: kind.from_json for kind in (Quiz, ProgressChart, DataExport, DataDeleted)
}


def parse_payload(data: object) -> Payload | None:
    """The payload `data` (a message's `custom`) stands for; None for an unknown type or a
    field of the wrong shape."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return None
    parser = _PARSERS.get(data["type"])
    return parser(data) if parser is not None else None
