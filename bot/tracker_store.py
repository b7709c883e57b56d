"""Rasa's SQL tracker store, plus forgetting: when a candidate deletes their data, the
conversation up to that moment is dropped from the store as well.

Conversations live in a database (SQLite under var/data by default, see endpoints.yml), so
a restarted Rasa server carries on every conversation where it was, a drill included.
The deletion action sets the `forget_conversation` slot. Rasa saves the tracker after the
action; this store then deletes the candidate's stored events and keeps only what came
after that slot event, so the next message starts a new conversation with nothing kept.
"""
from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
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


class ForgettingTrackerStore(SQLTrackerStore):
    """SQL tracker store that honours the forget marker on save."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        kept = forgotten(tracker)
        if kept is not tracker:
            with self.session_scope() as session:
                session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == tracker.sender_id).delete()
                session.commit()
        await super().save(kept)
