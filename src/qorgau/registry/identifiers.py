"""Kazakhstan's 12-digit identification numbers: IIN (people) and BIN (legal entities).

Both end in the same mod-11 check digit (Decree No. 406 of 22.05.2007): weights 1..11 over the
first eleven digits; if the remainder is 10, weights 3..11,1,2; if it is still 10 the number is
never issued.
"""

from __future__ import annotations

from qorgau.core.i18n_markers import N_

_WEIGHTS_FIRST = tuple(range(1, 12))
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

BIN_ENTITY_TYPES = {"4": "resident legal entity", "5": "non-resident legal entity",
                    "6": "individual entrepreneur in joint entrepreneurship"}


def check_digit(first_eleven: str) -> int | None:
    """The check digit for eleven digits, or None when no valid number has them."""
    if len(first_eleven) != 11 or not first_eleven.isdigit():
        raise ValueError("expected exactly 11 digits")
    digits = [int(c) for c in first_eleven]
    for weights in (_WEIGHTS_FIRST, _WEIGHTS_SECOND):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def has_valid_check_digit(number: str) -> bool:
    """True when a 12-digit string ends in its correct check digit."""
    if len(number) != 12 or not number.isdigit() or not number.isascii():
        return False
    return check_digit(number[:11]) == int(number[11])


def is_valid_iin(number: str) -> bool:
    """A person's IIN: YYMMDD, century/sex digit 1-6, serial, check digit."""
    if not has_valid_check_digit(number):
        return False
    month, day, century = int(number[2:4]), int(number[4:6]), number[6]
    return 1 <= month <= 12 and 1 <= day <= 31 and century in "123456"


def bin_problem(number: str) -> str | None:
    """Why a BIN is invalid (an English message id), or None when it is valid."""
    number = number.strip()
    if len(number) != 12 or not number.isdigit() or not number.isascii():
        return N_("A BIN has exactly 12 digits.")
    month = int(number[2:4])
    if not 1 <= month <= 12:
        return N_("Digits 3-4 of a BIN are the month of registration (01-12).")
    if number[4] not in BIN_ENTITY_TYPES:
        return N_("Digit 5 of a BIN is the entity type: 4, 5 or 6.")
    if not has_valid_check_digit(number):
        return N_("The BIN's check digit is wrong: check for a typing error.")
    return None


def is_valid_bin(number: str) -> bool:
    """A legal entity's BIN: YYMM, entity type 4/5/6, attribute, serial, check digit."""
    return bin_problem(number) is None


def complete_with_check_digit(first_eleven: str) -> str | None:
    """Append the check digit, or None when these eleven digits cannot form a valid number."""
    digit = check_digit(first_eleven)
    return None if digit is None else first_eleven + str(digit)
