"""equipment register and re-equipment plans

Revision ID: equipment_0001
Revises: 
Create Date: 2026-12-07 06:51:50.768222
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'equipment_0001'
down_revision = None
branch_labels = ('equipment',)
depends_on = ('core_0006_delivery', 'incidents_0001')  # FKs to accidents


def upgrade() -> None:
    op.create_table('equipment_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('type_code', sa.String(length=32), nullable=False),
    sa.Column('inventory_number', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('manufacturer', sa.String(length=200), nullable=False),
    sa.Column('commissioned_year', sa.Integer(), nullable=True),
    sa.Column('service_life_years', sa.Integer(), nullable=True),
    sa.Column('service_life_source', sa.String(length=16), nullable=True),
    sa.Column('extended_until', sa.Date(), nullable=True),
    sa.Column('extension_basis', sa.String(length=300), nullable=False),
    sa.Column('life_ends_on', sa.Date(), nullable=True),
    sa.Column('condition', sa.String(length=16), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_equipment_item_enterprise_id_registry_enterprise')),
    sa.ForeignKeyConstraint(['site_id'], ['registry_site.id'], name=op.f('fk_equipment_item_site_id_registry_site')),
    sa.ForeignKeyConstraint(['zone_id'], ['registry_zone.id'], name=op.f('fk_equipment_item_zone_id_registry_zone')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_item')),
    sa.UniqueConstraint('enterprise_id', 'inventory_number', name=op.f('uq_equipment_item_enterprise_id'))
    )
    with op.batch_alter_table('equipment_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_item_condition'), ['condition'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_item_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_item_life_ends_on'), ['life_ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_item_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_item_type_code'), ['type_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_item_zone_id'), ['zone_id'], unique=False)

    op.create_table('equipment_accident_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('accident_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['accident_id'], ['incidents_accident.id'], name=op.f('fk_equipment_accident_link_accident_id_incidents_accident')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_equipment_accident_link_enterprise_id_registry_enterprise')),
    sa.ForeignKeyConstraint(['item_id'], ['equipment_item.id'], name=op.f('fk_equipment_accident_link_item_id_equipment_item')),
    sa.ForeignKeyConstraint(['linked_by_id'], ['core_user.id'], name=op.f('fk_equipment_accident_link_linked_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_accident_link')),
    sa.UniqueConstraint('item_id', 'accident_id', name=op.f('uq_equipment_accident_link_item_id'))
    )
    with op.batch_alter_table('equipment_accident_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_accident_link_accident_id'), ['accident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_accident_link_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_accident_link_item_id'), ['item_id'], unique=False)

    op.create_table('equipment_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['equipment_item.id'], name=op.f('fk_equipment_certificate_item_id_equipment_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_certificate'))
    )
    with op.batch_alter_table('equipment_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_certificate_item_id'), ['item_id'], unique=False)

    op.create_table('equipment_plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('responsible', sa.String(length=200), nullable=False),
    sa.Column('budget', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_equipment_plan_item_enterprise_id_registry_enterprise')),
    sa.ForeignKeyConstraint(['item_id'], ['equipment_item.id'], name=op.f('fk_equipment_plan_item_item_id_equipment_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_plan_item'))
    )
    with op.batch_alter_table('equipment_plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_plan_item_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_plan_item_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_plan_item_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_plan_item_status'), ['status'], unique=False)

    op.create_table('equipment_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.String(length=2000), nullable=False),
    sa.Column('created_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['core_user.id'], name=op.f('fk_equipment_comment_author_id_core_user')),
    sa.ForeignKeyConstraint(['plan_item_id'], ['equipment_plan_item.id'], name=op.f('fk_equipment_comment_plan_item_id_equipment_plan_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_comment'))
    )
    with op.batch_alter_table('equipment_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_comment_plan_item_id'), ['plan_item_id'], unique=False)

    op.create_table('equipment_plan_escalation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=24), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('days_overdue', sa.Integer(), nullable=False),
    sa.Column('notified', sa.JSON(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_user_id'], ['core_user.id'], name=op.f('fk_equipment_plan_escalation_by_user_id_core_user')),
    sa.ForeignKeyConstraint(['plan_item_id'], ['equipment_plan_item.id'], name=op.f('fk_equipment_plan_escalation_plan_item_id_equipment_plan_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_plan_escalation'))
    )
    with op.batch_alter_table('equipment_plan_escalation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_plan_escalation_plan_item_id'), ['plan_item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('equipment_plan_escalation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_plan_escalation_plan_item_id'))

    op.drop_table('equipment_plan_escalation')
    with op.batch_alter_table('equipment_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_comment_plan_item_id'))

    op.drop_table('equipment_comment')
    with op.batch_alter_table('equipment_plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_plan_item_status'))
        batch_op.drop_index(batch_op.f('ix_equipment_plan_item_item_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_plan_item_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_plan_item_due_on'))

    op.drop_table('equipment_plan_item')
    with op.batch_alter_table('equipment_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_certificate_item_id'))

    op.drop_table('equipment_certificate')
    with op.batch_alter_table('equipment_accident_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_accident_link_item_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_accident_link_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_accident_link_accident_id'))

    op.drop_table('equipment_accident_link')
    with op.batch_alter_table('equipment_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_item_zone_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_item_type_code'))
        batch_op.drop_index(batch_op.f('ix_equipment_item_site_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_item_life_ends_on'))
        batch_op.drop_index(batch_op.f('ix_equipment_item_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_item_condition'))

    op.drop_table('equipment_item')
