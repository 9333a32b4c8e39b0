"""statistics snapshots

Revision ID: efae91b7b03c
Revises: 5c2e8a41d7b3
Create Date: 2026-11-29 23:01:06.174148
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = 'efae91b7b03c'
down_revision = '5c2e8a41d7b3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_snapshot',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('cutoff', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('computed_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_stats_snapshot'))
    )


def downgrade() -> None:
    op.drop_table('stats_snapshot')
