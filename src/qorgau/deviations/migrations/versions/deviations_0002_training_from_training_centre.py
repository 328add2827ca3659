"""inspectors' safety training moves to the training centre (one source of the three-year cycle)

Each inspector's recorded last training (trained_on, training) becomes a training completion marked
as counting for the inspectors' cycle and as recorded from paper; the two columns are then dropped.

Revision ID: deviations_0002_training
Revises: deviations_0001
Create Date: 2026-12-07 03:50:00
"""
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = 'deviations_0002_training'
down_revision = 'deviations_0001'
branch_labels = None
depends_on = 'training_0001'

CYCLE_YEARS = 3


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.table('deviations_inspector', sa.column('id', sa.Integer), sa.column('enterprise_id', sa.Integer),
                         sa.column('user_id', sa.Integer), sa.column('full_name', sa.String),
                         sa.column('trained_on', sa.Date), sa.column('training', sa.String))
    completion = sa.table('training_completion', sa.column('enterprise_id', sa.Integer),
                          sa.column('user_id', sa.Integer), sa.column('inspector_id', sa.Integer),
                          sa.column('person_name', sa.String), sa.column('title', sa.String),
                          sa.column('completed_on', sa.Date), sa.column('valid_until', sa.Date),
                          sa.column('inspector_cycle', sa.Boolean), sa.column('source', sa.String))
    rows = bind.execute(sa.select(inspector).where(inspector.c.trained_on.is_not(None))).all()
    values = []
    for row in rows:
        trained_on = row.trained_on if isinstance(row.trained_on, date) else date.fromisoformat(str(row.trained_on))
        values.append({"enterprise_id": row.enterprise_id, "user_id": row.user_id, "inspector_id": row.id,
                       "person_name": row.full_name[:200], "title": (row.training or "")[:300],
                       "completed_on": trained_on, "valid_until": _plus_years(trained_on, CYCLE_YEARS),
                       "inspector_cycle": True, "source": "recorded"})
    for start in range(0, len(values), 1000):
        bind.execute(completion.insert(), values[start:start + 1000])
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of the table
    # would trip over the foreign keys of the completions just written.
    op.drop_column('deviations_inspector', 'training')
    op.drop_column('deviations_inspector', 'trained_on')


def downgrade() -> None:
    op.add_column('deviations_inspector', sa.Column('trained_on', sa.Date(), nullable=True))
    op.add_column('deviations_inspector', sa.Column('training', sa.String(length=300), nullable=False,
                                                    server_default=''))
    bind = op.get_bind()
    latest = bind.execute(sa.text(
        "SELECT inspector_id, MAX(completed_on) FROM training_completion "
        "WHERE inspector_id IS NOT NULL AND inspector_cycle GROUP BY inspector_id")).all()
    for inspector_id, trained_on in latest:
        bind.execute(sa.text("UPDATE deviations_inspector SET trained_on = :d WHERE id = :i"),
                     {"d": trained_on, "i": inspector_id})
