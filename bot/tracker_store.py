"""Rasa's in-memory tracker store, plus forgetting: when a candidate deletes their data,
the conversation up to that moment is dropped from the store as well.

The deletion action sets the `forget_conversation` slot. Rasa saves the tracker after the
action, and this store then keeps only the events that came after that slot event, so the
next message starts a new conversation with nothing of the old one kept.
Configured in endpoints.yml (`tracker_store: type: bot.tracker_store.ForgettingTrackerStore`).
"""
from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

FORGET_SLOT = "forget_conversation"


def forgotten(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker without everything up to its last forget marker (itself if none)."""
    events = list(tracker.events)
    marks = [i for i, e in enumerate(events) if isinstance(e, SlotSet) and e.key == FORGET_SLOT and e.value]
    if not marks:
        return tracker
    return DialogueStateTracker.from_events(tracker.sender_id, events[marks[-1] + 1 :], slots=tracker.slots.values())


class ForgettingTrackerStore(InMemoryTrackerStore):
    """In-memory tracker store that honours the forget marker on save."""

    def __init__(self, domain: Any, event_broker: Any = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)
        super().__init__(domain, event_broker, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(forgotten(tracker))
