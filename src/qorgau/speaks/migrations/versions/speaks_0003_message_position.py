"""message position within its report: random ids say nothing about order, and messages carry the day only

Revision ID: speaks_0003_message_position
Revises: speaks_0002_receipt_prefix
"""
import sqlalchemy as sa
from alembic import op

revision = 'speaks_0003_message_position'
down_revision = 'speaks_0002_receipt_prefix'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('speaks_message', sa.Column('position', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('speaks_message', schema=None) as batch_op:
        batch_op.drop_column('position')
