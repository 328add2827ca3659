"""Encryption at rest with a key the database never holds (QORGAU_DATA_KEY or <data dir>/keys)."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from qorgau.core.config import get_settings


@lru_cache(maxsize=4)
def _fernet(data_key: str) -> Fernet:
    digest = hashlib.sha256(("qorgau-at-rest:" + data_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _key() -> Fernet:
    return _fernet(get_settings().resolved_data_key())


def encrypt_text(text: str) -> bytes:
    return _key().encrypt(text.encode("utf-8"))


def decrypt_text(token: bytes | None) -> str:
    if not token:
        return ""
    try:
        return _key().decrypt(token).decode("utf-8")
    except InvalidToken as error:
        raise RuntimeError("cannot decrypt: the data key differs from the one the data was written with") from error


def encrypt_bytes(data: bytes) -> bytes:
    return _key().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _key().decrypt(token)
