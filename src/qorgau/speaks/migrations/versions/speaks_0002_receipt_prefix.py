"""receipt throttle per prefix and day (no global lock, no times)

Revision ID: speaks_0002_receipt_prefix
Revises: speaks_0001
"""
import sqlalchemy as sa
from alembic import op

import qorgau.core.db

revision = 'speaks_0002_receipt_prefix'
down_revision = 'speaks_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('speaks_receipt_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaks_receipt_failure_at'))
    op.drop_table('speaks_receipt_failure')
    op.create_table('speaks_receipt_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=4), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaks_receipt_counter')),
    sa.UniqueConstraint('prefix', 'day', name=op.f('uq_speaks_receipt_counter_prefix'))
    )
    with op.batch_alter_table('speaks_receipt_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaks_receipt_counter_day'), ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('speaks_receipt_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaks_receipt_counter_day'))
    op.drop_table('speaks_receipt_counter')
    op.create_table('speaks_receipt_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaks_receipt_failure'))
    )
    with op.batch_alter_table('speaks_receipt_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaks_receipt_failure_at'), ['at'], unique=False)
