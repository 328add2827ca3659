"""act contents: time, place, causes, responsible persons, measures

Revision ID: incidents_0004
Revises: incidents_0003
Create Date: 2026-12-07 07:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'incidents_0004'
down_revision = 'incidents_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents_act_measure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('accident_id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('responsible', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['accident_id'], ['incidents_accident.id'], name=op.f('fk_incidents_act_measure_accident_id_incidents_accident')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_act_measure'))
    )
    with op.batch_alter_table('incidents_act_measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_act_measure_accident_id'), ['accident_id'], unique=False)

    with op.batch_alter_table('incidents_accident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurred_time', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('place', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('causes_found', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('responsible_persons', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('incidents_accident', schema=None) as batch_op:
        batch_op.drop_column('responsible_persons')
        batch_op.drop_column('causes_found')
        batch_op.drop_column('place')
        batch_op.drop_column('occurred_time')

    with op.batch_alter_table('incidents_act_measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_act_measure_accident_id'))

    op.drop_table('incidents_act_measure')
