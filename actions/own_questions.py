"""Rasa custom actions for a candidate's own questions: `/add` and `/myquestions`, and the form
that asks a question's wording, model answer and skill. Adapters only: the rules (limits,
skills, what is private) are coach.practice.own_questions'.

The form reads one reply per slot. "cancel" (or a bot command) ends it at once, saving
nothing; when a question is changed, "keep" keeps a part as it was.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.drill import activating, entity
from actions.replies import send
from coach.contract import (
    EDITING_SLOT,
    OWN_ACTION_ENTITY,
    OWN_ANSWER_SLOT,
    OWN_PROMPT_SLOT,
    OWN_QUESTION_ENTITY,
    OWN_SKILL_SLOT,
    REQUEST_METADATA,
    WRITING_SLOT,
)
from coach.practice.history import OwnQuestion, read_number
from coach.practice.own_questions import (
    CANCEL_WORDS,
    EDIT,
    KEEP_WORDS,
    MY_QUESTIONS_NAME,
    OwnQuestions,
    answer_problem,
    prompt_problem,
    read_skill,
    skill_buttons,
    skill_title,
)
from coach.practice.replies import Reply
from coach.storage.records import records

CANCELLED = "cancelled"  # fills every slot of the form when the candidate stops it
FORM = "own_question_form"
FORM_SLOTS = (OWN_PROMPT_SLOT, OWN_ANSWER_SLOT, OWN_SKILL_SLOT)


def own_questions(tracker: Tracker) -> OwnQuestions:
    return OwnQuestions(records(), tracker.sender_id)


def editing(tracker: Tracker) -> OwnQuestion | None:
    """The own question being changed, if one is."""
    number = read_number(tracker.get_slot(EDITING_SLOT))
    return own_questions(tracker).current(number) if number is not None else None


def start_form(number: int | None) -> list[EventType]:
    return [SlotSet(WRITING_SLOT, True), SlotSet(EDITING_SLOT, str(number) if number else None),
            *(SlotSet(slot, None) for slot in FORM_SLOTS)]


class ActionAddQuestion(Action):
    """Starts writing a new own question, unless the candidate has as many as are kept."""

    def name(self) -> str:
        return "action_add_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        refusal = own_questions(tracker).can_add()
        if refusal is not None:
            send(dispatcher, [refusal])
            return [SlotSet(WRITING_SLOT, False)]
        return start_form(None)


class ActionMyQuestions(Action):
    """Lists the own questions, or shows, deletes or starts changing the one a button names."""

    def name(self) -> str:
        return "action_my_questions"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        number, action = entity(tracker, OWN_QUESTION_ENTITY), entity(tracker, OWN_ACTION_ENTITY)
        questions = own_questions(tracker)
        known = read_number(number)
        if action == EDIT and known is not None and questions.current(known):
            return start_form(known)
        send(dispatcher, questions.manage(number, action))
        return [SlotSet(WRITING_SLOT, False)]


def _ask(dispatcher: CollectingDispatcher, text: str, buttons: list[dict[str, str]] | None = None) -> list[EventType]:
    send(dispatcher, [Reply(text, buttons or [])])
    return []


class ActionAskOwnPrompt(Action):
    def name(self) -> str:
        return "action_ask_own_prompt"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        current = editing(tracker)
        if current:
            return _ask(dispatcher, f"Question {current.number} reads:\n\n{current.prompt}\n\n"
                                    "Send its new wording, or \"keep\" (\"cancel\" stops without a change).")
        return _ask(dispatcher, "What's the question? Write it as an interviewer would ask it. (\"cancel\" stops.)")


class ActionAskOwnAnswer(Action):
    def name(self) -> str:
        return "action_ask_own_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        current = editing(tracker)
        if current:
            return _ask(dispatcher, f"Its model answer reads:\n\n{current.model_answer}\n\nSend the new one, or \"keep\".")
        return _ask(dispatcher, "Now your model answer: the points a good answer makes, in a few sentences. Your "
                                "answers to this question will be scored against it.")


class ActionAskOwnSkill(Action):
    def name(self) -> str:
        return "action_ask_own_skill"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        current = editing(tracker)
        keep = f" (now {skill_title(current.skill)}; \"keep\" keeps it)" if current else ""
        return _ask(dispatcher, f"Which skill does it belong to{keep}? Tap one, or {MY_QUESTIONS_NAME} for none.",
                    skill_buttons())


class ValidateOwnQuestionForm(FormValidationAction):
    """Checks each part of the question as it comes: too short or too long is said and asked
    again; "cancel" or a bot command ends the form, saving nothing."""

    def name(self) -> str:
        return "validate_own_question_form"

    @staticmethod
    def _stopping(value: str, tracker: Tracker) -> bool:
        marked = bool((tracker.latest_message.get("metadata") or {}).get(REQUEST_METADATA))
        return marked or value.startswith("/") or bool(CANCEL_WORDS.match(value))

    def _read(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        if activating(tracker, FORM):
            return {slot: None}
        text = str(value or "").strip()
        if self._stopping(text, tracker):
            return dict.fromkeys(FORM_SLOTS, CANCELLED)
        current = editing(tracker)
        if current and KEEP_WORDS.match(text):
            kept = {OWN_PROMPT_SLOT: current.prompt, OWN_ANSWER_SLOT: current.model_answer, OWN_SKILL_SLOT: current.skill}
            return {slot: kept[slot]}
        if slot == OWN_SKILL_SLOT:
            skill = read_skill(text)
            if skill is None:
                send(dispatcher, [Reply("That's not one of the skills: tap one of the buttons.")])
            return {slot: skill}
        problem = prompt_problem(text) if slot == OWN_PROMPT_SLOT else answer_problem(text)
        if problem:
            send(dispatcher, [Reply(problem)])
            return {slot: None}
        return {slot: text}

    def validate_own_prompt(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        return self._read(OWN_PROMPT_SLOT, value, dispatcher, tracker)

    def validate_own_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        return self._read(OWN_ANSWER_SLOT, value, dispatcher, tracker)

    def validate_own_skill(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        return self._read(OWN_SKILL_SLOT, value, dispatcher, tracker)


class ActionSaveOwnQuestion(Action):
    """After the form: saves the question (new, or the one changed), or says nothing was."""

    def name(self) -> str:
        return "action_save_own_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        prompt, answer, skill = (str(tracker.get_slot(slot) or "") for slot in FORM_SLOTS)
        number = read_number(tracker.get_slot(EDITING_SLOT))
        if CANCELLED in (prompt, answer, skill):
            send(dispatcher, [Reply("Okay, I stopped there: nothing was saved. If you sent a request meanwhile, "
                                    "please send it again.")])
        else:
            send(dispatcher, own_questions(tracker).save(
                prompt, answer, skill, number))
        return [SlotSet(WRITING_SLOT, False), SlotSet(EDITING_SLOT, None), *(SlotSet(slot, None) for slot in FORM_SLOTS)]
