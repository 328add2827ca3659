"""Ciphertexts carry no time; the upgrade rewrites the old ones; the data key rotates and every report reads."""

from __future__ import annotations

import base64
import struct
import time
from datetime import date

import pytest
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner


def test_ciphertexts_carry_no_time_and_a_key_id():
    from qorgau.core import crypto

    token = crypto.encrypt_text("Газ в цехе")
    assert token[:1] == crypto.MAGIC and crypto.token_key_id(token) == crypto.current_key_id()
    assert crypto.encrypt_text("Газ в цехе") != token  # a fresh random nonce each time
    assert crypto.decrypt_text(token) == "Газ в цехе"
    # The former format (Fernet) wrote its creation time in clear, bytes 1-9; it is still read, to migrate.
    legacy = crypto.legacy_encrypt_for_tests("Газ в цехе".encode())
    (stamp,) = struct.unpack(">Q", base64.urlsafe_b64decode(legacy)[1:9])
    assert abs(stamp - time.time()) < 60
    assert crypto.decrypt_text(legacy) == "Газ в цехе" and crypto.needs_rewrite(legacy, crypto.current_key_id())
    tampered = token[:-1] + bytes([token[-1] ^ 1])
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_bytes(tampered)


def _fresh_database(databases, backend, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{(tmp_path / 'old.db').as_posix()}"
    name = databases._new_name("old")
    with databases.pg_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    databases.created_pg.append(name)
    return databases._pg_url(name)


def test_upgrade_rewrites_old_ciphertexts_and_keys_the_old_chain(databases, backend, tmp_path):
    """A platform of the first format (Fernet tokens, unkeyed chain) upgraded: no clear time is left,
    every report reads, and the chain verifies under the key with a record of the old head."""
    from alembic import command

    from qorgau.core import audit, crypto
    from qorgau.core.db import engine_for, session_factory
    from qorgau.core.migrate import alembic_config, upgrade
    from qorgau.core.models import AuditEntry

    url = _fresh_database(databases, backend, tmp_path)
    command.upgrade(alembic_config(url), "speaks_0001")
    engine = create_engine(url)
    with engine.begin() as connection:
        prev = audit.GENESIS
        for n in range(3):
            stamp = f"2026-01-0{n + 1}T10:00:00+00:00"
            digest = audit.legacy_entry_hash(prev, stamp, "cli", "create", "core_user", str(n), None, {"n": n}, "")
            connection.execute(text(
                "INSERT INTO core_audit_entry (at, actor, action, object_type, object_id, before, after, reason, "
                "prev_hash, hash) VALUES (:at, 'cli', 'create', 'core_user', :oid, NULL, :after, '', :prev, :hash)"),
                {"at": f"2026-01-0{n + 1} 10:00:00+00:00", "oid": str(n), "after": f'{{"n": {n}}}',
                 "prev": prev, "hash": digest})
            prev = digest
        old_head = prev
        legacy = {name: crypto.legacy_encrypt_for_tests(value.encode()) for name, value in
                  (("description", "Нет касок"), ("redacted", "Нет касок"), ("contact", "@worker"))}
        connection.execute(text(
            "INSERT INTO speaks_report (id, reference, receipt_digest, kind, language, reporter_category, category, "
            "urgency, triage_by, triage_explanation, status, escalation_level, shared_with_employer, received_on, "
            "acknowledge_by, feedback_by, description_encrypted, redacted_encrypted, contact_encrypted, pii_types) "
            "VALUES (1, 'WS-OLD001', 'digest', 'hazard', 'ru', 'not_sure', 'ppe', 'routine', 'model', '{}', 'new', 0, "
            ":false, :day, :day, :day, :description, :redacted, :contact, '[]')"),
            {"day": date(2026, 1, 2), "false": False, **legacy})
        connection.execute(text("INSERT INTO speaks_message (id, report_id, from_reporter, sent_on, body_encrypted, "
                                "read_by_reporter) VALUES (1, 1, :true, :day, :body, :false)"),
                           {"true": True, "false": False, "day": date(2026, 1, 2),
                            "body": crypto.legacy_encrypt_for_tests("Спасибо".encode())})
    engine.dispose()

    upgrade(url)

    from qorgau.speaks.models import Message, Report

    session = session_factory(url)()
    try:
        report = session.get(Report, 1)
        for column in ("description_encrypted", "redacted_encrypted", "contact_encrypted"):
            assert bytes(getattr(report, column))[:1] == crypto.MAGIC
        assert crypto.decrypt_text(report.description_encrypted) == "Нет касок"
        assert crypto.decrypt_text(report.contact_encrypted) == "@worker"
        assert crypto.decrypt_text(session.get(Message, 1).body_encrypted) == "Спасибо"
        assert audit.verify(session, checkpoints=[]).ok
        rekeyed = session.execute(select(AuditEntry).where(AuditEntry.action == "audit.rekeyed")).scalar_one()
        assert rekeyed.after == {"entries": 3, "old_head_hash": old_head, "old_chain_intact": True,
                                 "key_id": audit.audit_key_id("test-audit-key")}
    finally:
        session.close()
        engine_for(url).dispose()


@pytest.fixture
def file_keys(monkeypatch, tmp_path, demo_url):
    """Keys kept in the data folder (as a rotation needs), the data key being the one the demo was written with."""
    from qorgau.core.config import get_settings

    keys = tmp_path / "data" / "keys"
    keys.mkdir(parents=True)
    (keys / "data_key").write_text("test-data-key")
    monkeypatch.delenv("QORGAU_DATA_KEY")
    monkeypatch.setenv("QORGAU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    yield keys
    get_settings.cache_clear()


def _every_report_reads(url) -> int:
    from qorgau.core import crypto
    from qorgau.core.db import session_factory
    from qorgau.speaks.models import Attachment, Message, Report

    session = session_factory(url)()
    try:
        count = 0
        for report in session.execute(select(Report)).scalars():
            crypto.decrypt_text(report.description_encrypted)
            crypto.decrypt_text(report.redacted_encrypted)
            crypto.decrypt_text(report.contact_encrypted)
            count += 1
        for message in session.execute(select(Message)).scalars():
            crypto.decrypt_text(message.body_encrypted)
        for attachment in session.execute(select(Attachment)).scalars():
            crypto.decrypt_bytes(attachment.content_encrypted)
        return count
    finally:
        session.close()


def test_data_key_rotation_rewrites_the_demo_and_resumes_after_an_interruption(demo_url, file_keys):
    from qorgau.cli import app as cli_app
    from qorgau.core import crypto, keys
    from qorgau.core.db import engine_for

    engine = engine_for(demo_url)
    old_id = crypto.current_key_id()
    with engine.begin() as connection:  # one report still in the first format
        connection.execute(text("UPDATE speaks_report SET contact_encrypted = :token WHERE id = "
                                "(SELECT min(id) FROM speaks_report)"),
                           {"token": crypto.legacy_encrypt_for_tests(b"@legacy")})
        before = connection.execute(text("SELECT count(*) FROM speaks_report")).scalar_one()
    assert before > 10

    # Interrupted after two batches...
    keys.start_data_key_rotation()
    assert crypto.current_key_id() != old_id and (file_keys / "previous" / f"{old_id.hex()}.key").exists()
    calls = {"n": 0}

    def flaky_connect():
        calls["n"] += 1
        if calls["n"] > 2:
            raise ConnectionError("the database went away")
        return engine.connect()

    with pytest.raises(ConnectionError):
        keys.reencrypt(flaky_connect, batch_size=5)
    with engine.connect() as connection:
        assert keys.remaining(connection) > 0
    assert _every_report_reads(demo_url) == before  # old and new keys both read meanwhile

    # ... and finished by the command, which retires the old key.
    result = CliRunner().invoke(cli_app, ["keys", "rotate-data-key", "--batch-size", "7"])
    assert result.exit_code == 0, result.output
    with engine.connect() as connection:
        assert keys.remaining(connection) == 0
    assert not list((file_keys / "previous").glob("*.key"))
    assert (file_keys / "retired" / f"{old_id.hex()}.key").exists()
    assert _every_report_reads(demo_url) == before  # with the new key alone
    with engine.connect() as connection:
        tokens = [bytes(t) for (t,) in connection.execute(text("SELECT description_encrypted FROM speaks_report"))]
    assert {crypto.token_key_id(t) for t in tokens} == {crypto.current_key_id()}
    # Running it again changes nothing but the key: idempotent per row.
    again = CliRunner().invoke(cli_app, ["keys", "rotate-data-key"])
    assert again.exit_code == 0 and _every_report_reads(demo_url) == before


def test_session_secret_rotation_ends_sessions_but_receipts_still_work(monkeypatch, tmp_path):
    from qorgau.core import keys, security
    from qorgau.core.config import Settings
    from qorgau.core.models import User
    from qorgau.speaks import service

    settings = Settings(data_dir=tmp_path / "var2", secret_key="")
    monkeypatch.setattr("qorgau.speaks.service.get_settings", lambda: settings)
    receipt_before = service.receipt_digest("1234 5678 9012 3456")
    user = User(id=7, username="officer", session_epoch=0)
    cookie = security.SessionSigner(settings.resolved_secret_key(), 3600).dumps(user)

    keys.rotate_session_secret(settings)

    assert security.SessionSigner(settings.resolved_secret_key(), 3600).loads(cookie) is None
    assert service.receipt_digest("1234 5678 9012 3456") == receipt_before
