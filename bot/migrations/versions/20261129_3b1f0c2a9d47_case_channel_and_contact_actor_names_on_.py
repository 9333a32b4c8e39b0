"""case channel and contact, actor names on events

Revision ID: 3b1f0c2a9d47
Revises: 800d75d13c76
Create Date: 2026-11-29 19:05:17.389178
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = '3b1f0c2a9d47'
down_revision = '800d75d13c76'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact'))
    )
    # Batch mode: SQLite adds a foreign key only by rebuilding the table (PostgreSQL alters in place).
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), server_default='wechat', nullable=False))
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_contact_id'), ['contact_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_case_contact_id_contact'), 'contact', ['contact_id'], ['id'])
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_name', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_column('actor_name')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_contact_id_contact'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_case_contact_id'))
        batch_op.drop_column('contact_id')
        batch_op.drop_column('channel')
    op.drop_table('contact')
