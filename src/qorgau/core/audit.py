"""The audit log: every write, with actor, action, object, time, before and after, hash-chained.

Writes are captured automatically from the ORM flush (no service can forget), and services add
business events (e.g. "revealed a reporter's contact, reason ...") with `record`. Entries are
written at commit time inside the same transaction, so a rolled-back change leaves no entry.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import Session

from qorgau.core.db import Base, utcnow
from qorgau.core.models import AuditEntry

GENESIS = "0" * 64
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
    identity = inspect(obj).identity
    return "" if identity is None else "/".join(str(part) for part in identity)


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


def record(session: Session, *, action: str, object_type: str, object_id: Any = "",
           before: dict | None = None, after: dict | None = None, reason: str = "",
           actor: str | None = None) -> None:
    """Add a business event to this unit of work's audit trail."""
    session.info.setdefault(_PENDING, []).append(_Pending(
        actor or session.info.get("actor", "system"), action, object_type, str(object_id),
        before, after, reason))


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
                                    captured[id(obj)][0], None))


def _coarse(obj: Any, actor: str) -> bool:
    return actor == "anonymous" and getattr(obj, "__audit_coarse_time__", False)


def entry_hash(prev_hash: str, at: str, actor: str, action: str, object_type: str, object_id: str,
               before: Any, after: Any, reason: str) -> str:
    payload = json.dumps([prev_hash, at, actor, action, object_type, object_id, before, after, reason],
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _last_hash(session: Session) -> str:
    last = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    return last or GENESIS


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    session.flush()
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # Serialise appends so the chain has one tail even with many writers.
        session.execute(text("SELECT pg_advisory_xact_lock(7243001)"))
    prev = _last_hash(session)
    rows = []
    for item in pending:
        at = utcnow()
        if item.coarse_time:
            at = at.replace(hour=0, minute=0, second=0, microsecond=0)
        stamp = at.isoformat()
        digest = entry_hash(prev, stamp, item.actor, item.action, item.object_type, item.object_id,
                            item.before, item.after, item.reason)
        rows.append({"at": at, "actor": item.actor, "action": item.action, "object_type": item.object_type,
                     "object_id": item.object_id, "before": item.before, "after": item.after,
                     "reason": item.reason, "prev_hash": prev, "hash": digest})
        prev = digest
    session.execute(insert(AuditEntry), rows)


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


def verify(session: Session) -> VerifyResult:
    """Walk the chain from the start; report the first entry whose link or content does not match."""
    prev = GENESIS
    checked = 0
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)
    for entry in session.execute(query).scalars():
        if entry.prev_hash != prev:
            return VerifyResult(checked, entry.id, "link to the previous entry is broken")
        expected = entry_hash(prev, entry.at.astimezone(dt.UTC).isoformat(), entry.actor, entry.action, entry.object_type,
                              entry.object_id, entry.before, entry.after, entry.reason)
        if expected != entry.hash:
            return VerifyResult(checked, entry.id, "content does not match its hash")
        prev = entry.hash
        checked += 1
    return VerifyResult(checked)


def history(session: Session, *, object_type: str, object_id: Any, limit: int = 50) -> list[AuditEntry]:
    """The latest audit entries of one object, newest first."""
    query = (select(AuditEntry).where(AuditEntry.object_type == object_type,
                                      AuditEntry.object_id == str(object_id))
             .order_by(AuditEntry.id.desc()).limit(limit))
    return list(session.execute(query).scalars())
