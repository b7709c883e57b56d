"""Rasa custom actions for daily review reminders: the request ("remind me at 8", a reminder
button, "turn reminders off") and the time zone form that asks the zone once. Adapters only:
the decisions are coach.practice.reminders'; the Telegram channel sends the reminders."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.drill import activating, entity
from actions.replies import send
from coach.contract import ASKING_ZONE_SLOT, REMINDER_TIME_ENTITY, TIME_ZONE_SLOT
from coach.practice.reminders import Reminders
from coach.storage.records import records

UNREAD = "unread"  # fills the slot when no zone could be read: the form ends all the same
FORM = "time_zone_form"


def reminders(tracker: Tracker) -> Reminders:
    return Reminders(records(), tracker.sender_id)


class ActionSetReminder(Action):
    """Sets, shows or turns off the daily reminder; asks the time zone when it is unknown."""

    def name(self) -> str:
        return "action_set_reminder"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        turn = reminders(tracker).request(tracker.latest_message.get("text") or "", entity(tracker, REMINDER_TIME_ENTITY))
        send(dispatcher, turn.replies)
        return [SlotSet(ASKING_ZONE_SLOT, turn.ask_zone), SlotSet(TIME_ZONE_SLOT, None)]


class ValidateTimeZoneForm(FormValidationAction):
    """Reads the reply to "What's your time zone?". One reply only: a zone that cannot be
    read ends the form too, with how to try again, so no candidate is stuck in it."""

    def name(self) -> str:
        return "validate_time_zone_form"

    def validate_time_zone_reply(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if activating(tracker, FORM):
            return {TIME_ZONE_SLOT: None}
        replies, understood = reminders(tracker).set_zone(str(slot_value or ""))
        send(dispatcher, replies)
        return {TIME_ZONE_SLOT: str(slot_value) if understood else UNREAD}


class ActionEndTimeZoneForm(Action):
    """After the form: its slots are cleared, so that the zone is asked afresh next time."""

    def name(self) -> str:
        return "action_end_time_zone_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [SlotSet(ASKING_ZONE_SLOT, False), SlotSet(TIME_ZONE_SLOT, None)]
