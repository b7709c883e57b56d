"""Ratings of reviews: each attempt that was a review keeps the question's FSRS card before it,
the rating its score suggested and the candidate's own, so that the candidate can change the
rating of that review (and only that one). Attempts recorded before have none: they stay as
they were scheduled.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_before", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("suggested_rating", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("rating")
        batch_op.drop_column("suggested_rating")
        batch_op.drop_column("card_before")
