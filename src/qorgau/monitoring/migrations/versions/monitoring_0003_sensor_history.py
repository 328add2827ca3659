"""sensors change: moves between zones, calibrations, deactivation reason, site plans with zone outlines

Revision ID: monitoring_0003_sensor_history
Revises: monitoring_0002
Create Date: 2026-12-07 01:20:00.000000
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'monitoring_0003_sensor_history'
down_revision = 'monitoring_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('monitoring_sensor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_reason', sa.Text(), nullable=True))
    op.create_table('monitoring_sensor_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sensor_id', sa.Integer(), nullable=False),
    sa.Column('from_zone_id', sa.Integer(), nullable=False),
    sa.Column('to_zone_id', sa.Integer(), nullable=False),
    sa.Column('ts', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('moved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['from_zone_id'], ['registry_zone.id'], name=op.f('fk_monitoring_sensor_move_from_zone_id_registry_zone')),
    sa.ForeignKeyConstraint(['moved_by_id'], ['core_user.id'], name=op.f('fk_monitoring_sensor_move_moved_by_id_core_user')),
    sa.ForeignKeyConstraint(['sensor_id'], ['monitoring_sensor.id'], name=op.f('fk_monitoring_sensor_move_sensor_id_monitoring_sensor')),
    sa.ForeignKeyConstraint(['to_zone_id'], ['registry_zone.id'], name=op.f('fk_monitoring_sensor_move_to_zone_id_registry_zone')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_sensor_move'))
    )
    with op.batch_alter_table('monitoring_sensor_move', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_sensor_move_sensor_id'), ['sensor_id'], unique=False)
    op.create_table('monitoring_calibration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sensor_id', sa.Integer(), nullable=False),
    sa.Column('calibrated_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=300), nullable=False),
    sa.Column('performed_by', sa.String(length=200), nullable=False),
    sa.Column('certificate', sa.String(length=100), nullable=False),
    sa.Column('next_due_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', qorgau.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['core_user.id'], name=op.f('fk_monitoring_calibration_recorded_by_id_core_user')),
    sa.ForeignKeyConstraint(['sensor_id'], ['monitoring_sensor.id'], name=op.f('fk_monitoring_calibration_sensor_id_monitoring_sensor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_calibration'))
    )
    with op.batch_alter_table('monitoring_calibration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_calibration_sensor_id'), ['sensor_id'], unique=False)
    op.create_table('monitoring_site_plan',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('image', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('outlines', sa.JSON(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', qorgau.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['registry_site.id'], name=op.f('fk_monitoring_site_plan_site_id_registry_site')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['core_user.id'], name=op.f('fk_monitoring_site_plan_uploaded_by_id_core_user')),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_monitoring_site_plan'))
    )


def downgrade() -> None:
    op.drop_table('monitoring_site_plan')
    with op.batch_alter_table('monitoring_calibration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_calibration_sensor_id'))
    op.drop_table('monitoring_calibration')
    with op.batch_alter_table('monitoring_sensor_move', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_sensor_move_sensor_id'))
    op.drop_table('monitoring_sensor_move')
    with op.batch_alter_table('monitoring_sensor', schema=None) as batch_op:
        batch_op.drop_column('deactivated_reason')
