"""background jobs and personal-data requests

Revision ID: core_0003_ops_jobs
Revises: core_0002_aesgcm
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'core_0003_ops_jobs'
down_revision = 'core_0002_aesgcm'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: no lock on an existing table.
    op.create_table('core_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_job'))
    )
    op.create_index(op.f('ix_core_job_kind'), 'core_job', ['kind'], unique=False)
    op.create_index(op.f('ix_core_job_state'), 'core_job', ['state'], unique=False)
    op.create_index(op.f('ix_core_job_created_at'), 'core_job', ['created_at'], unique=False)
    op.create_table('core_privacy_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_privacy_request_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_privacy_request'))
    )
    op.create_index(op.f('ix_core_privacy_request_user_id'), 'core_privacy_request', ['user_id'], unique=False)
    op.create_index(op.f('ix_core_privacy_request_status'), 'core_privacy_request', ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('core_privacy_request')
    op.drop_table('core_job')
