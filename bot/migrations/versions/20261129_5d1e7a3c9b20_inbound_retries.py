"""inbound messages handled again by the worker: attempts, and an index of the failed rows

Revision ID: 5d1e7a3c9b20
Revises: 5c1d7e9a4b20
Create Date: 2026-11-29 22:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '5d1e7a3c9b20'
down_revision = '5c1d7e9a4b20'  # after the squads' subscription column (merged first)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_inbound_message_failed', ['received_at', 'id'], unique=False,
                              postgresql_where=sa.text("state = 'failed'"),
                              sqlite_where=sa.text("state = 'failed'"))


def downgrade() -> None:
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_message_failed', postgresql_where=sa.text("state = 'failed'"),
                            sqlite_where=sa.text("state = 'failed'"))
        batch_op.drop_column('attempts')
