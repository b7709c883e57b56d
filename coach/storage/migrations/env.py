"""Alembic's environment: runs the revisions on the connection `upgrade` gives (in its
transaction), or, from the command line, on DATABASE_URL. The models' metadata is the
target that `revision --autogenerate` and `check` compare the database with."""
from alembic import context
from sqlalchemy.engine import Connection

from coach.storage.migrations import hold_migration_lock
from coach.storage.records import Base, database_url, make_engine


def run(connection: Connection) -> None:
    """Run in the connection's transaction (SQLite's too: hold_migration_lock began it)."""
    # batch mode: SQLite alters most things about a table only by copying it
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, transactional_ddl=True)
    with context.begin_transaction():  # nothing to begin when the connection is in a transaction already
        context.run_migrations()


if context.is_offline_mode():  # --sql: the SQL printed, for DATABASE_URL's kind of database
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif context.config.attributes.get("connection") is not None:
    run(context.config.attributes["connection"])
else:
    with make_engine(database_url()).begin() as own_connection:
        hold_migration_lock(own_connection)
        run(own_connection)
