"""Whoever holds the database, the data folder and the logs cannot place a report or a worker's reply
closer than its day.

Reports and replies are filed at known instants (the platform's clock is frozen there) between union
officers' actions, which are legitimately timed. Then every table and column is dumped (and, on
PostgreSQL, `pg_dump`; on SQLite, the raw file) and searched for every time on that day: ISO text,
datetime values, epoch seconds and milliseconds in text, 8-byte big-endian epochs inside binary values
(Fernet's header), and legacy tokens. The only times of that day allowed are the officers' instants and
midnight. The audit chain must not place the anonymous entries among the day's timed ones, and the
data folder and the logs must not change while the worker is served.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shutil
import struct
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import LargeBinary, MetaData, select

from tests.availability import free_port

DAY = date(2026, 3, 14)
START = datetime(2026, 3, 14, tzinfo=UTC)
FILED_AT = datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
SECOND_FILED_AT = datetime(2026, 3, 14, 12, 3, 41, 271828, tzinfo=UTC)
REPLIED_AT = datetime(2026, 3, 14, 14, 41, 7, 123456, tzinfo=UTC)
OFFICER_AT = [datetime(2026, 3, 14, 8, 0, tzinfo=UTC), datetime(2026, 3, 14, 11, 0, tzinfo=UTC),
              datetime(2026, 3, 14, 16, 0, tzinfo=UTC)]
NEXT_DAY_AT = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
IMMINENT = "Прямо сейчас утечка газа в цехе обжига, люди задыхаются! Нет вентиляции."


class Clock:
    """Freezes qorgau's clock (`qorgau.core.db.utcnow` and every column default using it)."""

    def __init__(self, monkeypatch):
        import qorgau.core.tables as db  # where utcnow reads the clock

        clock = self

        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return clock.at if tz is None else clock.at.astimezone(tz)

        self.at = START
        monkeypatch.setattr(db, "datetime", Frozen)

    def set(self, at: datetime) -> None:
        self.at = at


def _files(*folders) -> dict[str, float]:
    seen = {}
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            for name in names:
                path = os.path.join(root, name)
                seen[path] = os.stat(path).st_mtime_ns
    return seen


def _officer_does(url: str, clock: Clock, at: datetime, action) -> None:
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User

    clock.set(at)
    with unit_of_work(url, actor="user:officer") as session:
        officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
        action(session, officer)


def _dump(session) -> tuple[list[str], list[bytes]]:
    """Every value of every column of every table: text forms and binary values."""
    metadata = MetaData()
    metadata.reflect(bind=session.get_bind())
    texts, blobs = [], []
    for table in metadata.sorted_tables:
        for row in session.execute(select(table)):
            for column, value in zip(table.columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(value, bytes | memoryview) or isinstance(column.type, LargeBinary):
                    blobs.append(bytes(value))
                    texts.append(base64.urlsafe_b64encode(bytes(value)).decode())
                elif isinstance(value, dict | list):
                    texts.append(json.dumps(value, ensure_ascii=False, default=str))
                else:
                    texts.append(f"{table.name}.{column.name}={value}")
    return texts, blobs


ISO = re.compile(r"2026-03-14[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?")
EPOCH = re.compile(r"(?<!\d)(\d{10}|\d{13}|\d{16})(?!\d)")
HEX = frozenset("0123456789abcdefABCDEF")


def _allowed(moment: datetime) -> bool:
    return moment == START or any(moment == at for at in OFFICER_AT)


def _times_in_text(text: str) -> list[datetime]:
    found = []
    for match in ISO.finditer(text):
        hour, minute, second, fraction = match.groups()
        micro = int((fraction or "0").ljust(6, "0"))
        found.append(datetime(2026, 3, 14, int(hour), int(minute), int(second or 0), micro, tzinfo=UTC))
    low, high = START.timestamp(), (START + timedelta(days=1)).timestamp()
    for match in EPOCH.finditer(text):
        if _inside_digest(text, match.start(), match.end()):
            continue
        digits = match.group(1)
        value = int(digits) / {10: 1, 13: 1e3, 16: 1e6}[len(digits)]
        if low <= value < high:
            found.append(datetime.fromtimestamp(value, UTC))
    return found


def _inside_digest(text: str, start: int, end: int) -> bool:
    """Digits inside a long hexadecimal token (a hash, a key id, a random id) are part of that token: ten
    decimal digits in a row occur by chance in the many digests a database holds, and are not a time."""
    while start > 0 and text[start - 1] in HEX:
        start -= 1
    while end < len(text) and text[end] in HEX:
        end += 1
    token = text[start:end]
    return len(token) >= 32 and any(c in "abcdefABCDEF" for c in token)


def _times_in_binary(blob: bytes) -> list[datetime]:
    low, high = int(START.timestamp()), int((START + timedelta(days=1)).timestamp())
    found = []
    for offset in range(len(blob) - 7):
        (value,) = struct.unpack_from(">Q", blob, offset)
        if low <= value < high:
            found.append(datetime.fromtimestamp(value, UTC))
    return found


def _raw_database_text(url: str, tmp_path) -> str:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        raw = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if os.path.exists(p))
        return raw.decode("latin-1")
    if shutil.which("pg_dump") is None:
        return ""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    out = subprocess.run(["pg_dump", "--no-owner", "--inserts", plain], capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture
def worker_client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, client=("198.51.100.23", 40000)) as client:
        yield client


def _submit_form(client, description: str, enterprise_id: int) -> str:
    form = client.get("/speak/")
    assert form.status_code == 200
    token = client.cookies.get("qorgau_csrf")
    filed = client.post("/speak/new", data={"csrf_token": token, "enterprise_id": str(enterprise_id), "kind": "hazard",
                                            "category": "not_sure", "description": description,
                                            "contact": "telegram @night_shift"})
    assert filed.status_code == 200, filed.text[:400]
    return filed.text.split('class="receipt"')[1].split(">")[1].split("<")[0].strip()


def test_no_stored_byte_places_a_report_closer_than_its_day(app, demo_url, session, monkeypatch, caplog,
                                                           worker_client, tmp_path):
    from qorgau.core import audit, crypto, delivery
    from qorgau.core.config import get_settings
    from qorgau.core.models import AuditEntry, AuditHeld, Delivery, Notification, User
    from qorgau.registry.models import Enterprise
    from qorgau.speaks import service
    from qorgau.speaks.models import Message, Report

    # The officer works in the primary union of the enterprise the worker reports on.
    officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
    chosen = session.execute(select(Enterprise).where(Enterprise.primary_union_id.is_not(None))
                             .order_by(Enterprise.id).limit(1)).scalar_one()
    enterprise = chosen.id
    officer.scope_kind, officer.scope_union_id = "union", chosen.primary_union_id
    officer.email = "officer@example.kz"
    session.commit()
    # E-mail is configured, and its server is down: the deliveries the worker causes wait in the outbox.
    monkeypatch.setenv("QORGAU_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    clock = Clock(monkeypatch)
    get_settings().resolved_receipt_pepper()  # made once at install, not by the worker's request
    folders = [app.state.settings.data_dir, get_settings().data_dir]
    caplog.set_level(logging.DEBUG)

    _officer_does(demo_url, clock, OFFICER_AT[0], lambda s, o: audit.record(
        s, action="test.shift_start", object_type="core_user", object_id=o.id))

    before = _files(*folders)
    caplog.clear()
    clock.set(FILED_AT)
    receipt = _submit_form(worker_client, IMMINENT, enterprise)
    clock.set(SECOND_FILED_AT)
    _submit_form(worker_client, "Лестница в цехе сломана, перила шатаются.", enterprise)
    worker_logs = [r for r in caplog.records if r.name.startswith(("qorgau", "uvicorn"))]

    def officer_replies(s, officer):
        report_id = service.find_by_receipt(session=s, receipt=receipt).id
        service.reply(session=s, actor=officer, report_id=report_id, body="Выезжаем, спасибо.")

    _officer_does(demo_url, clock, OFFICER_AT[1], officer_replies)

    caplog.clear()
    clock.set(REPLIED_AT)
    token = worker_client.cookies.get("qorgau_csrf")
    replied = worker_client.post("/speak/follow/reply", data={"csrf_token": token, "receipt": receipt,
                                                              "body": "Газ снова чувствуется у печи 3."})
    assert replied.status_code == 200, replied.text[:400]
    worker_logs += [r for r in caplog.records if r.name.startswith(("qorgau", "uvicorn"))]
    after = _files(*folders)

    _officer_does(demo_url, clock, OFFICER_AT[2], lambda s, o: audit.record(
        s, action="test.shift_end", object_type="core_user", object_id=o.id))
    delivery.send_due(demo_url)  # the periodic job's run at the officer's instant: the server is still down
    _officer_does(demo_url, clock, NEXT_DAY_AT, lambda s, o: audit.record(
        s, action="test.next_day", object_type="core_user", object_id=o.id))

    # The data folder and the logs: nothing written while the worker was served.
    assert after == before, "the worker's requests changed the data folder"
    assert not worker_logs, [r.getMessage() for r in worker_logs]

    # Every table, every column: no time of that day but the officers' and midnight.
    session.expire_all()
    texts, blobs = _dump(session)
    leaks = [(t, text[:160]) for text in texts for t in _times_in_text(text) if not _allowed(t)]
    assert not leaks, leaks[:5]
    assert not any(text.startswith("gAAAAA") or "Z0FBQUFB" in text for text in texts), "a Fernet token is stored"
    binary = [(t, len(b)) for b in blobs for t in _times_in_binary(b) if not _allowed(t)]
    assert not binary, binary[:5]
    # ... and the database's own file or dump.
    raw = _raw_database_text(demo_url, tmp_path)
    raw_leaks = [t for t in _times_in_text(raw) if not _allowed(t)]
    assert not raw_leaks, raw_leaks[:5]
    # A time of day stored without its date (in UTC or Almaty time). A time that follows another day's date is
    # another row's legitimate timestamp (the demo's sensor data spans the days before the run), not a trace.
    everything = "\n".join(texts) + "\n" + raw
    for moment in (FILED_AT, SECOND_FILED_AT, REPLIED_AT):
        for form in (moment.strftime("%H:%M:%S"), (moment + timedelta(hours=5)).strftime("%H:%M:%S")):
            bare = re.compile(r"(?<!\d{4}-\d{2}-\d{2}[T ])" + re.escape(form))
            assert not bare.search(everything), form

    # Ids: the reports, the worker's message and the notifications they caused are random, not in sequence.
    reports = session.execute(select(Report).order_by(Report.reference)).scalars().all()
    filed = [r for r in reports if r.received_on == DAY]
    assert len(filed) == 2 and abs(filed[0].id - filed[1].id) > 1000
    worker_message = session.execute(select(Message).where(Message.from_reporter.is_(True),
                                                           Message.report_id.in_([r.id for r in filed]))).scalar_one()
    caused = session.execute(select(Notification).where(Notification.kind.in_(("speaks.imminent", "speaks.reply"))
                                                        & Notification.link.in_([f"/speaks/reports/{r.id}" for r in filed]))
                             ).scalars().all()
    assert {n.kind for n in caused} == {"speaks.imminent", "speaks.reply"}
    assert all(n.created_at == START and n.dated_to_day for n in caused)
    waiting = session.execute(select(Delivery).where(Delivery.notification_id.in_([n.id for n in caused]))
                              ).scalars().all()
    assert waiting and all(d.coarse and d.created_at == START and d.due_at is None and d.sent_at is None
                           and d.attempts == 1 and d.last_error for d in waiting)
    assert min([r.id for r in filed] + [worker_message.id] + [n.id for n in caused]) >= 1 << 20

    # The audit chain: the anonymous entries came in after the day's last timed entry, dated midnight.
    assert not session.execute(select(AuditHeld)).scalars().all(), "released on the next day's first write"
    entries = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    anonymous = [e for e in entries if e.actor == "anonymous"]
    assert {e.object_type for e in anonymous} >= {"speaks_report", "speaks_message", "core_notification"}
    assert all(e.at == START for e in anonymous)
    last_timed_that_day = max(e.id for e in entries if e.at.date() == DAY and e.at != START)
    assert min(e.id for e in anonymous) > last_timed_that_day
    assert audit.verify(session, checkpoints=[]).ok

    # Everything still reads.
    assert crypto.decrypt_text(worker_message.body_encrypted) == "Газ снова чувствуется у печи 3."
