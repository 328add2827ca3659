"""Cell parsers shared by every import: numbers with either decimal separator, dates, yes/no in kk/ru/en, blanks.

Missing is never zero: `is_missing` recognises blanks and declared markers, and the callers decide (refuse,
drop or fill as the user asked). The parsers raise `CellError` with a message id and parameters.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from qorgau.core.i18n_markers import N_

# Blank cells and the markers public tables use for "no value": Eurostat ':', UCI Air Quality -200, dashes.
MISSING_MARKERS = frozenset({"", "n/a", "na", "nan", "null", "none", ":", "x", "-", "–", "—", "-200", "..."})
YES_WORDS = frozenset({"yes", "y", "true", "1", "+", "x", "да", "д", "иә", "ия", "и"})
NO_WORDS = frozenset({"no", "n", "false", "0", "-", "нет", "н", "жоқ", "ж"})
DATE_PATTERNS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%y")


class CellError(ValueError):
    """A cell that cannot be read: a message id with its parameters."""

    def __init__(self, message: str, **params):
        self.message, self.params = message, params
        super().__init__(message % params if params else message)


def is_missing(text: object) -> bool:
    """Blank, or a declared missing-value marker."""
    return str(text if text is not None else "").strip().lower() in MISSING_MARKERS


def parse_number(text: str, *, integer: bool = False, minimum: float | None = 0) -> float | int:
    """A number from a cell ('1 234,5' and '1,234.5' both read); refuses '1,500', which locales read differently."""
    cleaned = str(text).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")
    elif re.fullmatch(r"-?[1-9]\d{0,2},\d{3}", cleaned):  # '0,001' cannot be a thousands group
        raise CellError(N_("%(value)s is ambiguous: write it without a thousands separator, or with a decimal point"),
                        value=repr(text))
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise CellError(N_("%(value)s is not a number"), value=repr(text))
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError(N_("%(value)s is not a finite number"), value=repr(text))
    if integer:
        if not value.is_integer():
            raise CellError(N_("%(value)s is not a whole number"), value=repr(text))
        value = int(value)
    if minimum is not None and value < minimum:
        raise CellError(N_("%(value)s is below the minimum %(minimum)s"), value=text, minimum=f"{minimum:g}")
    return value


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY (a time after it is ignored)."""
    for pattern in DATE_PATTERNS:
        try:
            return datetime.strptime(str(text).strip(), pattern).date()
        except ValueError:
            continue
    raise CellError(N_("%(value)s is not a date (use YYYY-MM-DD or DD.MM.YYYY)"), value=repr(text))


def parse_yes_no(text: str) -> bool:
    """Yes or no in kk/ru/en ('иә', 'да', 'yes', '1', '+', 'x' / 'жоқ', 'нет', 'no', '0', '-')."""
    word = str(text).strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise CellError(N_("%(value)s is not yes or no (иә/жоқ, да/нет, yes/no)"), value=repr(text))
