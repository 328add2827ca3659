"""The audit chain's keys: the current one and earlier ones by id, and the hash before the first entry."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from qorgau.core.config import get_settings

GENESIS = "0" * 64


@lru_cache(maxsize=8)
def audit_key_id(key: str) -> str:
    return hashlib.sha256(("qorgau-audit-key-id:" + key).encode()).hexdigest()[:12]


def audit_keys() -> dict[str, str]:
    """Audit keys by id: the current one and those of earlier periods (to verify their entries)."""
    settings = get_settings()
    keys = [settings.resolved_audit_key(), *settings.previous_audit_keys()]
    return {audit_key_id(k): k for k in keys}
