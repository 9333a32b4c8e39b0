"""stored reports: weekly and monthly workbooks (一周一报 / 一月公示), unique per kind and period

Revision ID: aebbebb4197b
Revises: efae91b7b03c
Create Date: 2026-11-29 21:54:50.341642
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = 'aebbebb4197b'
down_revision = 'efae91b7b03c'  # after the broadcasts and the statistics' snapshots (merged first)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('workbook', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_report')),
    sa.UniqueConstraint('kind', 'period_start', name=op.f('uq_stats_report_kind'))
    )


def downgrade() -> None:
    op.drop_table('stats_report')
