"""support cases

Revision ID: support_0001
Revises: 
Create Date: 2026-12-07 03:43:22.384431
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'support_0001'
down_revision = None
branch_labels = ('support',)
depends_on = ('core_0001', 'airegister_0001', 'aiwork_0001', 'incidents_0001')  # FKs to filings, plans, accidents


def upgrade() -> None:
    op.create_table('support_setting',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['core_user.id'], name=op.f('fk_support_setting_set_by_id_core_user')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_support_setting'))
    )
    op.create_table('support_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('region_kato', sa.String(length=9), nullable=True),
    sa.Column('sector_code', sa.String(length=1), nullable=True),
    sa.Column('cause', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('worker_reference', sa.String(length=40), nullable=False),
    sa.Column('isco08', sa.String(length=4), nullable=True),
    sa.Column('filing_id', sa.Integer(), nullable=True),
    sa.Column('accident_id', sa.Integer(), nullable=True),
    sa.Column('disease_case_id', sa.Integer(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('case_worker_id', sa.Integer(), nullable=True),
    sa.Column('consent_on', sa.Date(), nullable=True),
    sa.Column('consent_family', sa.Boolean(), nullable=False),
    sa.Column('consent_note', sa.String(length=1000), nullable=False),
    sa.Column('level', sa.String(length=1), nullable=True),
    sa.Column('first_level', sa.String(length=1), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['accident_id'], ['incidents_accident.id'], name=op.f('fk_support_case_accident_id_incidents_accident')),
    sa.ForeignKeyConstraint(['case_worker_id'], ['core_user.id'], name=op.f('fk_support_case_case_worker_id_core_user')),
    sa.ForeignKeyConstraint(['disease_case_id'], ['incidents_disease_case.id'], name=op.f('fk_support_case_disease_case_id_incidents_disease_case')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_support_case_enterprise_id_registry_enterprise')),
    sa.ForeignKeyConstraint(['filing_id'], ['airegister_filing.id'], name=op.f('fk_support_case_filing_id_airegister_filing')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['core_user.id'], name=op.f('fk_support_case_opened_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_case')),
    sa.UniqueConstraint('reference', name=op.f('uq_support_case_reference'))
    )
    with op.batch_alter_table('support_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_case_accident_id'), ['accident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_case_worker_id'), ['case_worker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_cause'), ['cause'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_filing_id'), ['filing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_opened_on'), ['opened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_region_kato'), ['region_kato'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_sector_code'), ['sector_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_case_status'), ['status'], unique=False)

    op.create_table('support_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('automatic_level', sa.String(length=1), nullable=False),
    sa.Column('level', sa.String(length=1), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('open_scores', sa.JSON(), nullable=False),
    sa.Column('assessed', sa.JSON(), nullable=False),
    sa.Column('subsistence_minimum', sa.Integer(), nullable=True),
    sa.Column('personal_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('overridden_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['core_user.id'], name=op.f('fk_support_assessment_by_id_core_user')),
    sa.ForeignKeyConstraint(['case_id'], ['support_case.id'], name=op.f('fk_support_assessment_case_id_support_case')),
    sa.ForeignKeyConstraint(['overridden_by_id'], ['core_user.id'], name=op.f('fk_support_assessment_overridden_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_assessment'))
    )
    with op.batch_alter_table('support_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_assessment_case_id'), ['case_id'], unique=False)

    op.create_table('support_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['core_user.id'], name=op.f('fk_support_event_actor_id_core_user')),
    sa.ForeignKeyConstraint(['case_id'], ['support_case.id'], name=op.f('fk_support_event_case_id_support_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_event'))
    )
    with op.batch_alter_table('support_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_event_case_id'), ['case_id'], unique=False)

    op.create_table('support_follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['support_case.id'], name=op.f('fk_support_follow_up_case_id_support_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_follow_up'))
    )
    with op.batch_alter_table('support_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_follow_up_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_follow_up_due_on'), ['due_on'], unique=False)

    op.create_table('support_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('target_isco', sa.String(length=4), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('plan_progress', sa.String(length=16), nullable=True),
    sa.Column('legal_basis', sa.String(length=1000), nullable=False),
    sa.Column('amount_kzt', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['core_user.id'], name=op.f('fk_support_service_approved_by_id_core_user')),
    sa.ForeignKeyConstraint(['case_id'], ['support_case.id'], name=op.f('fk_support_service_case_id_support_case')),
    sa.ForeignKeyConstraint(['plan_id'], ['aiwork_plan.id'], name=op.f('fk_support_service_plan_id_aiwork_plan')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['core_user.id'], name=op.f('fk_support_service_requested_by_id_core_user')),
    sa.ForeignKeyConstraint(['responsible_id'], ['core_user.id'], name=op.f('fk_support_service_responsible_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_service'))
    )
    with op.batch_alter_table('support_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_service_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_service_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_service_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('support_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_service_status'))
        batch_op.drop_index(batch_op.f('ix_support_service_due_on'))
        batch_op.drop_index(batch_op.f('ix_support_service_case_id'))

    op.drop_table('support_service')
    with op.batch_alter_table('support_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_follow_up_due_on'))
        batch_op.drop_index(batch_op.f('ix_support_follow_up_case_id'))

    op.drop_table('support_follow_up')
    with op.batch_alter_table('support_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_event_case_id'))

    op.drop_table('support_event')
    with op.batch_alter_table('support_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_assessment_case_id'))

    op.drop_table('support_assessment')
    with op.batch_alter_table('support_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_case_status'))
        batch_op.drop_index(batch_op.f('ix_support_case_sector_code'))
        batch_op.drop_index(batch_op.f('ix_support_case_region_kato'))
        batch_op.drop_index(batch_op.f('ix_support_case_outcome'))
        batch_op.drop_index(batch_op.f('ix_support_case_opened_on'))
        batch_op.drop_index(batch_op.f('ix_support_case_level'))
        batch_op.drop_index(batch_op.f('ix_support_case_filing_id'))
        batch_op.drop_index(batch_op.f('ix_support_case_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_support_case_cause'))
        batch_op.drop_index(batch_op.f('ix_support_case_case_worker_id'))
        batch_op.drop_index(batch_op.f('ix_support_case_accident_id'))

    op.drop_table('support_case')
    op.drop_table('support_setting')
