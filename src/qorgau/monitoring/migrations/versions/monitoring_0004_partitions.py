"""ingest partitions: lease and member tables; on PostgreSQL raw readings partitioned by month

Revision ID: monitoring_0004_partitions
Revises: monitoring_0003_sensor_history
Create Date: 2026-12-07 15:50:00.000000
"""
import time

from alembic import op
import sqlalchemy as sa

from qorgau.monitoring import timeparts


revision = 'monitoring_0004_partitions'
down_revision = 'monitoring_0003_sensor_history'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('monitoring_ingest_lease',
    sa.Column('partition', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('partition', name=op.f('pk_monitoring_ingest_lease'))
    )
    op.create_table('monitoring_ingest_member',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('seen_until', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_monitoring_ingest_member'))
    )
    connection = op.get_bind()
    if connection.dialect.name == 'postgresql':
        # Rewrites the table: on a large installation run it in a maintenance window (or copy month by month).
        timeparts.convert(connection, time.time())


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == 'postgresql':
        timeparts.unconvert(connection)
    op.drop_table('monitoring_ingest_member')
    op.drop_table('monitoring_ingest_lease')
