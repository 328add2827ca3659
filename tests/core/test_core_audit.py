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
