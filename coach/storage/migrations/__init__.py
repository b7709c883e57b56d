"""Schema migrations of the records database, with Alembic.

`Records` calls `upgrade(engine)` when it first connects: the database is brought to the
latest revision in `versions/`, in one transaction that holds the database's write lock
(SQLite) or a migration lock (PostgreSQL), so a second process starting at once waits and
then finds nothing to do. Alembic is configured here in code; there is no alembic.ini.

A change to the models in coach/storage/records.py needs a new revision, written from the
difference between a database at the latest revision and the models:

    DATABASE_URL=sqlite:///var/data/draft.db python -m coach.storage.migrations upgrade head
    DATABASE_URL=sqlite:///var/data/draft.db python -m coach.storage.migrations \
        revision --autogenerate --rev-id 0002 -m "what changes"

then read and correct the generated file (Alembic misses some changes, e.g. of a column's
name). Any Alembic command works the same way (`history`, `current`, `check`, ...).
tests/coach/storage/test_migrations.py fails while the models and the revisions disagree.
Never edit a revision that has shipped: databases already ran it.

Databases created before Alembic have a `schema_version` table (the home-made migrations,
versions 1 to 3) and no `alembic_version`. Version 3 is exactly revision 0001; an older
one first gets the columns versions 2 and 3 added. They are then stamped at 0001 and
`schema_version` is dropped, in the same transaction as the upgrade. That is done here
rather than in a revision, because revisions describe the schema a fresh database goes
through, which never had `schema_version`.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

SCRIPT_LOCATION = Path(__file__).resolve().parent

HOME_MADE_SCHEMA = "0001"  # the revision whose schema the home-made migrations ended at (version 3)
# The columns the home-made migrations 2 and 3 added, as they added them.
HOME_MADE_COLUMNS = (("attempts", "feedback", "TEXT"), ("drill_sessions", "start_key", "VARCHAR(255)"))

POSTGRESQL_LOCK_KEY = 7_461_207_001  # any constant: processes migrating take this advisory lock in turn


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration: the scripts in this package, run on this connection if given
    (else env.py connects to DATABASE_URL)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))  # %: interpolation
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the latest revision, in one transaction."""
    with engine.begin() as connection:
        hold_migration_lock(connection)
        config = alembic_config(connection)
        _adopt_home_made_schema(connection, config)
        command.upgrade(config, "head")


def hold_migration_lock(connection: Connection) -> None:
    """Hold a lock until the transaction ends, so that of two processes starting at once one
    migrates and the other waits (SQLite: within the busy timeout), then finds the schema current."""
    if connection.dialect.name == "sqlite":  # pysqlite begins no transaction before DDL by itself
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRESQL_LOCK_KEY})


def _adopt_home_made_schema(connection: Connection, config: Config) -> None:
    """A database the home-made migrations created: bring it to their last version, stamp it
    at that revision and drop their table."""
    if not inspect(connection).has_table("schema_version"):
        return
    version = connection.exec_driver_sql("SELECT max(version) FROM schema_version").scalar() or 0
    for table, column, sql_type in HOME_MADE_COLUMNS[max(version - 1, 0):]:
        # checked as they checked: a database their migration 1 created after a column existed has it
        if column not in {c["name"] for c in inspect(connection).get_columns(table)}:
            connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
    connection.exec_driver_sql("DROP TABLE schema_version")
    command.stamp(config, HOME_MADE_SCHEMA)
