"""The audit log: every write, with actor, action, object, time, before and after, keyed and chained.

Writes are captured automatically from the ORM flush (no service can forget), and services add
business events (e.g. "revealed a reporter's contact, reason ...") with `record`. Entries are
written at commit time inside the same transaction, so a rolled-back change leaves no entry.

Each entry's hash is an HMAC-SHA256, under an audit key kept outside the database, of its content and
the previous entry's hash: whoever can write the database but not read the key cannot recompute the
chain. Signed checkpoints (count, head id, head hash, time) are written outside the database
(`qorgau.core.audit_anchor`), so deleting the tail is detected too.

Actions of anonymous reporters are not timed: their entries wait in `core_audit_held` (random id, the
day only) and join the chain, in random order and dated to their day, once that day is over.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, delete, event, insert, inspect, select, text
from sqlalchemy.orm import Session

from qorgau.core import audit_anchor  # also registers the checkpoint writer
from qorgau.core.audit_keys import GENESIS, audit_key_id, audit_keys  # noqa: F401  (read as audit.*)
from qorgau.core.config import get_settings
from qorgau.core.models import AuditEntry, AuditHeld, random_id
from qorgau.core.tables import Base, utcnow

_PENDING = "audit_pending"
_SECRET_MARKERS = ("hash", "secret", "cipher", "encrypted", "password", "digest")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _is_secret(obj: Any, key: str) -> bool:
    return key in getattr(obj, "__audit_exclude__", ()) or any(m in key for m in _SECRET_MARKERS)


def _snapshot(obj: Any, *, before: bool) -> dict[str, Any]:
    state = inspect(obj)
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if _is_secret(obj, key):
            values[key] = "<hidden>"
            continue
        history = state.attrs[key].history
        if before and history.deleted:
            values[key] = _plain(history.deleted[0])
        elif before and history.added and not history.unchanged:
            continue
        else:
            values[key] = _plain(getattr(obj, key, None))
    return values


def _changed_keys(obj: Any) -> list[str]:
    state = inspect(obj)
    return [a.key for a in state.mapper.column_attrs if state.attrs[a.key].history.has_changes()]


def _object_id(obj: Any) -> str:
    state = inspect(obj)
    # A row inserted in this flush has no identity key until the flush is finalised (after this listener),
    # but its primary key is already set: read it, so a "create" entry names its row.
    identity = state.identity or tuple(state.mapper.primary_key_from_instance(obj))
    if all(part is None for part in identity):
        return ""
    return "/".join(str(part) for part in identity)


@dataclass
class _Pending:
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict | None
    after: dict | None
    reason: str = ""
    coarse_time: bool = False  # anonymous reporters' actions are dated to the day, never timed

    def as_dict(self) -> dict:
        return {"actor": self.actor, "action": self.action, "object_type": self.object_type,
                "object_id": self.object_id, "before": self.before, "after": self.after, "reason": self.reason}


def record(session: Session, *, action: str, object_type: str, object_id: Any = "",
           before: dict | None = None, after: dict | None = None, reason: str = "",
           actor: str | None = None, anonymous_channel: bool = False) -> None:
    """Add a business event to this unit of work's audit trail (held to its day for the anonymous channel)."""
    session.info.setdefault(_PENDING, []).append(_Pending(
        actor or session.info.get("actor", "system"), action, object_type, str(object_id), before, after,
        reason, coarse_time=anonymous_channel))


@event.listens_for(Session, "before_flush")
def _capture_before(session: Session, _ctx, _instances) -> None:
    captured = session.info.setdefault("audit_before", {})
    for obj in session.dirty:
        if isinstance(obj, Base) and obj.__audited__ and session.is_modified(obj, include_collections=False):
            captured[id(obj)] = (_snapshot(obj, before=True), _changed_keys(obj))
    for obj in session.deleted:
        if isinstance(obj, Base) and obj.__audited__:
            captured[id(obj)] = (_snapshot(obj, before=True), [])


@event.listens_for(Session, "after_flush")
def _capture_after(session: Session, _ctx) -> None:
    actor = session.info.get("actor", "system")
    captured = session.info.pop("audit_before", {})
    pending = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if isinstance(obj, Base) and obj.__audited__:
            pending.append(_Pending(actor, "create", obj.__tablename__, _object_id(obj), None,
                                    _snapshot(obj, before=False), coarse_time=_coarse(obj, actor)))
    for obj in session.dirty:
        if id(obj) in captured:
            before, keys = captured[id(obj)]
            after = _snapshot(obj, before=False)
            pending.append(_Pending(actor, "update", obj.__tablename__, _object_id(obj),
                                    {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys},
                                    coarse_time=_coarse(obj, actor)))
    for obj in session.deleted:
        if id(obj) in captured:
            pending.append(_Pending(actor, "delete", obj.__tablename__, _object_id(obj),
                                    captured[id(obj)][0], None, coarse_time=_coarse(obj, actor)))


def _coarse(obj: Any, actor: str) -> bool:
    """Writes of the anonymous channel (reports, messages, the notifications they cause) wait for their day."""
    return actor == "anonymous" and getattr(obj, "__audit_coarse_time__", False)


def _payload(prev_hash: str, at: str, actor: str, action: str, object_type: str, object_id: str,
             before: Any, after: Any, reason: str) -> bytes:
    return json.dumps([prev_hash, at, actor, action, object_type, object_id, before, after, reason],
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def entry_hash(prev_hash: str, at: str, actor: str, action: str, object_type: str, object_id: str,
               before: Any, after: Any, reason: str, *, key: str | None = None) -> str:
    """HMAC-SHA256 of the entry under the audit key (the current one unless given)."""
    key = key if key is not None else get_settings().resolved_audit_key()
    payload = _payload(prev_hash, at, actor, action, object_type, object_id, before, after, reason)
    return hmac.new(_mac_key(key), payload, hashlib.sha256).hexdigest()


def legacy_entry_hash(*fields: Any) -> str:
    """The unkeyed SHA-256 of the first format (only to re-key chains written before keys existed)."""
    return hashlib.sha256(_payload(*fields)).hexdigest()


@lru_cache(maxsize=8)
def _mac_key(key: str) -> bytes:
    return hashlib.sha256(("qorgau-audit-entry:" + key).encode()).digest()


def _last_hash(session: Session) -> str:
    last = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    return last or GENESIS


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    session.flush()
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return
    today = utcnow().date()
    timed = [item for item in pending if not item.coarse_time]
    for item in pending:
        if item.coarse_time:
            session.execute(insert(AuditHeld), [{"id": random_id(session, AuditHeld), "day": today,
                                                 "entry": item.as_dict()}])
    if timed:
        _append(session, _release_rows(session, before=today) + [(utcnow(), item.as_dict()) for item in timed])
        session.info["audit_appended"] = True


def _release_rows(session: Session, *, before: dt.date) -> list[tuple[dt.datetime, dict]]:
    """Held entries of days that are over, in random (id) order, dated to their day; removed from the hold."""
    held = session.execute(select(AuditHeld).where(AuditHeld.day < before)
                           .order_by(AuditHeld.day, AuditHeld.id)).scalars().all()
    if not held:
        return []
    session.execute(delete(AuditHeld).where(AuditHeld.id.in_([h.id for h in held])))
    return [(dt.datetime.combine(h.day, dt.time(), tzinfo=dt.UTC), h.entry) for h in held]


def release_held(session: Session, *, today: dt.date | None = None) -> int:
    """Append the held anonymous entries of past days to the chain (the daily job; commits also do it)."""
    rows = _release_rows(session, before=today or utcnow().date())
    if rows:
        _append(session, rows)
        session.info["audit_appended"] = True
    return len(rows)


def _append(session: Session, rows: list[tuple[dt.datetime, dict]]) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appends so the chain has one tail even with many writers.
        session.execute(text("SELECT pg_advisory_xact_lock(7243001)"))
    key = get_settings().resolved_audit_key()
    key_id = audit_key_id(key)
    prev = _last_hash(session)
    values = []
    for at, item in rows:
        digest = entry_hash(prev, at.isoformat(), item["actor"], item["action"], item["object_type"],
                            item["object_id"], item["before"], item["after"], item["reason"], key=key)
        values.append({**item, "at": at, "prev_hash": prev, "hash": digest, "key_id": key_id})
        prev = digest
    session.execute(insert(AuditEntry), values)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop("audit_before", None)


@dataclass
class VerifyResult:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify(session: Session, *, checkpoints: list[dict] | None = None) -> VerifyResult:
    """Walk the chain from the start; report the first entry whose link or keyed hash does not match.

    With the checkpoints written outside the database (default: read from the configured sink), also
    report a chain shorter than a checkpoint or a head that differs from it (truncation, re-hash).
    """
    keys = audit_keys()
    prev = GENESIS
    checked = 0
    heads: dict[int, str] = {}
    anchors = audit_anchor.read_checkpoints() if checkpoints is None else checkpoints
    wanted = {int(c["head_id"]) for c in anchors}
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)
    for entry in session.execute(query).scalars():
        if entry.prev_hash != prev:
            return VerifyResult(checked, entry.id, "link to the previous entry is broken")
        key = keys.get(entry.key_id)
        if key is None:
            return VerifyResult(checked, entry.id, "entry is not keyed with a known audit key")
        expected = entry_hash(prev, entry.at.astimezone(dt.UTC).isoformat(), entry.actor, entry.action,
                              entry.object_type, entry.object_id, entry.before, entry.after, entry.reason, key=key)
        if not hmac.compare_digest(expected, entry.hash):
            return VerifyResult(checked, entry.id, "content does not match its keyed hash")
        prev = entry.hash
        checked += 1
        if entry.id in wanted:
            heads[entry.id] = entry.hash
    for anchor in anchors:
        problem = audit_anchor.check(anchor, checked=checked, heads=heads)
        if problem:
            return VerifyResult(checked, int(anchor["head_id"]), problem)
    return VerifyResult(checked)


def history(session: Session, *, object_type: str, object_id: Any, limit: int = 50) -> list[AuditEntry]:
    """The latest audit entries of one object, newest first."""
    query = (select(AuditEntry).where(AuditEntry.object_type == object_type,
                                      AuditEntry.object_id == str(object_id))
             .order_by(AuditEntry.id.desc()).limit(limit))
    return list(session.execute(query).scalars())



def entries_query(*, object_type: str = "") -> Select:
    """The audit log, newest first, optionally of one kind of object (the caller checked `audit.read`)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    return query.where(AuditEntry.object_type == object_type) if object_type else query

