"""`qorgau db upgrade --check`: pending revisions and what they would lock."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from qorgau.core import migrate
from qorgau.core.db import engine_for


def test_nothing_pending_on_a_migrated_database(db_url, monkeypatch):
    from qorgau.cli import app
    from qorgau.core.config import get_settings

    assert migrate.check(db_url) == []
    monkeypatch.setenv("QORGAU_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade", "--check"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0 and "No pending migrations" in result.output


def test_an_empty_database_has_every_revision_pending(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with engine_for(url).connect() as conn:
        conn.execute(text("SELECT 1"))
    pending = migrate.check(url)
    assert pending[0]["revision"] == "core_0001"
    assert all(op["lock"] in ("none", "blocks writes", "brief", "review") for r in pending for op in r["operations"])
    assert not any(r["locks_large_table"] for r in pending)  # nothing is large yet


def test_operations_are_classified(tmp_path):
    revision = tmp_path / "p_0002_x.py"
    revision.write_text('''
from alembic import op
import sqlalchemy as sa

def upgrade():
    op.create_index("ix_big_ts", "big", ["ts"])
    op.create_index("ix_big_v", "big", ["v"], postgresql_concurrently=True)
    op.add_column("big", sa.Column("flag", sa.Boolean(), nullable=False))
    op.add_column("big", sa.Column("note", sa.Text(), nullable=True))
    with op.batch_alter_table("small") as batch_op:
        batch_op.alter_column("name", type_=sa.String(400))
    op.execute("UPDATE big SET flag = false")

def downgrade():
    op.drop_table("big")
''')
    found = [(o["op"], o["table"], o["lock"]) for o in migrate.operations(revision)]
    assert found == [("create_index", "big", "blocks writes"), ("create_index", "big", "none"),
                     ("add_column", "big", "blocks all"), ("add_column", "big", "brief"),
                     ("alter_column", "small", "blocks all"), ("execute", "", "review")]
