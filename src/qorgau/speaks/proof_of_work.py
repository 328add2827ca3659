"""The follow-up form's challenge for a receipt prefix under attack (pure: no session).

A challenge is a signed token naming the four-digit prefix it is for, a difficulty and a wait. A
browser with JavaScript finds a `proof` such that SHA-256("<token>:<proof>") starts with `bits` zero
bits (about 2^bits hashes: a second or two on a phone); a browser without JavaScript simply sends the
form again after the wait. Either way the server checks the challenge before it spends an Argon2
hash on the guess, so guesses without a valid answer cost it nothing. Each challenge works once.
A worker who got in receives a pass for their prefix (half an hour) so that replying asks nothing more.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

MAX_AGE = 600
_used: dict[str, float] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int
    wait_seconds: int


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="qorgau-receipt-challenge")


def issue(secret: str, *, prefix: str, bits: int, wait_seconds: int) -> Challenge:
    token = _serializer(secret).dumps({"p": prefix, "n": secrets.token_hex(8), "b": bits, "w": wait_seconds})
    return Challenge(token, bits, wait_seconds)


def issue_pass(secret: str, *, prefix: str) -> str:
    """For the reply form of a worker who just opened their report."""
    return _serializer(secret).dumps({"p": prefix, "pass": True})


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(token: str, bits: int) -> str:
    """What the browser's script does (used by tests and API clients)."""
    counter = 0
    while leading_zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) < bits:
        counter += 1
    return str(counter)


def accept(secret: str, *, token: str, proof: str, prefix: str, now: float | None = None) -> bool:
    """True once for a challenge of this prefix that is solved, or whose wait is over."""
    try:
        data, issued = _serializer(secret).loads(token, max_age=MAX_AGE, return_timestamp=True)
    except (BadSignature, SignatureExpired):
        return False
    if not isinstance(data, dict) or data.get("p") != prefix:
        return False
    if data.get("pass"):
        return True
    now = time.time() if now is None else now
    solved = bool(proof) and len(proof) <= 20 and \
        leading_zero_bits(hashlib.sha256(f"{token}:{proof}".encode()).digest()) >= int(data.get("b", 0))
    waited = now - issued.timestamp() >= int(data.get("w", 0))
    if not (solved or waited):
        return False
    with _lock:
        for nonce, expires in list(_used.items()):
            if expires < now:
                del _used[nonce]
        if data["n"] in _used:
            return False
        _used[data["n"]] = now + MAX_AGE
    return True
