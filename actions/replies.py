"""Sends the coaching core's replies (coach.practice.replies) with Rasa's dispatcher."""
from __future__ import annotations

from collections.abc import Iterable

from rasa_sdk.executor import CollectingDispatcher

from coach.practice.replies import Reply


def send(dispatcher: CollectingDispatcher, replies: Iterable[Reply]) -> None:
    """One message per reply, in order."""
    for reply in replies:
        dispatcher.utter_message(
            text=reply.text, buttons=list(reply.buttons), response=reply.response,
            json_message=reply.payload.to_json() if reply.payload is not None else None,
        )
