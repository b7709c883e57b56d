"""Schema migrations: fresh and older databases reach the same schema, the models agree with
the revisions, and upgrading is idempotent and safe for two processes starting at once."""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, Table, Text, event, inspect

from coach.practice.history import ACTIVE, FINISHED, Review
from coach.storage.migrations import alembic_config, upgrade
from coach.storage.migrations.__main__ import main as alembic_command
from coach.storage.records import Base, Records, make_engine

# A database created by the home-made migrations (schema_version 3) on 2026-11-30, with one
# candidate ("42"), a drill of two questions, the attempt at the first one and its review.
DUMP_2026_11_30 = Path(__file__).resolve().parents[2] / "data" / "records-2026-11-30.sql"
MODEL_TABLES = {"candidates", "drill_sessions", "attempts", "review_states"}
LATER_TABLES = {"reminders", "own_questions"}  # tables revisions after 0001 added
# Columns revisions after 0001 added to its tables: rows of that day have them empty.
# Columns later revisions added to the tables of 2026-11-30, with the value old rows get.
LATER_COLUMNS = {"attempts": {"card_before": None, "suggested_rating": None, "rating": None},
                 "drill_sessions": {"kind": "drill", "scorecard": None}}
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def database_of_2026_11_30(path: Path, version: int = 3) -> str:
    """The fixture's database, as the home-made migrations left it at this version."""
    with sqlite3.connect(path) as connection:
        connection.executescript(DUMP_2026_11_30.read_text())
        if version < 3:  # before migration 3 added the drill's start_key, 2 the attempt's feedback
            connection.execute("ALTER TABLE drill_sessions DROP COLUMN start_key")
        if version < 2:
            connection.execute("ALTER TABLE attempts DROP COLUMN feedback")
        connection.execute("DELETE FROM schema_version WHERE version > ?", (version,))
    connection.close()
    return f"sqlite:///{path}"


def schema(url: str) -> dict[str, dict[str, Any]]:
    """Every table's columns, primary key, indexes, unique constraints and foreign keys."""
    engine = make_engine(url)
    inspector = inspect(engine)
    described = {
        table: {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"], c["default"]) for c in inspector.get_columns(table)),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)),
            "unique": sorted((u["name"] or "", tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]), f["options"].get("ondelete"))
                for f in inspector.get_foreign_keys(table)
            ),
        }
        for table in inspector.get_table_names()
    }
    engine.dispose()
    return described


def rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of the models' tables, by column name (a column added later comes last)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        found = {
            table: [dict(row._mapping) for row in connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id")]
            for table in MODEL_TABLES
        }
    engine.dispose()
    return found


def revision(url: str) -> str | None:
    engine = make_engine(url)
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return current


def test_a_fresh_database_gets_the_models_tables_at_the_latest_revision(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    Records.from_url(url).engine.dispose()
    assert set(schema(url)) == MODEL_TABLES | LATER_TABLES | {"alembic_version"}
    assert revision(url) == HEAD


def test_a_database_of_2026_11_30_keeps_its_rows_and_works(tmp_path):
    url = database_of_2026_11_30(tmp_path / "old.db")
    before = rows(url)
    records = Records.from_url(url)
    after = rows(url)
    for table, columns in LATER_COLUMNS.items():
        assert all(row.pop(column) == value for row in after[table] for column, value in columns.items())
    assert after == before and all(before[table] for table in MODEL_TABLES)
    assert "schema_version" not in schema(url) and revision(url) == HEAD

    assert [(d.position, d.status, d.start_key) for d in records.drills("42")] == [(1, ACTIVE, "m0")]
    assert [(a.question_id, a.score, a.covered, a.seconds_taken) for a in records.attempts("42")] == [
        ("statistics.a", 70, ("null hypothesis",), 90.0),
    ]
    assert records.recorded_feedback("42", "m1") == "Score: 70/100"
    assert records.reviews("42")["statistics.a"].card == {"state": 2, "stability": 3.1}
    drill, new = records.record_attempt(
        records.unfinished_drill("42"), "m2", question_id="statistics.b", skill="statistics", outcome="answered",
        answer_text="text", score=50, review=Review("statistics.b", "statistics", {}, datetime(2026, 12, 5)),
    )
    assert new and drill.status == FINISHED and len(records.attempts("42")) == 2
    records.engine.dispose()


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_home_made_version_ends_up_identical_to_a_fresh_database(tmp_path, version):
    fresh, old = f"sqlite:///{tmp_path / 'fresh.db'}", database_of_2026_11_30(tmp_path / "old.db", version)
    expected = rows(old)
    for since, (table, column) in ((2, ("attempts", "feedback")), (3, ("drill_sessions", "start_key"))):
        if version < since:
            expected[table] = [{**row, column: None} for row in expected[table]]
    for table, columns in LATER_COLUMNS.items():
        expected[table] = [{**row, **columns} for row in expected[table]]
    upgrade(make_engine(fresh))
    upgrade(make_engine(old))
    assert schema(old) == schema(fresh)
    assert rows(old) == expected
    assert revision(old) == revision(fresh) == HEAD


@pytest.mark.parametrize("version", [None, 3])  # a fresh database, one the home-made migrations created
def test_the_models_agree_with_the_migrated_database(tmp_path, version):
    url = database_of_2026_11_30(tmp_path / "old.db") if version else f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_the_comparison_notices_a_model_changed_without_a_revision(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    Table("attempts", changed, Column("note", Text), extend_existing=True)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), changed)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "attempts", "note")]


def test_upgrading_again_changes_nothing(tmp_path):
    url = database_of_2026_11_30(tmp_path / "old.db")
    engine = make_engine(url)
    upgrade(engine)
    before = schema(url), rows(url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    upgrade(engine)
    assert (schema(url), rows(url)) == before
    writes = [s for s in statements if s.split()[0].upper() in {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"}]
    assert statements and writes == []  # it looked, and wrote nothing


def open_at_once(url: str, processes: int = 2) -> list[Exception]:
    """Open `Records` on the database from several threads at the same moment, each with its
    own engine as each process has one; what they raised."""
    start, failures = threading.Barrier(processes), []

    def open_records() -> None:
        start.wait()
        try:
            Records.from_url(url).engine.dispose()
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=open_records) for _ in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


@pytest.mark.parametrize("version", [None, 3])  # a fresh database, one the home-made migrations created
def test_two_processes_upgrading_at_once_both_succeed(tmp_path, version):
    for round_ in range(3):  # a few rounds: the two must overlap at least once
        path = tmp_path / f"{round_}.db"
        url = database_of_2026_11_30(path) if version else f"sqlite:///{path}"
        assert open_at_once(url) == []
        assert revision(url) == HEAD and set(schema(url)) == MODEL_TABLES | LATER_TABLES | {"alembic_version"}


def test_the_command_line_upgrades_and_finds_the_models_in_step(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    alembic_command(["upgrade", "head"])
    alembic_command(["check"])  # raises when the models differ from the revisions
    assert revision(f"sqlite:///{tmp_path / 'cli.db'}") == HEAD
    alembic_command(["upgrade", "head", "--sql"])
    assert "CREATE TABLE candidates" in capsys.readouterr().out
