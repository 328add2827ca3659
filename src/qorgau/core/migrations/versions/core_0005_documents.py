"""issued documents (PDF, verification code, validity, revocation)

Revision ID: core_0005_documents
Revises: core_0004_form_tokens
Create Date: 2026-12-07 03:50:00
"""
from alembic import op
import sqlalchemy as sa
import qorgau.core.db


revision = 'core_0005_documents'
down_revision = 'core_0004_form_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('core_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('issued_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=80), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('revoked_at', qorgau.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['registry_enterprise.id'], name=op.f('fk_core_document_enterprise_id_registry_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_document')),
    sa.UniqueConstraint('code', name=op.f('uq_core_document_code'))
    )
    with op.batch_alter_table('core_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_document_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_document_kind'), ['kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('core_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_document_kind'))
        batch_op.drop_index(batch_op.f('ix_core_document_enterprise_id'))
    op.drop_table('core_document')
