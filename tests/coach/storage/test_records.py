"""The repository: exactly-once attempts, drills, export and deletion (the schema: test_migrations.py)."""
from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from coach.practice.history import ACTIVE, FINISHED, REPLACED, Review
from coach.storage.records import SQLITE_BUSY_TIMEOUT_MS, Records, database_url, make_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def records(request) -> Records:
    """The repository on SQLite (the default stack) and on PostgreSQL (the scaled one)."""
    url = "sqlite://" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    return Records.from_url(url)


def answer(records: Records, drill, key: str, question_id: str, score: int | None = 70, **kwargs):
    return records.record_attempt(
        drill, key, question_id=question_id, skill="statistics", outcome="answered",
        answer_text="text", score=score, **kwargs,
    )


def test_a_file_database_keeps_data_across_connections(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    first = Records.from_url(url)
    drill = first.start_drill("u", "statistics", ["statistics.a"])
    answer(first, drill, "m1", "statistics.a")
    first.engine.dispose()
    assert len(Records.from_url(url).attempts("u")) == 1


def test_an_attempt_moves_the_drill_on_and_finishes_it(records):
    drill = records.start_drill("u", "statistics", ["statistics.a", "statistics.b"])
    drill, new = answer(records, drill, "m1", "statistics.a", covered=("x",), missed=("y",))
    assert new and drill.position == 1 and drill.status == ACTIVE
    drill, new = answer(records, drill, "m2", "statistics.b")
    assert new and drill.status == FINISHED
    assert [(a.question_id, a.covered, a.missed) for a in records.attempts("u")] == [
        ("statistics.a", ("x",), ("y",)), ("statistics.b", (), ()),
    ]


def test_the_same_message_is_recorded_once(records):
    drill = records.start_drill("u", "statistics", ["statistics.a", "statistics.b"])
    moved, _ = answer(records, drill, "m1", "statistics.a", feedback="Score: 70/100")
    again, new = answer(records, moved, "m1", "statistics.b", feedback="Score: 10/100")
    assert not new and again.position == 1
    assert len(records.attempts("u")) == 1
    assert records.recorded_feedback("u", "m1") == "Score: 70/100"  # what a retry shows again
    assert records.recorded_feedback("u", "m2") is None and records.recorded_feedback("v", "m1") is None


def test_sqlite_waits_on_a_lock_and_uses_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_switching_to_wal_waits_for_a_writer_that_sqlite_would_not_wait_for(tmp_path):
    writer = sqlite3.connect(tmp_path / "r.db", isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")  # a file in the default (rollback journal) mode
    writer.execute("BEGIN IMMEDIATE")  # as a process that connected a moment earlier and is migrating
    threading.Timer(0.3, writer.execute, ["COMMIT"]).start()
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with engine.connect() as connection:  # SQLite fails the switch at once; the pragmas try again
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    writer.close()


def test_a_stale_answer_to_a_question_no_longer_pending_records_nothing(records):
    drill = records.start_drill("u", "statistics", ["statistics.a", "statistics.b"])
    answer(records, drill, "m1", "statistics.a")
    _, new = answer(records, drill, "m2", "statistics.a")  # the old drill state, replayed
    assert not new and len(records.attempts("u")) == 1


def test_time_taken_is_measured_from_when_the_question_was_shown(records):
    drill = records.start_drill("u", "statistics", ["statistics.a"])
    shown = datetime(2026, 1, 1, 12, 0, 0)
    drill = records.update_drill(drill.id, asked_at=shown)
    answer(records, drill, "m1", "statistics.a", now=shown + timedelta(seconds=42))
    assert records.attempts("u")[0].seconds_taken == 42


def test_a_new_drill_replaces_the_unfinished_one(records):
    old = records.start_drill("u", "statistics", ["statistics.a"])
    new = records.start_drill("u", "ai_ethics", ["ai_ethics.a"])
    assert records.unfinished_drill("u") == new
    with records.engine.connect() as connection:
        from coach.storage.records import DrillSession

        status = connection.execute(select(DrillSession.status).where(DrillSession.id == old.id)).scalar()
    assert status == REPLACED


def test_review_state_is_saved_with_the_attempt(records):
    drill = records.start_drill("u", "statistics", ["statistics.a"])
    due = datetime(2026, 2, 1)
    answer(records, drill, "m1", "statistics.a", review=Review("statistics.a", "statistics", {"state": 2}, due))
    assert records.reviews("u")["statistics.a"].due == due


def test_export_and_delete(records):
    drill = records.start_drill("u", "statistics", ["statistics.a"])
    answer(records, drill, "m1", "statistics.a", review=Review("statistics.a", "statistics", {}, datetime(2026, 2, 1)))
    records.start_drill("other", "statistics", ["statistics.a"])
    records.set_reminder("u", time(8, 30))
    records.set_time_zone("u", "Europe/Berlin")
    records.set_reminder("other", time(9))
    exported = records.export("u")
    assert exported["reminder"] == {"remind_at": "08:30", "time_zone": "Europe/Berlin"}
    assert exported["attempts"][0]["question_id"] == "statistics.a"
    assert exported["reviews"][0]["due"].startswith("2026-02-01")
    assert exported["drills"] == [{"kind": "drill", "skill": "statistics", "question_ids": ["statistics.a"],
                                   "position": 1, "status": FINISHED, "scorecard": None}]
    assert records.delete_person("u") is True
    assert records.export("u") == {"sender_id": "u", "reminder": None, "own_questions": [], "drills": [], "attempts": [],
                                   "reviews": []}
    assert records.reminder("u") is None and records.reminder("other").remind_at == time(9)
    assert records.latest_drill("u") is None
    assert records.unfinished_drill("other") is not None  # other candidates untouched
    assert records.delete_person("u") is False


@pytest.mark.parametrize("deleted_from", ["42", "-100:42"])
def test_deleting_a_persons_data_takes_their_group_conversations_and_nobody_elses(records, deleted_from):
    for sender in ("42", "-100:42", "-200:42", "-100:7", "7", "142", "-100:142", "4_2"):
        records.start_drill(sender, "statistics", ["statistics.a"])
    assert records.delete_person(deleted_from) is True
    for gone in ("42", "-100:42", "-200:42"):
        assert records.latest_drill(gone) is None
    for kept in ("-100:7", "7", "142", "-100:142", "4_2"):
        assert records.latest_drill(kept) is not None


def test_database_url_defaults_to_a_sqlite_file_under_var(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url().startswith("sqlite:///") and database_url().endswith("var/data/assistant.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/assistant")
    assert database_url() == "postgresql://db/assistant"


def test_all_drills_of_a_candidate_are_listed_oldest_first(store):
    first = store.start_drill("c-drills", "statistics", ["statistics.a", "statistics.b"])
    second = store.start_drill("c-drills", "mathematics", ["mathematics.a"])
    assert [(d.id, d.status) for d in store.drills("c-drills")] == [(first.id, "replaced"), (second.id, "active")]
    assert store.drills("nobody") == []


def test_a_reminder_is_set_changed_turned_off_and_offered_once(records):
    assert records.reminder("u") is None
    records.set_reminder("u", time(7, 5))
    assert records.active_reminders() == []  # no time zone yet
    records.set_time_zone("u", "UTC+05:30")
    [active] = records.active_reminders()
    assert (active.sender_id, active.remind_at, active.time_zone, active.last_sent_on) == ("u", time(7, 5), "UTC+05:30", None)
    records.set_reminder("u", None)
    assert records.active_reminders() == [] and records.reminder("u").time_zone == "UTC+05:30"
    assert records.mark_reminder_offered("u") is True and records.mark_reminder_offered("u") is False


def test_a_days_reminder_is_claimed_once_even_by_concurrent_senders(tmp_path):
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    Records.from_url(url).set_reminder("u", time(8))
    day = date(2026, 12, 1)
    processes = [Records.from_url(url) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda r: r.claim_reminder("u", day), processes))
    assert claims.count(True) == 1
    assert processes[0].claim_reminder("u", day) is False
    assert processes[0].claim_reminder("u", date(2026, 12, 2)) is True  # the next day's is another claim
    assert processes[0].claim_reminder("nobody", day) is False
    processes[0].set_reminder("u", None)
    assert processes[0].claim_reminder("u", date(2026, 12, 3)) is False  # turned off: nothing to claim
