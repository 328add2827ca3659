"""bio-safety: exposure register, case lists, detection runs and clusters

Revision ID: biosafety_0001
Revises:
Create Date: 2026-12-07 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'biosafety_0001'
down_revision = None
branch_labels = ('biosafety',)
depends_on = ('core_0001',)


def upgrade() -> None:
    op.create_table('biosafety_exposure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('activity', sa.String(length=16), nullable=False),
    sa.Column('agent_code', sa.String(length=40), nullable=False),
    sa.Column('exposed_workers', sa.Integer(), nullable=True),
    sa.Column('vaccinated', sa.Integer(), nullable=True),
    sa.Column('ppe_issued', sa.Integer(), nullable=True),
    sa.Column('trained', sa.Integer(), nullable=True),
    sa.Column('surveilled', sa.Integer(), nullable=True),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_biosafety_exposure_enterprise_id_registry_enterprise')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['core_user.id'], name=op.f('fk_biosafety_exposure_recorded_by_id_core_user')),
    sa.ForeignKeyConstraint(['site_id'], ['registry_site.id'], name=op.f('fk_biosafety_exposure_site_id_registry_site')),
    sa.ForeignKeyConstraint(['zone_id'], ['registry_zone.id'], name=op.f('fk_biosafety_exposure_zone_id_registry_zone')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_biosafety_exposure'))
    )
    op.create_index(op.f('ix_biosafety_exposure_enterprise_id'), 'biosafety_exposure', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_biosafety_exposure_agent_code'), 'biosafety_exposure', ['agent_code'], unique=False)
    op.create_table('biosafety_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('disease', sa.String(length=24), nullable=False),
    sa.Column('icd10', sa.String(length=8), nullable=True),
    sa.Column('onset_on', sa.Date(), nullable=False),
    sa.Column('kato', sa.String(length=9), nullable=False),
    sa.Column('region_kato', sa.String(length=9), nullable=False),
    sa.Column('sector_code', sa.String(length=1), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('activity', sa.String(length=16), nullable=True),
    sa.Column('laboratory_confirmed', sa.Boolean(), nullable=True),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_biosafety_case_enterprise_id_registry_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_biosafety_case')),
    sa.UniqueConstraint('source', 'reference', name=op.f('uq_biosafety_case_source'))
    )
    for column in ('disease', 'onset_on', 'kato', 'region_kato', 'sector_code', 'enterprise_id'):
        op.create_index(op.f(f'ix_biosafety_case_{column}'), 'biosafety_case', [column], unique=False)
    op.create_table('biosafety_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('cases_read', sa.Integer(), nullable=False),
    sa.Column('clusters', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_biosafety_run'))
    )
    op.create_table('biosafety_cluster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('disease', sa.String(length=24), nullable=False),
    sa.Column('kato', sa.String(length=9), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('region_kato', sa.String(length=9), nullable=False),
    sa.Column('sector_code', sa.String(length=1), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Float(), nullable=False),
    sa.Column('relative_risk', sa.Float(), nullable=True),
    sa.Column('llr', sa.Float(), nullable=False),
    sa.Column('p_value', sa.Float(), nullable=False),
    sa.Column('total_cases', sa.Integer(), nullable=False),
    sa.Column('case_refs', sa.JSON(), nullable=False),
    sa.Column('enterprise_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified', sa.Integer(), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['core_user.id'], name=op.f('fk_biosafety_cluster_decided_by_id_core_user')),
    sa.ForeignKeyConstraint(['run_id'], ['biosafety_run.id'], name=op.f('fk_biosafety_cluster_run_id_biosafety_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_biosafety_cluster'))
    )
    for column in ('run_id', 'disease', 'kato', 'region_kato', 'status'):
        op.create_index(op.f(f'ix_biosafety_cluster_{column}'), 'biosafety_cluster', [column], unique=False)


def downgrade() -> None:
    op.drop_table('biosafety_cluster')
    op.drop_table('biosafety_run')
    op.drop_table('biosafety_case')
    op.drop_table('biosafety_exposure')
