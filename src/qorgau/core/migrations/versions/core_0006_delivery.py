"""notification deliveries (outbox, dead letters) and preferences

Revision ID: core_0006_delivery
Revises: core_0005_documents
Create Date: 2026-12-07 04:30:00
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'core_0006_delivery'
down_revision = 'core_0005_documents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('core_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('coarse', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['core_notification.id'], name=op.f('fk_core_delivery_notification_id_core_notification'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_delivery_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_delivery'))
    )
    with op.batch_alter_table('core_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_delivery_notification_id'), ['notification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_delivery_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_delivery_state'), ['state'], unique=False)
    op.create_table('core_notification_pref',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('quiet_from', sa.String(length=5), nullable=False),
    sa.Column('quiet_to', sa.String(length=5), nullable=False),
    sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_notification_pref_user_id_core_user')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_core_notification_pref'))
    )


def downgrade() -> None:
    op.drop_table('core_notification_pref')
    with op.batch_alter_table('core_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_delivery_state'))
        batch_op.drop_index(batch_op.f('ix_core_delivery_user_id'))
        batch_op.drop_index(batch_op.f('ix_core_delivery_notification_id'))
    op.drop_table('core_delivery')
