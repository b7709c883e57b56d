"""A candidate's own questions: added with their model answer (`/add`), listed, changed and
deleted (`/myquestions`), drilled and scheduled like the bank's, and scored in the grader's
reference-only mode (key points taken from the model answer they wrote). Private: every read
and write goes through the candidate's own records (coach.storage.records).

`QuestionSource` is where a drill finds a question by id: the bank, or the candidate's own.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coach.content.catalogue import catalogue
from coach.content.question_bank import OpenQuestion, Question, question_bank
from coach.contract import OWN_ACTION_ENTITY, OWN_QUESTION_ENTITY, OWN_QUESTIONS_INTENT, intent_payload
from coach.grading.matching import MAX_ANSWER_CHARS
from coach.practice.feedback import shorten
from coach.practice.history import OwnQuestion, follow_up_of, own_question_number, read_number
from coach.practice.replies import Reply, button, drill_payload
from coach.storage.records import Records

MY_QUESTIONS = "my_questions"  # the skill of own questions filed under none of the catalogue's
MY_QUESTIONS_NAME = "My questions"
MAX_OWN_QUESTIONS = 200
MIN_PROMPT_CHARS, MAX_PROMPT_CHARS = 10, 500
MIN_ANSWER_WORDS, MAX_MODEL_ANSWER_CHARS = 5, MAX_ANSWER_CHARS
LISTED_BUTTONS = 10  # the most recent questions get a button each in the list
CANCEL_WORDS = re.compile(r"^\s*(?:cancel|stop|quit|exit|never ?mind|forget it|abort)\W*$", re.IGNORECASE)
KEEP_WORDS = re.compile(r"^\s*(?:keep|keep it|same|unchanged|no change)\W*$", re.IGNORECASE)

# What a button under an own question does (the own_action entity).
SHOW, EDIT, DELETE = "show", "edit", "delete"


def as_question(own: OwnQuestion) -> OpenQuestion:
    """The drillable question; no rubric, so the scorer reads key points off the model answer."""
    opening = " ".join(own.model_answer.split()[:4])
    return OpenQuestion(id=own.question_id, skill=own.skill, difficulty="medium", prompt=own.prompt,
                        model_answer=own.model_answer, hint=f"Your model answer starts: \"{opening}…\"")


def skill_title(skill_id: str | None) -> str | None:
    """A skill's name, "My questions" included; None for an unknown id."""
    if skill_id == MY_QUESTIONS:
        return MY_QUESTIONS_NAME
    skill = catalogue().skill(skill_id) if skill_id else None
    return skill.name if skill else None


def read_skill(text: str) -> str | None:
    """The skill a reply names: a catalogue skill by id or name, or "my questions" (also
    "none", "other"); None for anything else."""
    words = " ".join(text.lower().replace("_", " ").split()).strip(" .!")
    if words in ("my questions", "none", "other", "no skill", "my own", MY_QUESTIONS.replace("_", " ")):
        return MY_QUESTIONS
    return next((s.id for s in catalogue().skills if words in (s.id.replace("_", " "), s.name.lower())), None)


def prompt_problem(text: str) -> str | None:
    """Why a question cannot be saved as it is, or None."""
    length = len(text.strip())
    if length < MIN_PROMPT_CHARS:
        return f"That's too short for a question: write it as you'd be asked it (at least {MIN_PROMPT_CHARS} characters)."
    if length > MAX_PROMPT_CHARS:
        return f"That's {length} characters; a question can have at most {MAX_PROMPT_CHARS}. Please shorten it."
    return None


def answer_problem(text: str) -> str | None:
    """Why a model answer cannot be saved as it is, or None: the scorer needs a few sentences'
    worth of points to compare answers with."""
    if len(text.split()) < MIN_ANSWER_WORDS:
        return (f"A model answer needs at least {MIN_ANSWER_WORDS} words: your answers are scored on the points "
                "it makes, so write the points a good answer covers.")
    if len(text.strip()) > MAX_MODEL_ANSWER_CHARS:
        return f"That's {len(text.strip())} characters; a model answer can have at most {MAX_MODEL_ANSWER_CHARS}."
    return None


def manage_payload(number: int, action: str) -> str:
    return intent_payload(OWN_QUESTIONS_INTENT, **{OWN_QUESTION_ENTITY: str(number), OWN_ACTION_ENTITY: action})


def skill_buttons() -> list[dict[str, str]]:
    """Buttons that name a skill for an own question (their payload is the skill's name)."""
    return [button(MY_QUESTIONS_NAME, MY_QUESTIONS_NAME)] + [button(s.name, s.name) for s in catalogue().skills]


@dataclass(frozen=True)
class QuestionSource:
    """Where one candidate's drill finds its questions: the bank, and their own."""

    records: Records
    sender_id: str

    def get(self, question_id: str) -> Question | None:
        """A bank question, a mock interview's follow-up on one of its concepts, or an own question."""
        follow_up = follow_up_of(question_id)
        if follow_up is not None:
            parent = question_bank().get(follow_up[0])
            return parent.follow_up(follow_up[1]) if isinstance(parent, OpenQuestion) else None
        number = own_question_number(question_id)
        if number is None:
            return question_bank().get(question_id)
        own = self.records.own_question(self.sender_id, number)
        return as_question(own) if own else None

    def for_skill(self, skill: str) -> Sequence[Question]:
        """A skill's questions: the bank's and the candidate's own of that skill; for "My
        questions", all the candidate's own."""
        own: list[Question] = [as_question(q) for q in self.records.own_questions(self.sender_id)
                               if skill in (MY_QUESTIONS, q.skill)]
        return own if skill == MY_QUESTIONS else [*question_bank().for_skill(skill), *own]


class OwnQuestions:
    """One candidate's own questions, as the conversation manages them."""

    def __init__(self, records: Records, sender_id: str) -> None:
        self.records, self.sender_id = records, sender_id

    def can_add(self) -> Reply | None:
        """Why no question can be added now, or None."""
        if len(self.records.own_questions(self.sender_id)) >= MAX_OWN_QUESTIONS:
            return Reply(f"You have {MAX_OWN_QUESTIONS} questions of your own, the most I keep. Delete some with "
                         "/myquestions to add more.")
        return None

    def listing(self) -> list[Reply]:
        """The candidate's questions, the most recent with a button each."""
        own = self.records.own_questions(self.sender_id)
        if not own:
            return [Reply("You have no questions of your own yet. Send /add to write one, with your model answer: "
                          "I'll drill it and schedule it like the others.")]
        lines = [f"Your questions ({len(own)}):"]
        lines += [f"{q.number}. [{skill_title(q.skill) or q.skill}] {shorten(q.prompt)}" for q in own]
        lines.append("\nTap one to see, change or delete it; /add writes another.")
        buttons = [button(f"{q.number}. {shorten(q.prompt, 30)}", manage_payload(q.number, SHOW))
                   for q in own[-LISTED_BUTTONS:]]
        buttons.append(button(f"Drill {MY_QUESTIONS_NAME}", drill_payload(MY_QUESTIONS)))
        return [Reply("\n".join(lines), buttons)]

    def manage(self, number: str | None, action: str | None) -> list[Reply]:
        """A button under an own question (show or delete it), or the list without one.
        Changing it takes a form of its own (the Rasa actions start it)."""
        known = read_number(number)
        if known is None or action not in (SHOW, DELETE):
            return self.listing()
        return self.show(known) if action == SHOW else self.delete(known)

    def show(self, number: int) -> list[Reply]:
        own = self.records.own_question(self.sender_id, number)
        if own is None:
            return [_not_found(number)]
        return [Reply(
            f"Question {own.number} · {skill_title(own.skill) or own.skill}\n\n{own.prompt}\n\nModel answer: {own.model_answer}",
            [button("Change it", manage_payload(number, EDIT)), button("Delete it", manage_payload(number, DELETE)),
             button(f"Drill {MY_QUESTIONS_NAME}", drill_payload(MY_QUESTIONS))],
        )]

    def delete(self, number: int) -> list[Reply]:
        if not self.records.delete_own_question(self.sender_id, number):
            return [_not_found(number)]
        return [Reply(f"Deleted question {number}. Your answers to it stay in your history.")]

    def current(self, number: int) -> OwnQuestion | None:
        return self.records.own_question(self.sender_id, number)

    def save(self, prompt: str, model_answer: str, skill: str, number: int | None) -> list[Reply]:
        """Add the question, or change question `number`."""
        if skill_title(skill) is None:
            return [Reply("That's not one of the skills, so nothing was saved. Send /add to try again.")]
        saved = self.records.save_own_question(self.sender_id, skill, " ".join(prompt.split()), model_answer.strip(),
                                               number, MAX_OWN_QUESTIONS)
        if saved is None:
            return [_not_found(number)] if number is not None else [self.can_add() or Reply("Nothing was saved.")]
        done = "Changed" if number is not None else "Saved"
        where = (f"{MY_QUESTIONS_NAME} drills" if saved.skill == MY_QUESTIONS
                 else f"{skill_title(saved.skill)} drills and {MY_QUESTIONS_NAME} drills")
        buttons = [button(f"Drill {MY_QUESTIONS_NAME}", drill_payload(MY_QUESTIONS))]
        if saved.skill != MY_QUESTIONS:
            buttons.append(button(f"Drill {skill_title(saved.skill)}", drill_payload(saved.skill)))
        buttons.append(button("List my questions", intent_payload(OWN_QUESTIONS_INTENT)))
        return [Reply(f"{done}: question {saved.number} in {skill_title(saved.skill)}. It comes up in {where}, "
                      "scored against your model answer.", buttons)]


def _not_found(number: int | None) -> Reply:
    return Reply(f"You have no question {number}. /myquestions lists yours.")
