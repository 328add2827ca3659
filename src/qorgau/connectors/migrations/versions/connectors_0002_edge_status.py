"""edge agents' forwarded detector status and link changes (last applied per sensor and flag)

Revision ID: connectors_0002
Revises: connectors_0001
Create Date: 2026-12-07 04:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'connectors_0002'
down_revision = 'connectors_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('connectors_edge_status',
    sa.Column('sensor_id', sa.Integer(), nullable=False),
    sa.Column('flag', sa.String(length=24), nullable=False),
    sa.Column('ts', sa.Float(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['sensor_id'], ['monitoring_sensor.id'], name=op.f('fk_connectors_edge_status_sensor_id_monitoring_sensor')),
    sa.PrimaryKeyConstraint('sensor_id', 'flag', name=op.f('pk_connectors_edge_status'))
    )


def downgrade() -> None:
    op.drop_table('connectors_edge_status')
