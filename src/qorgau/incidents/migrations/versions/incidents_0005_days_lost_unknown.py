"""days lost may be unknown: a blank in an import is stored as NULL, not as zero days

Revision ID: incidents_0005
Revises: incidents_0004
Create Date: 2026-12-07 12:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'incidents_0005'
down_revision = 'incidents_0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents_victim', schema=None) as batch_op:
        batch_op.alter_column('days_lost', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # The old schema cannot say "unknown"; downgrading turns unknown back into zero days.
    op.execute("UPDATE incidents_victim SET days_lost = 0 WHERE days_lost IS NULL")
    with op.batch_alter_table('incidents_victim', schema=None) as batch_op:
        batch_op.alter_column('days_lost', existing_type=sa.Integer(), nullable=False)
