"""Restore drill: back up a demo, destroy it, restore it on a fresh data folder, and find every Worker
Speaks report readable, every audit entry verifying and every table count equal."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from qorgau.core import backup, keybundle
from qorgau.core.config import Settings, get_settings
from qorgau.core.db import engine_for, session_factory

PASSPHRASE = "correct horse battery staple"


def _report_texts(url: str) -> dict[int, str]:
    from qorgau.core import crypto
    from qorgau.speaks.models import Report

    with session_factory(url)() as session:
        return {r.id: crypto.decrypt_text(r.description_encrypted)
                for r in session.execute(select(Report).order_by(Report.id)).scalars()}


def _fresh_target(databases, backend: str, root: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{(root / 'qorgau.db').as_posix()}"
    name = f"qorgau_restore_{uuid.uuid4().hex[:10]}"
    with databases.pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    databases.created_pg.append(name)  # dropped with the test databases
    return databases._pg_url(name)


def _destroy(databases, backend: str, url: str, data_dir: Path) -> None:
    engine_for(url).dispose()
    shutil.rmtree(data_dir)
    if backend == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink()
    else:
        with databases.pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))


@pytest.fixture
def fresh_settings(monkeypatch):
    """Point the process at another installation; put the test's own settings back afterwards."""

    def switch(data_dir: Path, url: str) -> None:
        for name in ("QORGAU_DATA_KEY", "QORGAU_SECRET_KEY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("QORGAU_DATA_DIR", str(data_dir))
        monkeypatch.setenv("QORGAU_DATABASE_URL", url)
        get_settings.cache_clear()

    yield switch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_restore_drill(databases, backend, demo_url, tmp_path, fresh_settings):
    from qorgau.cli import app

    source_dir = tmp_path / "installation"
    (source_dir / "uploads").mkdir(parents=True)
    (source_dir / "uploads" / "form-300a.xlsx").write_bytes(b"spreadsheet bytes")
    source = Settings(database_url=demo_url, data_dir=source_dir, secret_key="test-secret-key",
                      data_key="test-data-key")
    texts = _report_texts(demo_url)
    assert len(texts) > 10 and all(texts.values())
    counts = backup.table_counts(demo_url)

    folder = backup.create_backup(source, tmp_path / "backups")
    assert backup.verify(folder) == []
    manifest = backup.read_manifest(folder)
    assert manifest["tables"] == counts and manifest["schema_revisions"]
    assert "keys" not in {Path(name).parts[0] for name in manifest["files"]}
    assert b"test-data-key" not in b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    bundle_path = tmp_path / "custody" / "keys.json"
    bundle_path.parent.mkdir()
    bundle_path.write_text(json.dumps(keybundle.seal_with_passphrase(backup.key_material(source), PASSPHRASE)))

    _destroy(databases, backend, demo_url, source_dir)

    restored_dir = tmp_path / "new-installation"
    restored_dir.mkdir()
    target = _fresh_target(databases, backend, restored_dir)
    fresh_settings(restored_dir, target)
    runner = CliRunner()
    done = runner.invoke(app, ["restore", str(folder), "--keys", str(bundle_path)],
                         env={"QORGAU_BUNDLE_PASSPHRASE": PASSPHRASE})
    assert done.exit_code == 0, done.output
    assert "equal to the backup's manifest" in done.output

    assert get_settings().data_key == ""  # the key now comes from the restored data folder only
    assert (restored_dir / "keys" / "data_key").read_text() == "test-data-key"
    assert _report_texts(target) == texts
    assert backup.table_counts(target) == counts
    assert (restored_dir / "uploads" / "form-300a.xlsx").read_bytes() == b"spreadsheet bytes"
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and verified.output.startswith("OK:"), verified.output
    # Restoring twice into the same database is refused rather than mixing two copies.
    again = runner.invoke(app, ["restore", str(folder), "--keys", str(bundle_path)],
                          env={"QORGAU_BUNDLE_PASSPHRASE": PASSPHRASE})
    assert again.exit_code == 2 and "not empty" in again.output
    engine_for(target).dispose()


def test_damaged_backup_and_wrong_keys_are_refused(db_url, tmp_path):
    settings = Settings(database_url=db_url, data_dir=tmp_path / "var", secret_key="s", data_key="k1")
    folder = backup.create_backup(settings, tmp_path / "backups")
    other = Settings(database_url=db_url, data_dir=tmp_path / "var", secret_key="s", data_key="k2")
    target = Settings(database_url=f"sqlite:///{tmp_path / 'new' / 'q.db'}", data_dir=tmp_path / "new")
    with pytest.raises(backup.BackupError, match="does not hold the keys"):
        backup.restore(folder, target, backup.key_material(other))
    database = next(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json" and "files" not in p.name)
    database.write_bytes(database.read_bytes()[:-10] + b"0123456789")
    assert any("checksum differs" in problem for problem in backup.verify(folder))
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.restore(folder, target, backup.key_material(settings))


def test_key_bundle_shares_need_the_threshold(tmp_path):
    keys = {"keys/data_key": "the data key", "secret_key": "the session secret"}
    bundle, shares = keybundle.seal_with_shares(keys, threshold=3, count=5)
    assert "the data key" not in json.dumps(bundle)
    assert len(shares) == 5 and len(set(shares)) == 5
    assert keybundle.open_bundle(bundle, shares=[shares[4], shares[0], shares[2]]) == keys
    with pytest.raises(keybundle.BundleError, match="needs 3"):
        keybundle.open_bundle(bundle, shares=shares[:2])
    typo = shares[1].split()
    typo[5] = "academic" if typo[5] != "academic" else "acid"
    with pytest.raises(keybundle.BundleError, match="do not combine"):
        keybundle.open_bundle(bundle, shares=[shares[0], " ".join(typo), shares[2]])
    sealed = keybundle.seal_with_passphrase(keys, PASSPHRASE)
    with pytest.raises(keybundle.BundleError, match="do not open"):
        keybundle.open_bundle(sealed, passphrase=PASSPHRASE + "!")


def test_scheduled_backups_are_pruned_and_an_old_one_alerts(db_url, tmp_path):
    from datetime import UTC, datetime, timedelta

    from qorgau.core import jobs
    from qorgau.core.models import Notification

    settings = Settings(database_url=db_url, data_dir=tmp_path / "var", secret_key="s", data_key="k",
                        backup_keep=2, backup_max_age_hours=26)
    with session_factory(db_url)() as session:
        from qorgau.registry import accounts as users

        users.create(session, username="ops-admin", role="admin", password="a-long-password-1")
        session.commit()
    old = datetime.now(UTC) - timedelta(days=3)
    backup.create_backup(settings, now=old)
    checked = jobs.run_now(db_url, "core.backup_check", settings=settings)
    assert checked.state == "done" and checked.result["overdue"] is True and checked.result["told"] == 1
    for _ in range(3):
        done = jobs.run_now(db_url, "core.backup", settings=settings)
        assert done.state == "done", done.error
    assert len(backup.finished_backups(settings.resolved_backup_dir())) == 2
    checked = jobs.run_now(db_url, "core.backup_check", settings=settings)
    assert checked.result["overdue"] is False
    with session_factory(db_url)() as session:
        told = session.execute(select(Notification).where(Notification.kind == "backup_overdue")).scalars().all()
        assert len(told) == 1


def test_keys_given_only_as_variables_travel_in_the_bundle(db_url, backend, tmp_path, monkeypatch):
    if backend != "sqlite":
        pytest.skip("the key handling is the same on both backends; the restore drill covers PostgreSQL")
    monkeypatch.setenv("QORGAU_AUDIT_KEY", "audit-key-from-the-environment")
    settings = Settings(database_url=db_url, data_dir=tmp_path / "var", secret_key="s", data_key="k")
    folder = backup.create_backup(settings, tmp_path / "backups")
    bundle = keybundle.seal_with_passphrase(backup.key_material(settings), PASSPHRASE)
    keys = keybundle.open_bundle(bundle, passphrase=PASSPHRASE)
    assert keys["env:QORGAU_AUDIT_KEY"] == "audit-key-from-the-environment"
    target = Settings(database_url=f"sqlite:///{tmp_path / 'new' / 'qorgau.db'}", data_dir=tmp_path / "new")
    report = backup.restore(folder, target, keys)
    assert report.ok, report.differences
    assert (tmp_path / "new" / "keys" / "restored.env").read_text() == "QORGAU_AUDIT_KEY=audit-key-from-the-environment\n"
    assert (tmp_path / "new" / "keys" / "data_key").read_text() == "k"
    engine_for(target.resolved_database_url()).dispose()
