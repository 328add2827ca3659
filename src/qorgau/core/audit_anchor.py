"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint says: at this time the chain had `count` entries and ended with entry `head_id` whose
hash was `head_hash`. It is signed (HMAC under the audit key) and appended to a file that should live
on another host or medium (QORGAU_AUDIT_CHECKPOINT_PATH), and optionally POSTed to a webhook.
`audit.verify` then finds a chain shorter than a checkpoint (tail deleted) or a different head
(chain rewritten). Checkpoints are written after commits that extend the chain (at most one per
QORGAU_AUDIT_CHECKPOINT_SECONDS per process) and by `qorgau audit checkpoint` from a scheduler.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.request

from sqlalchemy import Connection, event, func, select
from sqlalchemy.orm import Session

from qorgau.core.audit_keys import GENESIS, audit_key_id, audit_keys
from qorgau.core.config import get_settings
from qorgau.core.models import AuditEntry
from qorgau.core.tables import utcnow

log = logging.getLogger("qorgau.audit")
_lock = threading.Lock()
_last_written = {"at": 0.0}


def _signing_key(key: str) -> bytes:
    return hashlib.sha256(("qorgau-audit-checkpoint:" + key).encode()).digest()


def _canonical(body: dict) -> bytes:
    return json.dumps({k: body[k] for k in ("count", "head_id", "head_hash", "at", "key_id")},
                      sort_keys=True, separators=(",", ":")).encode()


def sign(body: dict, key: str) -> str:
    return hmac.new(_signing_key(key), _canonical(body), hashlib.sha256).hexdigest()


def make_checkpoint(connection: Connection | Session) -> dict:
    count = connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    head = connection.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    key = get_settings().resolved_audit_key()
    body = {"count": count, "head_id": head[0] if head else 0, "head_hash": head[1] if head else GENESIS,
            "at": utcnow().isoformat(timespec="seconds"), "key_id": audit_key_id(key)}
    body["signature"] = sign(body, key)
    return body


def write_checkpoint(connection: Connection | Session) -> dict:
    """Make a checkpoint of the chain as committed and send it to the sinks."""
    settings = get_settings()
    body = make_checkpoint(connection)
    path = settings.audit_checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as sink:
        sink.write(json.dumps(body, sort_keys=True) + "\n")
    _last_written["at"] = time.monotonic()
    if settings.audit_checkpoint_webhook:
        try:
            request = urllib.request.Request(settings.audit_checkpoint_webhook, method="POST",
                                             data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=5).close()
        except Exception as error:  # noqa: BLE001 - the file sink has it; the webhook is best effort
            log.warning("audit checkpoint webhook failed: %s", error)
    return body


def read_checkpoints() -> list[dict]:
    path = get_settings().audit_checkpoint_file()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check(anchor: dict, *, checked: int, heads: dict[int, str]) -> str:
    """Why the chain contradicts one checkpoint ('' when it agrees)."""
    key = audit_keys().get(str(anchor.get("key_id", "")))
    try:
        valid = key is not None and hmac.compare_digest(sign(anchor, key), str(anchor.get("signature", "")))
    except KeyError:
        valid = False
    if not valid:
        return "a checkpoint's signature does not match (altered or forged checkpoint)"
    if checked < int(anchor["count"]):
        return (f"the chain has {checked} entries, fewer than the {anchor['count']} of the checkpoint "
                f"of {anchor['at']}: entries were deleted")
    if int(anchor["head_id"]) and int(anchor["head_id"]) not in heads:
        return f"the entry the checkpoint of {anchor['at']} ends with is missing"
    if int(anchor["head_id"]) and heads[int(anchor["head_id"])] != anchor["head_hash"]:
        return f"the chain differs from the checkpoint of {anchor['at']}: it was rewritten"
    return ""


@event.listens_for(Session, "after_commit")
def _checkpoint_after_commit(session: Session) -> None:
    if not session.info.pop("audit_appended", False):
        return
    interval = get_settings().audit_checkpoint_seconds
    if interval < 0 or time.monotonic() - _last_written["at"] < interval:
        return
    try:
        with session.get_bind().engine.connect() as connection:
            write_checkpoint(connection)
    except Exception as error:  # noqa: BLE001 - never fail a committed request over its checkpoint
        log.warning("audit checkpoint failed: %s", error)
