"""Rasa custom action for FAQ questions: coach.content.faq decides, this sends the answer."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from coach.content.catalogue import catalogue
from coach.content.faq import Answer, Suggest, decide, faq_answers
from coach.contract import FAQ_INTENT, HELP_INTENT, OFFERED_SKILL_SLOT, TOPIC_ENTITY, intent_payload


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
