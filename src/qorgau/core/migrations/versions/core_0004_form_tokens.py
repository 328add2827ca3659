"""one-time form tokens

Revision ID: core_0004_form_tokens
Revises: core_0003_ops_jobs
Create Date: 2026-12-07 01:00:00
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'core_0004_form_tokens'
down_revision = 'core_0003_ops_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('core_form_token',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('result', sa.String(length=300), nullable=False),
    sa.Column('used_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_core_form_token'))
    )
    with op.batch_alter_table('core_form_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_form_token_used_at'), ['used_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('core_form_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_form_token_used_at'))
    op.drop_table('core_form_token')
