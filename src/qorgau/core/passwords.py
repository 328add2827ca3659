"""Password policy, and the Argon2 parameters of keyed digests (receipt codes).

Password policy: at least 12 characters, not a common password nor one dressed up with digits.

The common-password list (20,000 entries, see core/data/README.md) is checked on the password as
typed (lower-cased), on its letters once leading and trailing digits and symbols are stripped
("Password2026!" is "password"), and a password that only repeats a short pattern is refused too.

Keyed digests: `keyed_digest` is Argon2id with the production parameters (64 MiB, 3 passes), stored as 64 hex
digits, unless the caller is inside `demo_hashing()`: the synthetic demo then uses light parameters (1 MiB,
one pass) and records them in the stored value (`a$t=1,m=1024,p=1$<hex>`), so a national-size demo is made in
minutes and a stored digest always says how it was made. `parameters_of` reads them back; a look-up computes
the digest under each parameter set the installation issues (`ISSUED`). The anonymous web path never runs
inside `demo_hashing()`: everything a person files is hashed with the production parameters.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_

MIN_LENGTH = 12
LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _core(password: str) -> str:
    return password.lower().strip("0123456789!@#$%^&*()_+-=.,;:?/\\|'\"`~[]{}<> ")


def _repeats(password: str) -> bool:
    n = len(password)
    return any(n % size == 0 and password[:size] * (n // size) == password for size in range(1, n // 2 + 1))


def problem(password: str) -> str | None:
    """Why the password is refused (an English message id), or None."""
    if len(password) < MIN_LENGTH:
        return N_("The password must have at least %(n)s characters.")
    common = common_passwords()
    core = _core(password)
    if password.lower() in common or (len(core) >= 4 and core in common) or _repeats(password.lower()):
        return N_("This password is too common: choose a longer phrase of your own.")
    if password.isdigit():
        return N_("A password of digits only is too easy to guess.")
    return None


def check(password: str, *, field: str = "password") -> None:
    message = problem(password)
    if message:
        raise ValidationFailed(message, field=field, params={"n": MIN_LENGTH})


@dataclass(frozen=True)
class Argon2Parameters:
    time_cost: int
    memory_kib: int
    parallelism: int
    hash_len: int

    @property
    def tag(self) -> str:
        return f"a$t={self.time_cost},m={self.memory_kib},p={self.parallelism}$"


PRODUCTION = Argon2Parameters(time_cost=3, memory_kib=64 * 1024, parallelism=2, hash_len=32)
DEMO = Argon2Parameters(time_cost=1, memory_kib=1024, parallelism=1, hash_len=23)  # tag + 46 hex fit 64 characters
ISSUED = (PRODUCTION, DEMO)
_hashing: ContextVar[Argon2Parameters] = ContextVar("qorgau_argon2_parameters", default=PRODUCTION)


@contextmanager
def demo_hashing() -> Iterator[None]:
    """Digests made inside use the light DEMO parameters (synthetic demo data only)."""
    token = _hashing.set(DEMO)
    try:
        yield
    finally:
        _hashing.reset(token)


def keyed_digest(secret: bytes, salt: bytes, parameters: Argon2Parameters | None = None) -> str:
    """Argon2id of `secret` with `salt`: 64 hex digits (production), or the parameters' tag and the hex."""
    from argon2.low_level import Type, hash_secret_raw

    chosen = parameters or _hashing.get()
    raw = hash_secret_raw(secret, salt, time_cost=chosen.time_cost, memory_cost=chosen.memory_kib,
                          parallelism=chosen.parallelism, hash_len=chosen.hash_len, type=Type.ID)
    return raw.hex() if chosen == PRODUCTION else chosen.tag + raw.hex()


def parameters_of(stored: str) -> Argon2Parameters:
    """The parameters a stored digest was made with (a bare hex digest: production)."""
    if not stored.startswith("a$"):
        return PRODUCTION
    fields = dict(part.split("=", 1) for part in stored.split("$")[1].split(","))
    return Argon2Parameters(time_cost=int(fields["t"]), memory_kib=int(fields["m"]), parallelism=int(fields["p"]),
                            hash_len=len(stored.rsplit("$", 1)[1]) // 2)
