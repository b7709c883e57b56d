"""Rasa custom actions over a candidate's stored data: progress report, export, deletion."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from coach.content.catalogue import catalogue
from coach.content.faq import FAQ_INTENT, TOPIC_ENTITY, faq_for_skill
from coach.contract import DATA_DELETED, DRILL_INTENT, SKILL_ENTITY, intent_payload
from coach.practice import feedback
from coach.practice.progress import progress, skills_weakest_first
from coach.storage.records import records

PENDING_SLOT = "pending_confirmation"
DELETE_DATA = "delete_data"
# Set when a candidate's data is deleted: the tracker store then forgets the conversation.
FORGET_SLOT = "forget_conversation"
MAX_DRILL_BUTTONS = 4


def delete_everything(dispatcher: CollectingDispatcher, sender_id: str) -> list[EventType]:
    """Delete the person's records (group conversations included), mark their conversations
    to be forgotten by the tracker store, and tell the channel to drop its state of them."""
    existed = records().delete_person(sender_id)
    dispatcher.utter_message(
        text="Done: I've deleted your answers, scores, review schedule and our conversations, "
        "including those in group chats."
        if existed
        else "There was nothing stored about you; our conversations are forgotten too."
    )
    dispatcher.utter_message(json_message={"type": DATA_DELETED})
    return [SlotSet(FORGET_SLOT, True)]


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
        report = progress(records().attempts(tracker.sender_id), catalogue())
        faqs = {skill.id: faq_for_skill(skill.id) for skill in catalogue().skills}
        titles = {skill: catalogue().faq(faq_id).title for skill, faq_id in faqs.items() if faq_id and catalogue().faq(faq_id)}
        # Drills for the weakest skills and those of the most-missed concepts, then the FAQ
        # answer behind the most-missed concept.
        skills = [s.skill for s in report.weakest or skills_weakest_first(report)[:3]]
        skills += [m.skill for m in report.missed if m.skill not in skills]
        buttons = [
            {"title": f"Drill {catalogue().skill(s).name}", "payload": intent_payload(DRILL_INTENT, **{SKILL_ENTITY: s})}  # type: ignore[union-attr]
            for s in skills[:MAX_DRILL_BUTTONS]
        ]
        if report.missed and faqs.get(report.missed[0].skill):
            buttons.append({
                "title": titles[report.missed[0].skill],
                "payload": intent_payload(FAQ_INTENT, **{TOPIC_ENTITY: faqs[report.missed[0].skill]}),
            })
        dispatcher.utter_message(text=feedback.progress_text(report, catalogue(), titles))
        if report.answered:
            dispatcher.utter_message(json_message=report.chart_payload())
        dispatcher.utter_message(text="Practise what needs it most:", buttons=buttons)
        return []


class ActionExportData(Action):
    """The candidate's attempts and review schedule as JSON (a channel may send a file)."""

    def name(self) -> str:
        return "action_export_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        data = {**records().export(tracker.sender_id), "conversation": conversation(tracker)}
        dispatcher.utter_message(
            text=f"Here is everything I have stored about you: {len(data['drills'])} drills, "
            f"{len(data['attempts'])} recorded answers, your review schedule and our conversation, as JSON."
        )
        dispatcher.utter_message(json_message={"type": "data_export", "filename": "my-interview-practice.json", "data": data})
        return []


class ActionDeleteData(Action):
    """Asks for confirmation; the yes goes to action_confirm, which deletes."""

    def name(self) -> str:
        return "action_delete_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[Any]:
        dispatcher.utter_message(
            text="This deletes all your recorded answers, scores, review schedule and our "
            "conversation, and cannot be undone. Delete everything?",
            buttons=[
                {"title": "Yes, delete everything", "payload": "/affirm"},
                {"title": "No, keep it", "payload": "/deny"},
            ],
        )
        return [SlotSet(PENDING_SLOT, DELETE_DATA)]
