"""conditions of approval that require an agreed retraining plan

Revision ID: airegister_0002_plan_condition
Revises: airegister_0001
Create Date: 2026-12-07 01:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'airegister_0002_plan_condition'
down_revision = 'airegister_0001'
branch_labels = None
depends_on = 'aiwork_0001'


def upgrade() -> None:
    with op.batch_alter_table('airegister_condition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='obligation'))
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_airegister_condition_plan_id_aiwork_plan'), 'aiwork_plan',
                                    ['plan_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('airegister_condition', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_airegister_condition_plan_id_aiwork_plan'), type_='foreignkey')
        batch_op.drop_column('plan_id')
        batch_op.drop_column('kind')
