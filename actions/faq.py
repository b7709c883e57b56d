"""Rasa custom actions for questions: FAQ answers (coach.content.faq decides, this sends the
answer), and the decline of what the assistant does not cover."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from coach.content.catalogue import catalogue
from coach.content.faq import Answer, Suggest, decide, faq_answers
from coach.contract import EMPLOYER_ENTITY, FAQ_INTENT, HELP_INTENT, OFFERED_SKILL_SLOT, TOPIC_ENTITY, intent_payload


class ActionAnswerFaq(Action):
    """Answers an FAQ when the match is clear, asks which topic was meant when it is not."""

    def name(self) -> str:
        return "action_answer_faq"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        decision = decide(tracker.latest_message)
        if isinstance(decision, Answer):
            dispatcher.utter_message(response=f"utter_faq/{decision.faq_id}")
            offered = faq_answers()[decision.faq_id].offered_skill
            return [SlotSet(OFFERED_SKILL_SLOT, offered)]
        if isinstance(decision, Suggest):
            buttons = [
                {"title": catalogue().faq(faq_id).title, "payload": intent_payload(FAQ_INTENT, **{TOPIC_ENTITY: faq_id})}
                for faq_id in decision.faq_ids
            ]
            buttons.append({"title": "Something else", "payload": intent_payload(HELP_INTENT)})
            dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_default")
        return [SlotSet(OFFERED_SKILL_SLOT, None)]


class ActionDecline(Action):
    """Declines what the assistant does not cover; a question about one employer's hiring
    (the NLU names the employer) is told what the assistant can say instead."""

    def name(self) -> str:
        return "action_decline"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        employer = next(tracker.get_latest_entity_values(EMPLOYER_ENTITY), None)
        if employer:
            dispatcher.utter_message(response="utter_one_employer", employer=employer)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
