"""The key bundle: the platform's keys, encrypted, kept apart from the backups.

Without the data key every Worker Speaks report in a backup is unreadable, so the keys are exported
once (and again after each rotation) into a bundle file encrypted with AES-256-GCM. Its key is either

- derived from a passphrase with scrypt (n=2^15, r=8, p=1), or
- random and split among custodians with Shamir's scheme as SLIP-39 word shares (`shamir-mnemonic`):
  any `threshold` of `count` custodians together can open the bundle; fewer learn nothing, and each
  share carries a checksum, so a mistyped word is reported instead of yielding a wrong key.

The bundle names what protects it but holds nothing that opens it.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT = "qorgau-key-bundle/1"
SCRYPT = {"n": 2**15, "r": 8, "p": 1}


class BundleError(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())


def _scrypt(passphrase: str, salt: bytes, params: dict) -> bytes:
    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(passphrase.encode())


def _seal(key: bytes, header: dict, keys: dict[str, str]) -> dict:
    nonce = os.urandom(12)
    aad = json.dumps(header, sort_keys=True).encode()
    sealed = AESGCM(key).encrypt(nonce, json.dumps({"keys": keys}).encode(), aad)
    return header | {"nonce": _b64(nonce), "ciphertext": _b64(sealed)}


def _open(key: bytes, bundle: dict) -> dict[str, str]:
    header = {k: v for k, v in bundle.items() if k not in ("nonce", "ciphertext")}
    aad = json.dumps(header, sort_keys=True).encode()
    try:
        plain = AESGCM(key).decrypt(_unb64(bundle["nonce"]), _unb64(bundle["ciphertext"]), aad)
    except InvalidTag:
        raise BundleError("the passphrase or shares do not open this key bundle") from None
    return dict(json.loads(plain)["keys"])


def _header(protection: dict) -> dict:
    return {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "protection": protection}


def seal_with_passphrase(keys: dict[str, str], passphrase: str) -> dict:
    if len(passphrase) < 12:
        raise BundleError("the passphrase must have at least 12 characters")
    salt = os.urandom(16)
    header = _header({"kind": "passphrase", "kdf": "scrypt", "salt": _b64(salt)} | SCRYPT)
    return _seal(_scrypt(passphrase, salt, SCRYPT), header, keys)


def seal_with_shares(keys: dict[str, str], *, threshold: int, count: int) -> tuple[dict, list[str]]:
    """The bundle and `count` word shares, one per custodian; any `threshold` of them open it."""
    from shamir_mnemonic import generate_mnemonics

    if not 2 <= threshold <= count <= 16:
        raise BundleError("shares: need 2 <= threshold <= count <= 16")
    secret = os.urandom(32)
    shares = generate_mnemonics(1, [(threshold, count)], secret)[0]
    header = _header({"kind": "shares", "scheme": "SLIP-39", "threshold": threshold, "count": count})
    return _seal(secret, header, keys), list(shares)


def open_bundle(bundle: dict, *, passphrase: str = "", shares: list[str] | None = None) -> dict[str, str]:
    if bundle.get("format") != FORMAT:
        raise BundleError("not a Qorgau key bundle")
    protection = bundle["protection"]
    if protection["kind"] == "passphrase":
        if not passphrase:
            raise BundleError("this bundle opens with a passphrase")
        return _open(_scrypt(passphrase, _unb64(protection["salt"]), protection), bundle)
    from shamir_mnemonic import MnemonicError, combine_mnemonics

    if not shares or len(shares) < protection["threshold"]:
        raise BundleError(f"this bundle needs {protection['threshold']} of its {protection['count']} shares")
    try:
        secret = combine_mnemonics([" ".join(share.split()) for share in shares])
    except MnemonicError as error:
        raise BundleError(f"the shares do not combine: {error}") from None
    return _open(secret, bundle)
