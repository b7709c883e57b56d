"""Rasa custom action for a candidate's own rating of a review (Again, Hard, Good, Easy),
outside a drill; in a drill the drill form reads it (coach.practice.sessions). Adapter only."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.drill import entity, practice
from actions.replies import send
from coach.contract import ANSWER_KEY_ENTITY, RATING_ENTITY
from coach.practice.ratings import rating_word


class ActionRateAnswer(Action):
    """Changes the rating of the review a button names, or of the latest one in typed words."""

    def name(self) -> str:
        return "action_rate_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        word = entity(tracker, RATING_ENTITY) or rating_word(tracker.latest_message.get("text") or "")
        send(dispatcher, practice(tracker).rate(word, entity(tracker, ANSWER_KEY_ENTITY)))
        return []
