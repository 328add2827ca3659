"""Encryption at rest with a key the database never holds (QORGAU_DATA_KEY or <data dir>/keys).

Ciphertexts are AES-256-GCM with a random 96-bit nonce and a five-byte header: the format version
and the id of the key that wrote them (so keys can rotate). Nothing else is stored beside them: no
time, no counter. Tokens written by the platform's first format (Fernet, which carries its creation
time in clear) are still read, only so that the migration and `qorgau keys rotate-data-key` can
rewrite them.

    header = b"\\xa7" version(1) key_id(4)   |   nonce(12)   |   ciphertext + tag(16)
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from qorgau.core.config import get_settings

MAGIC = b"\xa7"
VERSION = 1
HEADER_LEN = 6
NONCE_LEN = 12
_LEGACY_PREFIX = b"gAAAAA"  # base64 of Fernet's version byte 0x80 and the start of its timestamp


class DecryptionFailed(RuntimeError):
    pass


def key_id(data_key: str) -> bytes:
    """A public, stable four-byte name for a data key (not enough to guess it)."""
    return hashlib.sha256(("qorgau-key-id:" + data_key).encode()).digest()[:4]


@lru_cache(maxsize=16)
def _aead(data_key: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"qorgau", info=b"data at rest, AES-256-GCM v1")
    return AESGCM(key.derive(data_key.encode()))


@lru_cache(maxsize=16)
def _fernet(data_key: str) -> Fernet:
    digest = hashlib.sha256(("qorgau-at-rest:" + data_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> tuple[str, list[str]]:
    """The current data key and the previous ones still readable while a rotation runs."""
    settings = get_settings()
    return settings.resolved_data_key(), settings.previous_data_keys()


def current_key_id() -> bytes:
    return key_id(_keys()[0])


def encrypt_bytes(data: bytes, *, data_key: str | None = None) -> bytes:
    key = data_key or _keys()[0]
    header = MAGIC + bytes([VERSION]) + key_id(key)
    nonce = os.urandom(NONCE_LEN)
    return header + nonce + _aead(key).encrypt(nonce, data, header)


def encrypt_text(text: str) -> bytes:
    return encrypt_bytes(text.encode("utf-8"))


def token_key_id(token: bytes) -> bytes | None:
    """The id of the key a ciphertext was written with; None for the legacy (Fernet) format."""
    token = bytes(token)
    if token[:1] == MAGIC and len(token) > HEADER_LEN:
        return token[2:HEADER_LEN]
    return None


def needs_rewrite(token: bytes | None, current: bytes) -> bool:
    """True for legacy tokens and tokens of another key: what a re-encryption pass rewrites."""
    return token is not None and len(token) > 0 and token_key_id(bytes(token)) != current


def decrypt_bytes(token: bytes) -> bytes:
    token = bytes(token)
    current, previous = _keys()
    candidates = [current, *previous]
    if token[:1] == MAGIC:
        if token[1] != VERSION:
            raise DecryptionFailed(f"unknown ciphertext version {token[1]}")
        wanted = token[2:HEADER_LEN]
        for key in candidates:
            if key_id(key) == wanted:
                try:
                    return _aead(key).decrypt(token[HEADER_LEN:HEADER_LEN + NONCE_LEN],
                                              token[HEADER_LEN + NONCE_LEN:], token[:HEADER_LEN])
                except InvalidTag as error:
                    raise DecryptionFailed("cannot decrypt: the ciphertext was altered") from error
        raise DecryptionFailed("cannot decrypt: the data key that wrote this is not configured "
                               "(QORGAU_DATA_KEY or <data dir>/keys)")
    if token.startswith(_LEGACY_PREFIX):
        for key in candidates:
            try:
                return _fernet(key).decrypt(token)
            except InvalidToken:
                continue
    raise DecryptionFailed("cannot decrypt: the data key differs from the one the data was written with")


def decrypt_text(token: bytes | None) -> str:
    if not token:
        return ""
    return decrypt_bytes(token).decode("utf-8")


def legacy_encrypt_for_tests(data: bytes) -> bytes:
    """The former format (Fernet, with its clear timestamp), to test that migrations remove it."""
    return _fernet(_keys()[0]).encrypt(data)
