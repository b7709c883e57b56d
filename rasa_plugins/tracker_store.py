"""Rasa's SQL tracker store, plus forgetting: when a candidate deletes their data, the
conversation up to that moment is dropped from the store as well.

Conversations live in a database (SQLite under var/data by default, see endpoints.yml), so
a restarted Rasa server carries on every conversation where it was, a drill included.
The deletion action sets the `forget_conversation` slot. Rasa saves the tracker after the
action; this store then deletes the stored events of the person's conversations (their
group ones too) and keeps only what came after that slot event, so the next message starts
a new conversation with nothing kept.

The latest trackers of recent conversations are also kept in memory (saved through to the
database as before), because rebuilding a tracker from its stored events took a third of
the Rasa server's time under load (`make bench`). A cached tracker is used only while it is
the conversation's latest: each retrieve asks the database for the id of the conversation's
last stored event (one indexed query) and rebuilds the tracker when another Rasa server has
stored events since. So several Rasa servers can share the database (the scaled stack); the
lock store keeps them from handling one conversation at the same moment.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, or_, select
from sqlalchemy.orm import sessionmaker

from coach.contract import FORGET_SLOT
from coach.senders import group_like_pattern, is_persons, person
from coach.storage.records import make_engine


def forgotten(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker without everything up to its last forget marker (itself if none)."""
    events = list(tracker.events)
    marks = [i for i, e in enumerate(events) if isinstance(e, SlotSet) and e.key == FORGET_SLOT and e.value]
    if not marks:
        return tracker
    return DialogueStateTracker.from_events(tracker.sender_id, events[marks[-1] + 1 :], slots=tracker.slots.values())


class ForgettingTrackerStore(SQLTrackerStore):
    """SQL tracker store that honours the forget marker on save, with recent trackers cached."""

    def __init__(self, *args: Any, cached_trackers: int = 256, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new connection to an SQLite file for every session (its
            # NullPool), which was a tenth of the Rasa server's time under load (`make bench`):
            # the records' engine instead (pooled connections that wait on locks, WAL).
            url = str(self.engine.url)
            self.engine.dispose()
            self.engine = make_engine(url)
            self.sessionmaker = sessionmaker(bind=self.engine)
        self._cached_trackers = cached_trackers
        # sender id -> (id of the conversation's last stored event, its tracker)
        self._recent: OrderedDict[str, tuple[int | None, DialogueStateTracker]] = OrderedDict()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """A copy of the cached tracker (Rasa changes the one it gets, and may then drop
        the turn unsaved) if nothing was stored since it was cached, else the tracker from
        the database."""
        last = self._last_event_id(sender_id)
        cached = self._recent.get(sender_id)
        if cached is not None and cached[0] == last:
            self._recent.move_to_end(sender_id)
            return cached[1].copy()
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker.copy(), last)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        kept = forgotten(tracker)
        if kept is not tracker:
            self._forget_person(tracker.sender_id)
        await super().save(kept)
        self._remember(kept.copy(), self._last_event_id(kept.sender_id))

    def _last_event_id(self, sender_id: str) -> int | None:
        """The id of the conversation's last stored event; None if it has none."""
        with self.session_scope() as session:
            last: int | None = session.execute(
                select(func.max(self.SQLEvent.id)).where(self.SQLEvent.sender_id == sender_id)).scalar()
            return last

    def _forget_person(self, sender_id: str) -> None:
        """Drop the stored events of this conversation and of every other conversation of
        the same person (their group ones, see coach.senders)."""
        who = person(sender_id)
        sql_event = self.SQLEvent
        with self.session_scope() as session:
            session.query(sql_event).filter(or_(
                sql_event.sender_id == sender_id, sql_event.sender_id == who,
                sql_event.sender_id.like(group_like_pattern(who), escape="\\"),
            )).delete(synchronize_session=False)
            session.commit()
        for cached in [s for s in self._recent if s == sender_id or is_persons(s, who)]:
            del self._recent[cached]

    def _remember(self, tracker: DialogueStateTracker, last_event_id: int | None) -> None:
        self._recent[tracker.sender_id] = (last_event_id, tracker)
        self._recent.move_to_end(tracker.sender_id)
        while len(self._recent) > self._cached_trackers:
            self._recent.popitem(last=False)
