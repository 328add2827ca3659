"""retraining plans: states agreed with the employer, their history, progress per affected worker

Revision ID: aiwork_0002_plan_states
Revises: aiwork_0001
Create Date: 2026-12-07 01:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'aiwork_0002_plan_states'
down_revision = 'aiwork_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('aiwork_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drafted_by', sa.String(length=16), nullable=False, server_default='union'))
        batch_op.add_column(sa.Column('employer_signatory', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('agreed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('abandoned_reason', sa.Text(), nullable=True))
    op.create_table('aiwork_plan_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', qorgau.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['core_user.id'], name=op.f('fk_aiwork_plan_step_by_id_core_user')),
    sa.ForeignKeyConstraint(['plan_id'], ['aiwork_plan.id'], name=op.f('fk_aiwork_plan_step_plan_id_aiwork_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aiwork_plan_step'))
    )
    with op.batch_alter_table('aiwork_plan_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aiwork_plan_step_plan_id'), ['plan_id'], unique=False)
    op.create_table('aiwork_plan_worker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('progress', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['aiwork_plan_item.id'], name=op.f('fk_aiwork_plan_worker_item_id_aiwork_plan_item')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['core_user.id'], name=op.f('fk_aiwork_plan_worker_updated_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aiwork_plan_worker')),
    sa.UniqueConstraint('item_id', 'reference', name=op.f('uq_aiwork_plan_worker_item_id'))
    )
    with op.batch_alter_table('aiwork_plan_worker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aiwork_plan_worker_item_id'), ['item_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('aiwork_plan_worker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aiwork_plan_worker_item_id'))
    op.drop_table('aiwork_plan_worker')
    with op.batch_alter_table('aiwork_plan_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aiwork_plan_step_plan_id'))
    op.drop_table('aiwork_plan_step')
    with op.batch_alter_table('aiwork_plan', schema=None) as batch_op:
        batch_op.drop_column('abandoned_reason')
        batch_op.drop_column('agreed_on')
        batch_op.drop_column('employer_signatory')
        batch_op.drop_column('drafted_by')
