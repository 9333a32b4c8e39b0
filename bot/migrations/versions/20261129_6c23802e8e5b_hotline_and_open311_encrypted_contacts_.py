"""hotline and open311: encrypted contacts, api keys, tokens, media urls

Revision ID: 6c23802e8e5b
Revises: aebbebb4197b
Create Date: 2026-11-29 21:50:27.219102
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = '6c23802e8e5b'
down_revision = 'aebbebb4197b'  # after the statistics and the reports (merged first)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', bot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('digest', name=op.f('uq_api_key_digest')),
    sa.UniqueConstraint('name', name=op.f('uq_api_key_name'))
    )
    op.create_table('open311_token',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name=op.f('fk_open311_token_api_key_id_api_key')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_open311_token_case_id_case')),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_open311_token'))
    )
    op.create_index(op.f('ix_open311_token_case_id'), 'open311_token', ['case_id'], unique=False)
    op.add_column('contact', sa.Column('phone_masked', sa.String(length=32), nullable=True))
    op.add_column('contact', sa.Column('phone_encrypted', sa.Text(), nullable=True))
    op.add_column('contact', sa.Column('email_encrypted', sa.Text(), nullable=True))
    op.add_column('contact', sa.Column('name_encrypted', sa.Text(), nullable=True))
    op.add_column('media', sa.Column('url', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('media', 'url')
    op.drop_column('contact', 'name_encrypted')
    op.drop_column('contact', 'email_encrypted')
    op.drop_column('contact', 'phone_encrypted')
    op.drop_column('contact', 'phone_masked')
    op.drop_index(op.f('ix_open311_token_case_id'), table_name='open311_token')
    op.drop_table('open311_token')
    op.drop_table('api_key')
