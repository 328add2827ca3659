"""The IIN/BIN mod-11 check digit (Decree No. 406 of 22.05.2007)."""

from hypothesis import given
from hypothesis import strategies as st

from qorgau.registry.identifiers import (
    bin_problem,
    check_digit,
    complete_with_check_digit,
    has_valid_check_digit,
    is_valid_bin,
    is_valid_iin,
)

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


def _reference(number: str) -> bool:
    """The rule written out longhand, independent of the implementation."""
    d = [int(c) for c in number]
    s = sum(d[i] * (i + 1) for i in range(11)) % 11
    if s == 10:
        s = sum(d[i] * ((i + 2) % 11 + 1) for i in range(11)) % 11
        if s == 10:
            return False
    return s == d[11]


@given(eleven_digits, st.integers(0, 9))
def test_check_digit_matches_the_longhand_rule(first, last):
    assert has_valid_check_digit(first + str(last)) == _reference(first + str(last))


@given(eleven_digits)
def test_completed_numbers_validate_and_a_wrong_check_digit_is_caught(first):
    number = complete_with_check_digit(first)
    if number is None:
        assert check_digit(first) is None  # such numbers are never issued
        return
    assert has_valid_check_digit(number)
    for replacement in "0123456789":
        if replacement != number[11]:
            assert not has_valid_check_digit(number[:11] + replacement)


@given(eleven_digits, st.integers(0, 9), st.integers(0, 9))
def test_a_typo_in_the_first_ten_digits_is_caught_under_the_first_weights(first, position, replacement):
    number = complete_with_check_digit(first)
    digits = [int(c) for c in first]
    if number is None or sum(d * (i + 1) for i, d in enumerate(digits)) % 11 == 10:
        return
    mutated = number[:position] + str(replacement) + number[position + 1:]
    mutated_sum = sum(int(c) * (i + 1) for i, c in enumerate(mutated[:11])) % 11
    if mutated != number and mutated_sum != 10:
        # Weights 1..10 are invertible mod 11, so one changed digit changes the remainder.
        assert not has_valid_check_digit(mutated)


@given(st.text(max_size=14))
def test_garbage_is_never_valid(text):
    if not (len(text) == 12 and text.isascii() and text.isdigit()):
        assert not has_valid_check_digit(text)
        assert bin_problem(text) is not None


def test_known_numbers():
    # Computed by hand: 9 4 0 5 4 0 0 0 0 1 2 weights 1..11 -> 9+8+0+20+20+0+0+0+0+10+22 = 89, 89 % 11 = 1.
    assert complete_with_check_digit("94054000012") == "940540000121"
    assert is_valid_bin("940540000121")
    assert not is_valid_bin("940540000122")
    assert bin_problem("941340000121") is not None  # month 13
    assert bin_problem("940530000121") is not None  # entity type 3 does not exist
    assert is_valid_iin(complete_with_check_digit("85031530012"))
    assert not is_valid_iin("850315300122")
