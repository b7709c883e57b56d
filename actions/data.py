"""Rasa custom actions over a candidate's stored data: progress report, export, deletion.

Adapters only: the report, the export and the deletion question are coach.practice.account's;
the yes to a deletion goes to action_confirm (actions/drill.py).
"""
from __future__ import annotations

import os
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import send
from coach.config import Config
from coach.contract import PENDING_SLOT
from coach.practice import account
from coach.practice.history import utcnow
from coach.storage.records import records


def conversation(tracker: Tracker) -> list[dict[str, Any]]:
    """The messages of the conversation the assistant keeps, oldest first."""
    said = {"user": "you", "bot": "assistant"}
    return [
        {"from": said[event["event"]], "text": event.get("text"), "at": event.get("timestamp")}
        for event in tracker.events
        if event.get("event") in said and event.get("text")
    ]


class ActionShowProgress(Action):
    """Mastery per skill, weakest skills, most-missed concepts, and drills to fix them."""

    def name(self) -> str:
        return "action_show_progress"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, account.progress_report(records(), tracker.sender_id, utcnow(), Config.from_environ(os.environ)))
        return []


class ActionExportData(Action):
    """The candidate's attempts and review schedule as JSON (a channel may send a file)."""

    def name(self) -> str:
        return "action_export_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, account.export(records(), tracker.sender_id, conversation(tracker)))
        return []


class ActionDeleteData(Action):
    """Asks for confirmation; the yes goes to action_confirm, which deletes."""

    def name(self) -> str:
        return "action_delete_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, [account.deletion_question()])
        return [SlotSet(PENDING_SLOT, account.DELETE_DATA)]
