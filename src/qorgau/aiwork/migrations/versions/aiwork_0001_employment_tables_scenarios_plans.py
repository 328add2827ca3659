"""employment tables, scenarios, reskilling plans

Revision ID: aiwork_0001
Revises: 
Create Date: 2026-12-01 19:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'aiwork_0001'
down_revision = None
branch_labels = ('aiwork',)
depends_on = 'core_0001'


def upgrade() -> None:
    op.create_table('aiwork_employment_table',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('employed', sa.Float(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_aiwork_employment_table_enterprise_id_registry_enterprise')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['core_user.id'], name=op.f('fk_aiwork_employment_table_uploaded_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aiwork_employment_table'))
    )
    with op.batch_alter_table('aiwork_employment_table', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aiwork_employment_table_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aiwork_employment_table_synthetic'), ['synthetic'], unique=False)

    op.create_table('aiwork_scenario',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('preset', sa.String(length=16), nullable=False),
    sa.Column('assumptions', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_aiwork_scenario_created_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aiwork_scenario'))
    )

    op.create_table('aiwork_employment_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('isco08', sa.String(length=4), nullable=False),
    sa.Column('region', sa.String(length=9), nullable=True),
    sa.Column('sector', sa.String(length=7), nullable=True),
    sa.Column('sex', sa.String(length=7), nullable=True),
    sa.Column('age_band', sa.String(length=40), nullable=True),
    sa.Column('unit', sa.String(length=120), nullable=True),
    sa.Column('employed', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['table_id'], ['aiwork_employment_table.id'], name=op.f('fk_aiwork_employment_row_table_id_aiwork_employment_table'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aiwork_employment_row'))
    )
    with op.batch_alter_table('aiwork_employment_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aiwork_employment_row_table_id'), ['table_id'], unique=False)

    op.create_table('aiwork_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('union_id', sa.Integer(), nullable=True),
    sa.Column('table_id', sa.Integer(), nullable=True),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_aiwork_plan_created_by_id_core_user')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_aiwork_plan_enterprise_id_registry_enterprise')),
    sa.ForeignKeyConstraint(['table_id'], ['aiwork_employment_table.id'], name=op.f('fk_aiwork_plan_table_id_aiwork_employment_table')),
    sa.ForeignKeyConstraint(['union_id'], ['registry_union_org.id'], name=op.f('fk_aiwork_plan_union_id_registry_union_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aiwork_plan'))
    )
    with op.batch_alter_table('aiwork_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aiwork_plan_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aiwork_plan_union_id'), ['union_id'], unique=False)

    op.create_table('aiwork_plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('source_isco', sa.String(length=4), nullable=False),
    sa.Column('target_isco', sa.String(length=4), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('training', sa.Text(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('skill_gaps', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['aiwork_plan.id'], name=op.f('fk_aiwork_plan_item_plan_id_aiwork_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aiwork_plan_item'))
    )
    with op.batch_alter_table('aiwork_plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aiwork_plan_item_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('aiwork_plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aiwork_plan_item_plan_id'))
    op.drop_table('aiwork_plan_item')
    with op.batch_alter_table('aiwork_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aiwork_plan_union_id'))
        batch_op.drop_index(batch_op.f('ix_aiwork_plan_enterprise_id'))
    op.drop_table('aiwork_plan')
    with op.batch_alter_table('aiwork_employment_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aiwork_employment_row_table_id'))
    op.drop_table('aiwork_employment_row')
    op.drop_table('aiwork_scenario')
    with op.batch_alter_table('aiwork_employment_table', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aiwork_employment_table_synthetic'))
        batch_op.drop_index(batch_op.f('ix_aiwork_employment_table_enterprise_id'))
    op.drop_table('aiwork_employment_table')
