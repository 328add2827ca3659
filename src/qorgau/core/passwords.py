"""Password policy: at least 12 characters, not a common password nor one dressed up with digits.

The common-password list (20,000 entries, see core/data/README.md) is checked on the password as
typed (lower-cased), on its letters once leading and trailing digits and symbols are stripped
("Password2026!" is "password"), and a password that only repeats a short pattern is refused too.
"""

from __future__ import annotations

import gzip
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
