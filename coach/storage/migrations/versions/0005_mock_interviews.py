"""Mock interviews: a drill has a kind ("drill", or "interview" for a mock interview across
skills, whose question list grows by a follow-up when an answer misses a concept), and a
finished interview keeps its scorecard, so that later ones can be compared with it. Drills
recorded before are drills.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drill_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="drill"))
        batch_op.add_column(sa.Column("scorecard", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drill_sessions", schema=None) as batch_op:
        batch_op.drop_column("scorecard")
        batch_op.drop_column("kind")
