"""statistics: frozen facts on steps, first dispatch

Backfills what the trail already knows: the first dispatch, punctuality on resolve/close steps (from the
case's current round) and the current deadline on each case's last deadline-setting step. Working minutes of
past resolutions stay empty (the work calendar is not in SQL): time-to-resolve covers new resolutions.

Revision ID: 30b9cfd42ebb
Revises: fd5af7860c6d
Create Date: 2026-11-29 21:50:19.006555
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = '30b9cfd42ebb'
down_revision = 'fd5af7860c6d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('case', sa.Column('first_dispatched_at', bot.models.base.UTCDateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_case_first_dispatched_at'), 'case', ['first_dispatched_at'], unique=False)
    op.create_index('ix_case_updated_at', 'case', ['updated_at'], unique=False)
    op.add_column('case_event', sa.Column('deadline', bot.models.base.UTCDateTime(timezone=True), nullable=True))
    op.add_column('case_event', sa.Column('on_time', sa.Boolean(), nullable=True))
    op.add_column('case_event', sa.Column('work_minutes', sa.Integer(), nullable=True))
    op.create_index('ix_case_event_action_at', 'case_event', ['action', 'at', 'case_id'], unique=False)
    op.execute("""UPDATE "case" SET first_dispatched_at = (SELECT min(e.at) FROM case_event e
                  WHERE e.case_id = "case".id AND e.action = 'dispatch')""")
    op.execute("""UPDATE case_event SET on_time = (SELECT c.on_time FROM "case" c WHERE c.id = case_event.case_id)
                  WHERE action IN ('resolve', 'close')""")
    op.execute("""UPDATE case_event SET deadline = (SELECT c.deadline FROM "case" c WHERE c.id = case_event.case_id)
                  WHERE id IN (SELECT max(id) FROM case_event WHERE action IN ('dispatch', 'extension_approved')
                               GROUP BY case_id)""")


def downgrade() -> None:
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_case_event_action_at')
        batch_op.drop_column('work_minutes')
        batch_op.drop_column('on_time')
        batch_op.drop_column('deadline')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_updated_at')
        batch_op.drop_index(batch_op.f('ix_case_first_dispatched_at'))
        batch_op.drop_column('first_dispatched_at')
