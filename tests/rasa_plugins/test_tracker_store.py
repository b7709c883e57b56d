"""Deleting a candidate's data also drops their conversation from the tracker store."""
from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event

from coach.content.catalogue import ROOT
from coach.storage.records import SQLITE_BUSY_TIMEOUT_MS
from rasa_plugins.tracker_store import ForgettingTrackerStore


async def test_the_conversation_before_a_deletion_is_forgotten(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = ForgettingTrackerStore(domain, db=str(tmp_path / "conversations.db"))
    events = [ActionExecuted("action_listen"), UserUttered("my secret answer"), SlotSet("offered_skill", "statistics"),
              ActionExecuted("action_confirm"), SlotSet("forget_conversation", True), BotUttered("Done"),
              ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("candidate-1", events, slots=domain.slots)
    await store.save(tracker)
    kept = await store.retrieve("candidate-1")
    assert [e.text for e in kept.events if isinstance(e, (UserUttered, BotUttered))] == ["Done"]
    assert kept.get_slot("offered_skill") is None


async def test_other_conversations_are_saved_as_they_are(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = ForgettingTrackerStore(domain, db=str(tmp_path / "conversations.db"))
    tracker = DialogueStateTracker.from_events("c", [ActionExecuted("action_listen"), UserUttered("hi")], slots=domain.slots)
    await store.save(tracker)
    assert len((await store.retrieve("c")).events) == 2


async def test_a_restarted_server_finds_the_conversation_where_it_was(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    db = str(tmp_path / "conversations.db")
    tracker = DialogueStateTracker.from_events(
        "c", [ActionExecuted("action_listen"), UserUttered("quiz me"), SlotSet("offered_skill", "statistics")],
        slots=domain.slots,
    )
    await ForgettingTrackerStore(domain, db=db).save(tracker)
    restarted = ForgettingTrackerStore(domain, db=db)
    assert (await restarted.retrieve("c")).get_slot("offered_skill") == "statistics"


async def test_a_deletion_also_drops_what_was_stored_before(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = ForgettingTrackerStore(domain, db=str(tmp_path / "conversations.db"))
    before = [ActionExecuted("action_listen"), UserUttered("my earlier answer")]
    await store.save(DialogueStateTracker.from_events("c", before, slots=domain.slots))
    after = before + [ActionExecuted("action_confirm"), SlotSet("forget_conversation", True), BotUttered("Done")]
    await store.save(DialogueStateTracker.from_events("c", after, slots=domain.slots))
    kept = await store.retrieve("c")
    assert [e.text for e in kept.events if isinstance(e, (UserUttered, BotUttered))] == ["Done"]
    assert await store.keys() == ["c"]


async def test_a_cached_tracker_is_handed_out_as_a_copy(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = ForgettingTrackerStore(domain, db=str(tmp_path / "conversations.db"))
    await store.save(DialogueStateTracker.from_events("c", [ActionExecuted("action_listen"), UserUttered("hi")],
                                                     slots=domain.slots))
    taken = await store.retrieve("c")
    taken.update(UserUttered("a turn that was never saved"))
    assert [e.text for e in (await store.retrieve("c")).events if isinstance(e, UserUttered)] == ["hi"]


async def test_two_rasa_servers_on_one_database_never_hand_out_a_stale_tracker(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    db = str(tmp_path / "conversations.db")
    first, second = ForgettingTrackerStore(domain, db=db), ForgettingTrackerStore(domain, db=db)
    said: list[str] = []
    for turn, server in enumerate([first, second, second, first, second, first]):
        tracker = await server.retrieve("c") or DialogueStateTracker("c", domain.slots)
        assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == said
        said.append(f"message {turn}")
        tracker.update(UserUttered(said[-1]))
        tracker.update(SlotSet("offered_skill", f"skill {turn}"))
        await server.save(tracker)
    for server in (first, second):
        tracker = await server.retrieve("c")
        assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == said
        assert tracker.get_slot("offered_skill") == "skill 5"


async def test_an_unchanged_conversation_comes_from_memory_without_reading_its_events(tmp_path, monkeypatch):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = ForgettingTrackerStore(domain, db=str(tmp_path / "conversations.db"))
    await store.save(DialogueStateTracker.from_events("c", [ActionExecuted("action_listen"), UserUttered("hi")],
                                                     slots=domain.slots))
    reads: list[str] = []
    original = SQLTrackerStore.retrieve

    async def counted(self, sender_id):
        reads.append(sender_id)
        return await original(self, sender_id)

    monkeypatch.setattr(SQLTrackerStore, "retrieve", counted)
    for _ in range(3):
        assert len((await store.retrieve("c")).events) == 2
    assert reads == []
    await ForgettingTrackerStore(domain, db=str(tmp_path / "conversations.db")).save(
        DialogueStateTracker.from_events("c", [ActionExecuted("action_listen"), UserUttered("hi"),
                                               UserUttered("from elsewhere")], slots=domain.slots))
    assert len((await store.retrieve("c")).events) == 3
    assert reads == ["c"]


async def test_only_the_most_recent_trackers_stay_in_memory(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = ForgettingTrackerStore(domain, db=str(tmp_path / "conversations.db"), cached_trackers=2)
    for sender in ("a", "b", "c"):
        await store.save(DialogueStateTracker.from_events(sender, [UserUttered(sender)], slots=domain.slots))
    assert list(store._recent) == ["b", "c"]
    assert [e.text for e in (await store.retrieve("a")).events] == ["a"]


async def test_a_deletion_forgets_the_persons_group_conversations_and_nobody_elses(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = ForgettingTrackerStore(domain, db=str(tmp_path / "conversations.db"))
    for sender in ("-100:42", "-100:7", "142", "-200:42"):
        await store.save(DialogueStateTracker.from_events(
            sender, [ActionExecuted("action_listen"), UserUttered(f"answer of {sender}")], slots=domain.slots))
    deletion = [ActionExecuted("action_listen"), UserUttered("yes"), SlotSet("forget_conversation", True)]
    await store.save(DialogueStateTracker.from_events("42", deletion, slots=domain.slots))
    reopened = ForgettingTrackerStore(domain, db=str(tmp_path / "conversations.db"))  # from the database
    for store_ in (store, reopened):
        for gone in ("-100:42", "-200:42"):
            assert not [e for e in (await store_.retrieve(gone) or DialogueStateTracker(gone, [])).events
                        if isinstance(e, UserUttered)]
        for kept in ("-100:7", "142"):
            assert [e.text for e in (await store_.retrieve(kept)).events if isinstance(e, UserUttered)] == [
                f"answer of {kept}"]


async def test_the_conversations_database_waits_on_locks_and_uses_wal(tmp_path):
    store = ForgettingTrackerStore(Domain.load(str(ROOT / "domain.yml")), db=str(tmp_path / "conversations.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


async def test_the_conversations_database_keeps_its_connections_open_between_turns(tmp_path):
    store = ForgettingTrackerStore(Domain.load(str(ROOT / "domain.yml")), db=str(tmp_path / "conversations.db"))
    connects: list[object] = []
    event.listen(store.engine, "connect", lambda *_: connects.append(1))
    tracker = DialogueStateTracker.from_events("c", [ActionExecuted("action_listen"), UserUttered("hi")])
    for _ in range(5):
        await store.save(tracker)
        await store.retrieve("c")
    assert len(connects) <= 1
