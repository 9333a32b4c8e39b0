"""resident: the subscription message template they accepted

Revision ID: 5c1d7e9a4b20
Revises: 6c23802e8e5b
Create Date: 2026-11-29 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '5c1d7e9a4b20'
down_revision = '6c23802e8e5b'  # after hotline/Open311 (merged first)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_template', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_column('subscription_template')
