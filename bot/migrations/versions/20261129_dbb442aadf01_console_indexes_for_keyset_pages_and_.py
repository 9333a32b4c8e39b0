"""console indexes for keyset pages and counters

Revision ID: dbb442aadf01
Revises: 3b1f0c2a9d47
Create Date: 2026-11-29 20:17:59.691596

The console's lists and dashboard (bot.dispatch.case_search, docs/console-performance.md): keyset pages
newest first ``(created_at, id)`` and by deadline ``(deadline, id)``, one state by deadline
``(state, deadline, id)`` (it replaces the plain state index, which it starts with), open cases by deadline
(a partial index, on PostgreSQL and SQLite alike), and pending extension requests. The new indexes are
built before the ones they replace are dropped.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'dbb442aadf01'
down_revision = '3b1f0c2a9d47'
branch_labels = None
depends_on = None

OPEN_STATES = sa.text("state IN ('accepted', 'dispatched', 'received', 'reopened', 'returned')")


def upgrade() -> None:
    op.create_index('ix_case_created_at_id', 'case', ['created_at', 'id'], unique=False)
    op.create_index('ix_case_deadline_id', 'case', ['deadline', 'id'], unique=False)
    op.create_index('ix_case_state_deadline_id', 'case', ['state', 'deadline', 'id'], unique=False)
    op.create_index('ix_case_open_deadline', 'case', ['deadline', 'id'], unique=False,
                    postgresql_where=OPEN_STATES, sqlite_where=OPEN_STATES)
    op.create_index(op.f('ix_extension_request_state'), 'extension_request', ['state'], unique=False)
    op.drop_index(op.f('ix_case_deadline'), table_name='case')
    op.drop_index(op.f('ix_case_state'), table_name='case')


def downgrade() -> None:
    op.create_index(op.f('ix_case_state'), 'case', ['state'], unique=False)
    op.create_index(op.f('ix_case_deadline'), 'case', ['deadline'], unique=False)
    op.drop_index(op.f('ix_extension_request_state'), table_name='extension_request')
    op.drop_index('ix_case_open_deadline', table_name='case')
    op.drop_index('ix_case_state_deadline_id', table_name='case')
    op.drop_index('ix_case_deadline_id', table_name='case')
    op.drop_index('ix_case_created_at_id', table_name='case')
