"""The audit log records every write and `qorgau audit verify` finds an edited entry."""

from __future__ import annotations

from sqlalchemy import select, text
from typer.testing import CliRunner


def _verify(url, monkeypatch):
    from qorgau.cli import app as cli_app
    from qorgau.core.config import get_settings

    monkeypatch.setenv("QORGAU_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli_app, ["audit", "verify"])
    finally:
        get_settings.cache_clear()


def test_writes_are_audited_with_before_and_after(sign_in, session):
    from qorgau.core.models import AuditEntry

    client = sign_in("admin")
    assert client.patch("/api/v1/registry/enterprises/2", json={"headcount": 4321}).status_code == 200
    entry = session.execute(select(AuditEntry).where(AuditEntry.object_type == "registry_enterprise",
                                                     AuditEntry.action == "update")
                            .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.actor == "user:admin" and entry.object_id == "2"
    assert entry.after["headcount"] == 4321 and entry.before["headcount"] != 4321


def test_password_hashes_never_reach_the_audit_log(session):
    from qorgau.core.models import AuditEntry

    for entry in session.execute(select(AuditEntry).where(AuditEntry.object_type == "core_user")).scalars():
        assert "argon2" not in str(entry.after)


def test_verify_detects_an_edited_row(demo_url, session, sign_in, monkeypatch):
    client = sign_in("admin")
    client.patch("/api/v1/registry/enterprises/3", json={"town": "Темиртау"})
    good = _verify(demo_url, monkeypatch)
    assert good.exit_code == 0 and "chain intact" in good.output
    victim = session.execute(text("SELECT id FROM core_audit_entry WHERE object_type = 'registry_enterprise' "
                                  "ORDER BY id LIMIT 1 OFFSET 5")).scalar_one()
    session.execute(text("UPDATE core_audit_entry SET actor = 'someone-else' WHERE id = :id"), {"id": victim})
    session.commit()
    broken = _verify(demo_url, monkeypatch)
    assert broken.exit_code == 1
    assert f"BROKEN at entry {victim}" in broken.output


def test_verify_detects_a_deleted_row(demo_url, session, monkeypatch):
    victim = session.execute(text("SELECT id FROM core_audit_entry ORDER BY id LIMIT 1 OFFSET 10")).scalar_one()
    session.execute(text("DELETE FROM core_audit_entry WHERE id = :id"), {"id": victim})
    session.commit()
    broken = _verify(demo_url, monkeypatch)
    assert broken.exit_code == 1 and f"BROKEN at entry {victim + 1}" in broken.output


def test_rolled_back_work_leaves_no_audit_entry(demo_url):
    import pytest

    from qorgau.core.db import unit_of_work
    from qorgau.core.models import AuditEntry
    from qorgau.registry.models import Site

    with unit_of_work(demo_url) as session:
        before = session.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc())).scalars().first()
    with pytest.raises(RuntimeError), unit_of_work(demo_url) as session:
        session.add(Site(enterprise_id=1, name="временная"))
        session.flush()
        raise RuntimeError("abort")
    with unit_of_work(demo_url) as session:
        assert session.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc())).scalars().first() == before


# ---- keyed chain and checkpoints kept outside the database ------------------------------------------


def _checkpoints_in(tmp_path, monkeypatch):
    from qorgau.core.config import get_settings

    path = tmp_path / "elsewhere" / "checkpoints.jsonl"
    monkeypatch.setenv("QORGAU_AUDIT_CHECKPOINT_PATH", str(path))
    get_settings.cache_clear()
    return path


def _checkpoint(url):
    from qorgau.core.audit_anchor import write_checkpoint
    from qorgau.core.db import engine_for

    with engine_for(url).connect() as connection:
        return write_checkpoint(connection)


def test_verify_detects_a_deleted_tail_against_the_checkpoint(demo_url, session, monkeypatch, tmp_path):
    _checkpoints_in(tmp_path, monkeypatch)
    _checkpoint(demo_url)
    assert _verify(demo_url, monkeypatch).exit_code == 0
    _checkpoints_in(tmp_path, monkeypatch)
    last = session.execute(text("SELECT max(id) FROM core_audit_entry")).scalar_one()
    session.execute(text("DELETE FROM core_audit_entry WHERE id > :id"), {"id": last - 3})
    session.commit()
    broken = _verify(demo_url, monkeypatch)
    assert broken.exit_code == 1 and "entries were deleted" in broken.output


def test_verify_detects_a_chain_rehashed_without_the_key(demo_url, session, monkeypatch, tmp_path):
    """Whoever can write the database edits an entry and recomputes every later hash, as the first
    format (plain SHA-256) allowed, or with a key of their own: both are found."""
    from qorgau.core import audit
    from qorgau.core.models import AuditEntry

    _checkpoints_in(tmp_path, monkeypatch)
    entries = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    victim = entries[len(entries) // 2]
    victim.reason = "rewritten"
    prev = entries[entries.index(victim) - 1].hash
    for entry in entries[entries.index(victim):]:
        fields = (entry.at.isoformat(), entry.actor, entry.action, entry.object_type, entry.object_id,
                  entry.before, entry.after, entry.reason)
        entry.prev_hash, entry.hash = prev, audit.legacy_entry_hash(prev, *fields)
        prev = entry.hash
    session.commit()
    broken = _verify(demo_url, monkeypatch)
    assert broken.exit_code == 1 and f"BROKEN at entry {victim.id}" in broken.output

    prev = entries[entries.index(victim) - 1].hash
    for entry in entries[entries.index(victim):]:
        fields = (entry.at.isoformat(), entry.actor, entry.action, entry.object_type, entry.object_id,
                  entry.before, entry.after, entry.reason)
        entry.prev_hash = prev
        entry.hash = audit.entry_hash(prev, *fields, key="the intruder's own key")
        prev = entry.hash
    session.commit()
    broken = _verify(demo_url, monkeypatch)
    assert broken.exit_code == 1 and f"BROKEN at entry {victim.id}" in broken.output


def test_verify_detects_a_rehash_with_the_key_against_the_checkpoint(demo_url, session, monkeypatch, tmp_path):
    """Even someone who also stole the audit key cannot rewrite what a checkpoint already anchors."""
    from qorgau.core import audit
    from qorgau.core.models import AuditEntry

    _checkpoints_in(tmp_path, monkeypatch)
    _checkpoint(demo_url)
    entries = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    start = len(entries) - 5
    entries[start].reason = "rewritten with the stolen key"
    prev = entries[start - 1].hash
    for entry in entries[start:]:
        entry.prev_hash = prev
        entry.hash = audit.entry_hash(prev, entry.at.isoformat(), entry.actor, entry.action, entry.object_type,
                                      entry.object_id, entry.before, entry.after, entry.reason)
        prev = entry.hash
    session.commit()
    broken = _verify(demo_url, monkeypatch)
    assert broken.exit_code == 1 and "rewritten" in broken.output


def test_a_forged_checkpoint_is_refused(demo_url, monkeypatch, tmp_path):
    import json

    path = _checkpoints_in(tmp_path, monkeypatch)
    body = _checkpoint(demo_url)
    path.write_text(json.dumps({**body, "count": body["count"] - 10}) + "\n")
    broken = _verify(demo_url, monkeypatch)
    assert broken.exit_code == 1 and "signature" in broken.output


def test_checkpoints_are_written_after_commits(demo_url, monkeypatch, tmp_path):
    import json

    from qorgau.core import audit, audit_anchor
    from qorgau.core.db import unit_of_work

    path = _checkpoints_in(tmp_path, monkeypatch)
    monkeypatch.setenv("QORGAU_AUDIT_CHECKPOINT_SECONDS", "0")
    monkeypatch.setitem(audit_anchor._last_written, "at", 0.0)
    from qorgau.core.config import get_settings

    get_settings.cache_clear()
    with unit_of_work(demo_url, actor="test") as session:
        audit.record(session, action="test.event", object_type="core_user", object_id=1)
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["count"] > 0
    assert _verify(demo_url, monkeypatch).exit_code == 0


def test_audit_key_rotation_keeps_old_entries_verifiable(demo_url, monkeypatch, tmp_path):
    from qorgau.cli import app as cli_app
    from qorgau.core.config import get_settings

    _checkpoints_in(tmp_path, monkeypatch)
    keys = tmp_path / "data" / "keys"
    keys.mkdir(parents=True)
    (keys / "audit_key").write_text("test-audit-key")
    monkeypatch.delenv("QORGAU_AUDIT_KEY")
    monkeypatch.setenv("QORGAU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli_app, ["keys", "rotate-audit-key"])
    assert result.exit_code == 0, result.output
    assert (keys / "audit_key").read_text() != "test-audit-key"
    assert _verify(demo_url, monkeypatch).exit_code == 0


def test_the_checkpoint_command_releases_held_entries_and_anchors_the_chain(demo_url, session, monkeypatch,
                                                                            tmp_path):
    from datetime import date

    from qorgau.cli import app as cli_app
    from qorgau.core.config import get_settings
    from qorgau.core.models import AuditEntry, AuditHeld

    path = _checkpoints_in(tmp_path, monkeypatch)
    session.add(AuditHeld(id=123457, day=date(2026, 1, 5), entry={
        "actor": "anonymous", "action": "create", "object_type": "speaks_report", "object_id": "123457",
        "before": None, "after": {"status": "new"}, "reason": ""}))
    session.commit()
    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli_app, ["audit", "checkpoint"])
    assert result.exit_code == 0 and "1 held entries released" in result.output, result.output
    session.expire_all()
    released = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert released.object_id == "123457" and released.at.isoformat() == "2026-01-05T00:00:00+00:00"
    assert path.exists() and _verify(demo_url, monkeypatch).exit_code == 0




def test_a_created_row_is_audited_with_its_id(sign_in, session):
    """A "create" entry names the new row (its primary key is read before the flush is finalised)."""
    from qorgau.core.models import AuditEntry
    from qorgau.registry.identifiers import complete_with_check_digit

    client = sign_in("admin")
    body = {"bin": complete_with_check_digit("10034000077"), "name_ru": "ТОО «Аудит»", "region_kato": "350000000",
            "sector_code": "C"}
    created = client.post("/api/v1/registry/enterprises", json=body)
    assert created.status_code == 201, created.text
    entry = session.execute(select(AuditEntry).where(AuditEntry.object_type == "registry_enterprise",
                                                     AuditEntry.action == "create")
                            .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.object_id == str(created.json()["id"])
