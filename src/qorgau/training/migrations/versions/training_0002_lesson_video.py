"""A lesson's video, re-encoded on upload.

Revision ID: training_0002
Revises: training_0001
"""

import sqlalchemy as sa
from alembic import op

from qorgau.core.tables import UTCDateTime

revision = "training_0002"
down_revision = "training_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_lesson_video",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lesson_id"], ["training_lesson.id"],
                                name=op.f("fk_training_lesson_video_lesson_id_training_lesson")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["core_user.id"],
                                name=op.f("fk_training_lesson_video_uploaded_by_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_lesson_video")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_training_lesson_video_lesson_id")),
    )


def downgrade() -> None:
    op.drop_table("training_lesson_video")
