"""messenger links of staff accounts and one-time linking codes

Revision ID: channels_0001
Revises:
Create Date: 2026-12-07 05:00:00
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'channels_0001'
down_revision = None
branch_labels = ('channels',)
depends_on = ('core_0001',)


def upgrade() -> None:
    op.create_table('channels_messenger_link',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('linked_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_channels_messenger_link_user_id_core_user')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_channels_messenger_link')),
    sa.UniqueConstraint('chat_id', name=op.f('uq_channels_messenger_link_chat_id'))
    )
    op.create_table('channels_link_code',
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_channels_link_code_user_id_core_user')),
    sa.PrimaryKeyConstraint('code_digest', name=op.f('pk_channels_link_code'))
    )
    with op.batch_alter_table('channels_link_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channels_link_code_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('channels_link_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channels_link_code_user_id'))
    op.drop_table('channels_link_code')
    op.drop_table('channels_messenger_link')
