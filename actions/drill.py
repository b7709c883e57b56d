"""Rasa custom actions for drills: starting, asking, answering, ending, and yes/no replies.

Thin adapters: the drill's state lives in the database (coach.storage.records), its rules in
coach.practice.drill, scoring in coach.grading.scoring and its wording in coach.practice.feedback. The only
Rasa state is the drill form (a question is pending) and the slots named below.
"""
from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.data import DELETE_DATA, PENDING_SLOT, delete_everything
from actions.faq import OFFERED_SKILL_SLOT
from coach.content.catalogue import catalogue
from coach.content.question_bank import ChoiceQuestion, OpenQuestion, Question, question_bank
from coach.contract import DRILL_INTENT, PROGRESS_INTENT, RESUME_INTENT, SKILL_ENTITY, intent_payload
from coach.grading.scoring import MAX_ANSWER_CHARS, score_answer
from coach.practice import feedback
from coach.practice.drill import (
    MAX_QUESTIONS,
    MIN_QUESTIONS,
    Command,
    choose_questions,
    clamp_count,
    due_question_ids,
    next_review,
    read_reply,
    requested_count,
)
from coach.practice.history import ACTIVE, ANSWERED, DONT_KNOW, FINISHED, SKIPPED, STOPPED, Drill, utcnow
from coach.practice.progress import progress, skills_weakest_first
from coach.storage.records import records

MODE_ENTITY = "drill_mode"
COUNT_ENTITY = "question_count"
REVIEW_MODE, REPLACE_MODE = "review", "replace"

DRILL_READY_SLOT = "drill_ready"
ANSWER_SLOT = "drill_answer"
REVIEW_NAME = "Review"
ALREADY_ANSWERED = "That question was answered already, so I didn't record this reply."


def skill_name(skill_id: str | None) -> str:
    skill = catalogue().skill(skill_id) if skill_id else None
    return skill.name if skill else REVIEW_NAME


def message_key(tracker: Tracker) -> str:
    """The delivery's identity: the channel's message id when it sends one, else Rasa's."""
    message = tracker.latest_message or {}
    channel_id = (message.get("metadata") or {}).get("message_id")
    return str(channel_id or message.get("message_id") or f"{tracker.sender_id}:{len(tracker.events)}")


def command_buttons(*commands: Command) -> list[dict[str, str]]:
    """Buttons whose payload is the command's own words, so tapping equals typing."""
    return [{"title": feedback.COMMAND_TITLES[c], "payload": feedback.COMMAND_TITLES[c]} for c in commands]


OPEN_BUTTONS = (Command.HINT, Command.SKIP, Command.REPEAT, Command.DONT_KNOW, Command.STOP)
CHOICE_BUTTONS = (Command.SKIP, Command.REPEAT, Command.STOP)


def send_question(dispatcher: CollectingDispatcher, question: Question, drill: Drill) -> None:
    """Ask the pending question, then offer its buttons in a short message of their own
    (multi-line text above buttons is unreadable in some chats, e.g. the terminal). For a
    choice question, a quiz description comes between the two, for channels with native
    quizzes (Telegram polls)."""
    dispatcher.utter_message(text=feedback.question_text(question, drill, skill_name(drill.skill)))
    if isinstance(question, ChoiceQuestion):
        quiz = {
            "type": "quiz",
            "question_id": question.id,
            "question": question.prompt,
            "options": list(question.options),
            "correct_option_id": question.correct,
            "explanation": question.explanation,
            "answer_payloads": list(question.letters),
        }
        buttons = [{"title": letter, "payload": letter} for letter in question.letters]
        dispatcher.utter_message(json_message=quiz)
        dispatcher.utter_message(text="Your choice?", buttons=buttons + command_buttons(*CHOICE_BUTTONS))
    else:
        dispatcher.utter_message(text="Your answer, in a few sentences?", buttons=command_buttons(*OPEN_BUTTONS))


def review_buttons(due: list[str]) -> list[dict[str, str]]:
    """A button for a drill of the due reviews, when there are any."""
    if not due:
        return []
    return [{"title": f"Review ({len(due)} due)", "payload": intent_payload(DRILL_INTENT, **{MODE_ENTITY: REVIEW_MODE})}]


def skill_buttons(sender_id: str) -> list[dict[str, str]]:
    """Due reviews first, then every skill, weakest first."""
    report = progress(records().attempts(sender_id), catalogue())
    buttons = review_buttons(due_question_ids(records().reviews(sender_id).values(), utcnow()))
    buttons += [
        {"title": s.name, "payload": intent_payload(DRILL_INTENT, **{SKILL_ENTITY: s.skill})}
        for s in skills_weakest_first(report)
    ]
    return buttons


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None



def warm_up() -> None:
    """Load the question bank and the language pipeline, and score one answer, as the
    action server starts: otherwise a candidate's first answer waits about 3 s (`make bench`)."""
    question = next(q for q in question_bank().questions.values() if isinstance(q, OpenQuestion))
    score_answer(question, question.model_answer)


warm_up()

class DrillRequest:
    """What the candidate asked for: a skill or the due reviews, how many questions."""

    def __init__(self, skill: str | None, review: bool, count: int | None) -> None:
        self.skill, self.review, self.count = skill, review, count

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> DrillRequest:
        skill = next((str(v) for v in tracker.get_latest_entity_values(SKILL_ENTITY) if catalogue().skill(str(v))), None)
        count_text = _entity(tracker, COUNT_ENTITY)
        count = int(count_text) if count_text and count_text.isdigit() else requested_count(tracker.latest_message.get("text") or "")
        return cls(skill, _entity(tracker, MODE_ENTITY) == REVIEW_MODE, count)

    @property
    def chosen(self) -> bool:
        return self.review or self.skill is not None

    def to_json(self) -> str:
        return json.dumps({"skill": self.skill, "review": self.review, "count": self.count})

    @classmethod
    def from_json(cls, text: str) -> DrillRequest:
        data = json.loads(text)
        return cls(data.get("skill"), bool(data.get("review")), data.get("count"))

    def replace_payload(self) -> str:
        entities = {MODE_ENTITY: REPLACE_MODE}
        if self.skill:
            entities[SKILL_ENTITY] = self.skill
        if self.count:
            entities[COUNT_ENTITY] = str(self.count)
        return intent_payload(DRILL_INTENT, **entities)


def ready(value: bool, **slots: Any) -> list[EventType]:
    events: list[EventType] = [SlotSet(DRILL_READY_SLOT, value), SlotSet(OFFERED_SKILL_SLOT, None)]
    events += [SlotSet(name, slot_value) for name, slot_value in slots.items()]
    return events


def start_drill(dispatcher: CollectingDispatcher, sender_id: str, request: DrillRequest, key: str) -> list[EventType]:
    """Create the drill (started by message `key`) and announce it; the drill form then asks
    the first question."""
    count = clamp_count(request.count)
    now = utcnow()
    reviews = records().reviews(sender_id)
    if request.review:
        question_ids = due_question_ids(reviews.values(), now)[:count]
        if not question_ids:
            dispatcher.utter_message(text="Nothing is due for review right now. Pick a skill instead:", buttons=skill_buttons(sender_id))
            return ready(False, **{PENDING_SLOT: None})
    else:
        question_ids = choose_questions(
            question_bank().for_skill(request.skill), count, reviews,
            records().attempts(sender_id), now, seed=f"{sender_id}:{now.isoformat()}",
        )
    drill = records().start_drill(sender_id, None if request.review else request.skill, question_ids, key)
    note = ""
    if request.count is not None and request.count != count:
        note = f" Drills have {MIN_QUESTIONS} to {MAX_QUESTIONS} questions, so this one has {count}."
    elif len(question_ids) < count:
        note = f" Only {len(question_ids)} are due, so that's the drill."
    return announce(dispatcher, drill, note)


def announce(dispatcher: CollectingDispatcher, drill: Drill, note: str = "") -> list[EventType]:
    dispatcher.utter_message(
        text=f"Starting a {len(drill.question_ids)}-question {skill_name(drill.skill)} drill.{note} "
        "At any time you can say hint, skip, repeat, \"I don't know\" or stop."
    )
    return ready(True, **{PENDING_SLOT: None})


def ask_to_replace(dispatcher: CollectingDispatcher, unfinished: Drill, request: DrillRequest) -> list[EventType]:
    where = f"question {unfinished.position + 1} of {len(unfinished.question_ids)}"
    new = "review" if request.review else f"{skill_name(request.skill)} drill"
    dispatcher.utter_message(
        text=f"You have an unfinished {skill_name(unfinished.skill)} drill (at {where}). "
        f"Resume it, or drop it and start the new {new}?",
        buttons=[
            {"title": f"Resume {skill_name(unfinished.skill)}", "payload": intent_payload(RESUME_INTENT)},
            {"title": f"Start the new {new}", "payload": request.replace_payload()},
        ],
    )
    return ready(False, **{PENDING_SLOT: request.to_json()})


def resume(dispatcher: CollectingDispatcher, sender_id: str) -> list[EventType]:
    unfinished = records().unfinished_drill(sender_id)
    if unfinished is None:
        dispatcher.utter_message(text="You have no paused drill. Which skill would you like to practise?", buttons=skill_buttons(sender_id))
        return ready(False, **{PENDING_SLOT: None})
    records().update_drill(unfinished.id, status=ACTIVE, asked_at=None)
    dispatcher.utter_message(
        text=f"Resuming your {skill_name(unfinished.skill)} drill at question "
        f"{unfinished.position + 1} of {len(unfinished.question_ids)}."
    )
    return ready(True, **{PENDING_SLOT: None})


def handle_request(dispatcher: CollectingDispatcher, tracker: Tracker, request: DrillRequest, replace: bool) -> list[EventType]:
    unfinished, key = records().unfinished_drill(tracker.sender_id), message_key(tracker)
    if request.chosen and unfinished and unfinished.start_key == key and unfinished.position == 0:
        # this very message started it, in a turn whose replies were lost: the same start again
        records().update_drill(unfinished.id, status=ACTIVE, asked_at=None)
        return announce(dispatcher, unfinished)
    if request.chosen and unfinished and not replace:
        return ask_to_replace(dispatcher, unfinished, request)
    if request.chosen:
        return start_drill(dispatcher, tracker.sender_id, request, key)
    buttons = skill_buttons(tracker.sender_id)
    if unfinished:
        buttons.insert(0, {"title": f"Resume {skill_name(unfinished.skill)}", "payload": intent_payload(RESUME_INTENT)})
    dispatcher.utter_message(text="Which skill would you like to practise? Your weakest come first.", buttons=buttons)
    return ready(False, **{PENDING_SLOT: None})


class ActionStartDrill(Action):
    """Starts or resumes a drill, or asks which skill, or whether to replace a paused one."""

    def name(self) -> str:
        return "action_start_drill"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if (tracker.latest_message.get("intent") or {}).get("name") == RESUME_INTENT:
            return resume(dispatcher, tracker.sender_id)
        request = DrillRequest.from_tracker(tracker)
        return handle_request(dispatcher, tracker, request, replace=_entity(tracker, MODE_ENTITY) == REPLACE_MODE)


class ActionConfirm(Action):
    """A yes or no: to deleting data, to replacing a paused drill, or to an offered drill."""

    def name(self) -> str:
        return "action_confirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        yes = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        pending = tracker.get_slot(PENDING_SLOT)
        if pending == DELETE_DATA:
            if not yes:
                dispatcher.utter_message(text="Okay, I've kept everything as it is.")
                return ready(False, **{PENDING_SLOT: None})
            return delete_everything(dispatcher, tracker.sender_id) + ready(False, **{PENDING_SLOT: None})
        if pending:
            if yes:
                return handle_request(dispatcher, tracker, DrillRequest.from_json(pending), replace=True)
            dispatcher.utter_message(
                text="Okay, your paused drill is still there. Say \"resume\" when you want to continue.",
                buttons=[{"title": "Resume", "payload": intent_payload(RESUME_INTENT)}],
            )
            return ready(False, **{PENDING_SLOT: None})
        offered = tracker.get_slot(OFFERED_SKILL_SLOT)
        if yes and offered and catalogue().skill(offered):
            return handle_request(dispatcher, tracker, DrillRequest(offered, False, None), replace=False)
        dispatcher.utter_message(response="utter_ack_affirm" if yes else "utter_ack_deny")
        return ready(False, **{PENDING_SLOT: None})


class ActionAskDrillAnswer(Action):
    """The drill form's question: shows the pending question unless it is already shown."""

    def name(self) -> str:
        return "action_ask_drill_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        drill = records().unfinished_drill(tracker.sender_id)
        if drill is None or drill.status != ACTIVE or drill.asked_at is not None:
            return []
        question = question_bank().get(drill.pending_question_id or "")
        if question is not None:
            send_question(dispatcher, question, drill)
            records().update_drill(drill.id, asked_at=utcnow())
        return []


class ValidateDrillForm(FormValidationAction):
    """Reads each reply to a pending question: a command, or an answer to score and record.

    The slot stays empty while the drill goes on (so the form asks the next question) and
    is filled with the drill's end state ("finished", "stopped") to end the form.
    """

    def name(self) -> str:
        return "validate_drill_form"

    def validate_drill_answer(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(slot_value or "")
        key = message_key(tracker)
        shown = records().recorded_feedback(tracker.sender_id, key)
        drill = records().unfinished_drill(tracker.sender_id)
        active = drill is not None and drill.status == ACTIVE
        if shown is not None:  # a retried turn whose replies were lost: the same feedback again,
            dispatcher.utter_message(text=shown)  # and the question that came after it
            pending = question_bank().get(drill.pending_question_id or "") if drill is not None and active else None
            if pending is not None:
                send_question(dispatcher, pending, drill)
                records().update_drill(drill.id, asked_at=drill.asked_at or utcnow())
            return {ANSWER_SLOT: None if active else FINISHED}
        if drill is None or not active:
            return {ANSWER_SLOT: "ended"}
        question = question_bank().get(drill.pending_question_id or "")
        if question is None:  # removed from the bank since the drill started
            drill, _new = records().record_attempt(
                drill, key, question_id=drill.pending_question_id or "", skill=drill.skill or "",
                outcome=SKIPPED, answer_text=text, score=None,
            )
            dispatcher.utter_message(text="That question is no longer in the bank, so I've skipped it.")
            return {ANSWER_SLOT: FINISHED if drill.status == FINISHED else None}
        if text.startswith("/"):  # a button or command of another kind, or a drill start sent again
            dispatcher.utter_message(
                text="You're in the middle of a drill. Answer this question, or say \"stop\" to leave it.")
            send_question(dispatcher, question, drill)
            return {ANSWER_SLOT: None}
        reading = read_reply(question, text)
        if reading.command is Command.HINT:
            records().update_drill(drill.id, hint_used=True)
            dispatcher.utter_message(text=feedback.hint_text(question), buttons=command_buttons(Command.SKIP, Command.DONT_KNOW, Command.STOP))
            return {ANSWER_SLOT: None}
        if reading.command is Command.REPEAT:
            send_question(dispatcher, question, drill)
            return {ANSWER_SLOT: None}
        if reading.command is Command.STOP:
            records().update_drill(drill.id, status=STOPPED)
            return {ANSWER_SLOT: STOPPED}
        if reading.command is Command.SKIP:
            return self._save(dispatcher, tracker, drill, key, question, SKIPPED, text, None, feedback.skip_feedback(question))
        if reading.command is Command.DONT_KNOW:
            missed = tuple(c.label for c in question.rubric) if isinstance(question, OpenQuestion) else ()
            return self._save(dispatcher, tracker, drill, key, question, DONT_KNOW, text, 0, feedback.dont_know_feedback(question), missed=missed)
        if isinstance(question, ChoiceQuestion):
            if reading.choice is None:
                dispatcher.utter_message(text=feedback.invalid_choice(question))
                return {ANSWER_SLOT: None}
            score = 100 if reading.choice == question.correct else 0
            return self._save(dispatcher, tracker, drill, key, question, ANSWERED, text, score, feedback.choice_feedback(question, reading.choice))
        result = score_answer(question, text)
        if result.problem:
            dispatcher.utter_message(text=feedback.degenerate_feedback(result), buttons=command_buttons(*OPEN_BUTTONS))
            return {ANSWER_SLOT: None}
        return self._save(
            dispatcher, tracker, drill, key, question, ANSWERED, text, result.score,
            feedback.open_feedback(question, result), result.covered, result.missed,
        )

    def _save(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, drill: Drill, key: str, question: Question,
        outcome: str, text: str, score: int | None, message: str,
        covered: tuple[str, ...] = (), missed: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        now = utcnow()
        review = None
        if score is not None:
            review = next_review(question, records().reviews(tracker.sender_id).get(question.id), score, now)
        if len(text) > MAX_ANSWER_CHARS:
            message = f"(Only the first {MAX_ANSWER_CHARS} characters of your answer were read.)\n{message}"
        drill, new = records().record_attempt(
            drill, key, question_id=question.id, skill=question.skill, outcome=outcome,
            answer_text=text[:MAX_ANSWER_CHARS], score=score, covered=covered, missed=missed, review=review, now=now,
            feedback=message,
        )
        if not new:  # the same message recorded meanwhile, or the question answered by another
            message = records().recorded_feedback(tracker.sender_id, key) or ALREADY_ANSWERED
        dispatcher.utter_message(text=message)
        return {ANSWER_SLOT: FINISHED if drill.status == FINISHED else None}


class ActionEndDrill(Action):
    """After the drill form: the summary and what next, or how to resume a stopped drill."""

    def name(self) -> str:
        return "action_end_drill"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        drill = records().latest_drill(tracker.sender_id)
        if drill is not None and drill.status == STOPPED:
            dispatcher.utter_message(
                text=f"Drill paused at question {drill.position + 1} of {len(drill.question_ids)}. "
                "Your answers so far are saved; say \"resume\" to pick up where you left off.",
                buttons=[{"title": "Resume", "payload": intent_payload(RESUME_INTENT)},
                         {"title": "My progress", "payload": intent_payload(PROGRESS_INTENT)}],
            )
        elif drill is not None and drill.status == FINISHED:
            attempts = records().attempts(tracker.sender_id, session_id=drill.id)
            dispatcher.utter_message(text=feedback.summary_text(attempts, question_bank(), skill_name(drill.skill)))
            self._suggest_next(dispatcher, tracker.sender_id, drill)
        else:
            dispatcher.utter_message(text="That drill has ended. Say \"quiz me\" to start another.")
        return [SlotSet(ANSWER_SLOT, None), SlotSet(DRILL_READY_SLOT, False)]

    @staticmethod
    def _suggest_next(dispatcher: CollectingDispatcher, sender_id: str, drill: Drill) -> None:
        report = progress(records().attempts(sender_id), catalogue())
        weakest = skills_weakest_first(report)[0]
        due = due_question_ids(records().reviews(sender_id).values(), utcnow())
        buttons = review_buttons(due)
        buttons.append({"title": f"Drill {weakest.name}", "payload": intent_payload(DRILL_INTENT, **{SKILL_ENTITY: weakest.skill})})
        if drill.skill and drill.skill != weakest.skill:
            buttons.append({"title": f"Again: {skill_name(drill.skill)}", "payload": intent_payload(DRILL_INTENT, **{SKILL_ENTITY: drill.skill})})
        buttons.append({"title": "My progress", "payload": intent_payload(PROGRESS_INTENT)})
        suggestion = (
            f"Next, I suggest reviewing the {len(due)} questions now due." if due
            else f"Next, I suggest a drill on {weakest.name}, your weakest area."
        )
        dispatcher.utter_message(text=suggestion, buttons=buttons)

