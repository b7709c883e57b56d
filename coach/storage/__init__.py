"""Where candidates' records live: SQLAlchemy models, the repository, and the Alembic
migrations."""
