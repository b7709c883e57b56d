"""Rasa custom actions for drills: starting, asking, answering, ending, and yes/no replies.

Adapters only: each reads the tracker (intent, entities, slots, the message's identity),
calls the coaching core (coach.practice.sessions, which holds the drill's decisions over
coach.storage.records) and turns its result into messages and slot events. The only Rasa
state is the drill form (a question is pending) and the slots of coach.contract.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.data import conversation
from actions.replies import send
from coach.contract import (
    AFFIRM_INTENT,
    ANSWER_SLOT,
    COUNT_ENTITY,
    DRILL_READY_SLOT,
    FORGET_SLOT,
    MODE_ENTITY,
    OFFERED_SKILL_SLOT,
    PENDING_SLOT,
    RESUME_INTENT,
    SKILL_ENTITY,
    read_mode,
)
from coach.practice.sessions import DrillRequest, Practice, Turn, warm_up
from coach.storage.records import records

warm_up()  # as the action server starts, not in a candidate's first answer


def message_key(tracker: Tracker) -> str:
    """The delivery's identity: the channel's message id when it sends one, else Rasa's."""
    message = tracker.latest_message or {}
    channel_id = (message.get("metadata") or {}).get("message_id")
    return str(channel_id or message.get("message_id") or f"{tracker.sender_id}:{len(tracker.events)}")


def intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def activating(tracker: Tracker, form: str) -> bool:
    """Whether the form is only now starting: Rasa then fills its slot from the very message
    that started it (a from_text mapping takes any text), which is no reply to its question."""
    return (tracker.active_loop or {}).get("name") != form


def practice(tracker: Tracker) -> Practice:
    return Practice(records(), tracker.sender_id)


def turn_events(dispatcher: CollectingDispatcher, turn: Turn) -> list[EventType]:
    """Send the turn's replies; its state as slots (an offered drill is answered by now)."""
    send(dispatcher, turn.replies)
    events: list[EventType] = [SlotSet(FORGET_SLOT, True)] if turn.forgotten else []
    return events + [
        SlotSet(DRILL_READY_SLOT, turn.ready), SlotSet(OFFERED_SKILL_SLOT, None), SlotSet(PENDING_SLOT, turn.pending),
    ]


class ActionStartDrill(Action):
    """Starts or resumes a drill or a mock interview, or asks which skill, or whether to replace a paused one."""

    def name(self) -> str:
        return "action_start_drill"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if intent(tracker) == RESUME_INTENT:
            return turn_events(dispatcher, practice(tracker).resume())
        mode, replace = read_mode(entity(tracker, MODE_ENTITY))
        request = DrillRequest.read(
            tracker.get_latest_entity_values(SKILL_ENTITY), mode, entity(tracker, COUNT_ENTITY),
            tracker.latest_message.get("text") or "",
        )
        return turn_events(dispatcher, practice(tracker).start(request, message_key(tracker), replace=replace))


class ActionConfirm(Action):
    """A yes or no: to deleting data, to replacing a paused drill, or to an offered drill."""

    def name(self) -> str:
        return "action_confirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        turn = practice(tracker).confirm(
            intent(tracker) == AFFIRM_INTENT, tracker.get_slot(PENDING_SLOT), tracker.get_slot(OFFERED_SKILL_SLOT),
            message_key(tracker),
        )
        return turn_events(dispatcher, turn)


class ActionAskDrillAnswer(Action):
    """The drill form's question: shows the pending question unless it is already shown."""

    def name(self) -> str:
        return "action_ask_drill_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, practice(tracker).ask())
        return []


class ValidateDrillForm(FormValidationAction):
    """Reads each reply to a pending question, with the NLU's reading of it: a command, a
    request (progress, an FAQ question...), or an answer to score and record.

    The slot stays empty while the drill goes on (so the form asks the next question) and
    is filled with the drill's end state ("finished", "stopped") to end the form. A reply
    that may be the answer or a request is held in the pending-confirmation slot until the
    candidate's yes or no.
    """

    def name(self) -> str:
        return "validate_drill_form"

    def validate_drill_answer(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answered = practice(tracker).answer(
            str(slot_value or ""), message_key(tracker), tracker.latest_message, held=tracker.get_slot(PENDING_SLOT),
            conversation=conversation(tracker),
        )
        send(dispatcher, answered.replies)
        return {ANSWER_SLOT: answered.end, PENDING_SLOT: answered.held}


class ActionEndDrill(Action):
    """After the drill form: the summary and what next, or how to resume a stopped drill."""

    def name(self) -> str:
        return "action_end_drill"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, practice(tracker).end())
        return [SlotSet(ANSWER_SLOT, None), SlotSet(DRILL_READY_SLOT, False)]
