"""console users (accounts of the bureau's console)

Revision ID: fd5af7860c6d
Revises: dbb442aadf01
Create Date: 2026-11-29 19:39:37.516314
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = 'fd5af7860c6d'
down_revision = 'dbb442aadf01'  # after the console's indexes (h-search), merged first
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', bot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_console_user_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_user')),
    sa.UniqueConstraint('username', name=op.f('uq_console_user_username'))
    )


def downgrade() -> None:
    op.drop_table('console_user')
