"""Rasa custom actions: thin adapters from the tracker to the domain logic in this package."""
from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.content import catalogue
from actions.faq import FAQ_INTENT, TOPIC_ENTITY, Answer, Suggest, decide, faq_answers

OFFERED_SKILL_SLOT = "offered_skill"
SKILL_ENTITY = "skill"
DRILL_INTENT = "start_drill"


def intent_payload(intent: str, **entities: str) -> str:
    """A button payload that Rasa takes as this intent and entities, without running NLU."""
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"


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
            buttons.append({"title": "Something else", "payload": "/help"})
            dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_default")
        return [SlotSet(OFFERED_SKILL_SLOT, None)]


class ActionStartDrill(Action):
    """Starts a drill on the skill the candidate named, or offers the skills to pick from."""

    def name(self) -> str:
        return "action_start_drill"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        skill_id = self._requested_skill(tracker)
        if skill_id is None:
            buttons = [
                {"title": skill.name, "payload": intent_payload(DRILL_INTENT, **{SKILL_ENTITY: skill.id})}
                for skill in catalogue().skills
            ]
            dispatcher.utter_message(response="utter_ask_drill_skill", buttons=buttons)
        else:
            skill = catalogue().skill(skill_id)
            dispatcher.utter_message(response="utter_drill_acknowledged", skill_name=skill.name)
        return [SlotSet(OFFERED_SKILL_SLOT, None)]

    @staticmethod
    def _requested_skill(tracker: Tracker) -> str | None:
        """The first catalogue skill named in the message, else the one an FAQ just offered."""
        for value in tracker.get_latest_entity_values(SKILL_ENTITY):
            if catalogue().skill(str(value)):
                return str(value)
        if (tracker.latest_message.get("intent") or {}).get("name") == "affirm":
            offered = tracker.get_slot(OFFERED_SKILL_SLOT)
            if offered and catalogue().skill(offered):
                return offered
        return None
