"""statistics: the ratings of a period by an index (满意率 read a whole table scan before)

Revision ID: 5c2e8a41d7b3
Revises: 519d8f6fa3a8
Create Date: 2026-11-29 22:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '5c2e8a41d7b3'
down_revision = '519d8f6fa3a8'  # after the broadcasts (merged first)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_rating_at', 'rating', ['at', 'case_id', 'value'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rating_at', table_name='rating')
