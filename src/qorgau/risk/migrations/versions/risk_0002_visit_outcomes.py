"""outcomes of planned inspection visits (labels and the plan's own backtest)

Revision ID: risk_0002_visit_outcomes
Revises: risk_0001
Create Date: 2026-12-07 01:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'risk_0002_visit_outcomes'
down_revision = 'risk_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('risk_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('gross', sa.Integer(), nullable=False),
    sa.Column('significant', sa.Integer(), nullable=False),
    sa.Column('minor', sa.Integer(), nullable=False),
    sa.Column('work_stopped', sa.Boolean(), nullable=False),
    sa.Column('violation_ids', sa.JSON(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', qorgau.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_risk_visit_enterprise_id_registry_enterprise')),
    sa.ForeignKeyConstraint(['item_id'], ['risk_plan_item.id'], name=op.f('fk_risk_visit_item_id_risk_plan_item')),
    sa.ForeignKeyConstraint(['plan_id'], ['risk_plan.id'], name=op.f('fk_risk_visit_plan_id_risk_plan')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['core_user.id'], name=op.f('fk_risk_visit_recorded_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_visit')),
    sa.UniqueConstraint('item_id', name=op.f('uq_risk_visit_item_id'))
    )
    with op.batch_alter_table('risk_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_visit_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_visit_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('risk_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_visit_plan_id'))
        batch_op.drop_index(batch_op.f('ix_risk_visit_enterprise_id'))
    op.drop_table('risk_visit')
