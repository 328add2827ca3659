"""Working days in Kazakhstan (five-day week) for the Labour Code clocks, with public holidays 2024-2027.

What is included (Law "On holidays in the Republic of Kazakhstan" and the Labour Code's rule on days off):
- non-working holidays every year: 1-2 January (New Year), 8 March, 21-23 March (Nauryz), 1 May (Unity
  Day), 7 May (Defender of the Fatherland Day), 9 May (Victory Day), 6 July (Capital Day), 30 August
  (Constitution Day), 25 October (Republic Day, again a holiday since 2022), 16 December (Independence Day);
- when one of these falls on a Saturday or Sunday, the next working day is a day off;
- religious days off that are *not* moved when they fall on a weekend: 7 January (Orthodox Christmas) and
  the first day of Kurban Ait (2024-06-16, 2025-06-06, 2026-05-27; 2027-05-16 is an estimate until the
  government sets the date, see KURBAN_AIT_ESTIMATED);
- government transfers of days off (a weekend day becomes a working day): 2024: day off 8 May, Saturday
  4 May worked; 2025: day off 3 January, Sunday 5 January worked. No transfer was found for 2026 (the
  published 2026 calendar has only the weekend rule above); 2027 transfers are not decreed yet.
Sources: python-holidays `holidays/countries/kazakhstan.py` (vacanza/holidays; decrees G24G0000109 and
G24G0000436 on adilet.zan.kz) and the 2026 egov calendar as reported by alau.kz (2026-01-02).

Years outside 2024-2027 get the fixed holidays and the weekend rule only (no Kurban Ait, no transfers);
`Calendar.approximate_years` lists such years touched by a computation. Pass `extra_days_off` and
`extra_working_days` for decrees not listed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from qorgau.core.i18n_markers import N_

HOLIDAY_NAMES = {
    "new_year": N_("New Year"),
    "orthodox_christmas": N_("Orthodox Christmas"),
    "womens_day": N_("International Women's Day"),
    "nauryz": N_("Nauryz meyramy"),
    "unity_day": N_("Kazakhstan People's Unity Day"),
    "defender_day": N_("Defender of the Fatherland Day"),
    "victory_day": N_("Victory Day"),
    "capital_day": N_("Capital Day"),
    "constitution_day": N_("Constitution Day"),
    "republic_day": N_("Republic Day"),
    "independence_day": N_("Independence Day"),
    "kurban_ait": N_("Kurban Ait"),
    "observed": N_("Day off for a holiday on a weekend"),
    "transfer": N_("Day off moved by government decree"),
}

MOVABLE = (  # (month, day, name): moved to the next working day when on a weekend
    (1, 1, "new_year"), (1, 2, "new_year"), (3, 8, "womens_day"), (3, 21, "nauryz"), (3, 22, "nauryz"),
    (3, 23, "nauryz"), (5, 1, "unity_day"), (5, 7, "defender_day"), (5, 9, "victory_day"), (7, 6, "capital_day"),
    (8, 30, "constitution_day"), (10, 25, "republic_day"), (12, 16, "independence_day"),
)
FIXED_NOT_MOVED = ((1, 7, "orthodox_christmas"),)
KURBAN_AIT = {2024: date(2024, 6, 16), 2025: date(2025, 6, 6), 2026: date(2026, 5, 27), 2027: date(2027, 5, 16)}
KURBAN_AIT_ESTIMATED = frozenset({2027})
TRANSFERS = {  # year -> [(day off, weekend day worked instead)]
    2024: [(date(2024, 5, 8), date(2024, 5, 4))],
    2025: [(date(2025, 1, 3), date(2025, 1, 5))],
}
KNOWN_YEARS = range(2024, 2028)


def _year_days_off(year: int) -> dict[date, str]:
    days: dict[date, str] = {}
    for month, day, name in (*MOVABLE, *FIXED_NOT_MOVED):
        days[date(year, month, day)] = name
    if year in KURBAN_AIT:
        days.setdefault(KURBAN_AIT[year], "kurban_ait")
    for month, day, _name in MOVABLE:
        holiday = date(year, month, day)
        if holiday.weekday() < 5:
            continue
        shifted = holiday + timedelta(days=1)
        while shifted.weekday() >= 5 or shifted in days:
            shifted += timedelta(days=1)
        days[shifted] = "observed"
    for day_off, _worked in TRANSFERS.get(year, []):
        days.setdefault(day_off, "transfer")
    return days


@dataclass
class Calendar:
    """Days off and working days; remembers which years were only approximately known."""

    extra_days_off: Iterable[date] = ()
    extra_working_days: Iterable[date] = ()
    approximate_years: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._off = set(self.extra_days_off)
        self._worked = set(self.extra_working_days)
        self._years: dict[int, dict[date, str]] = {}

    def days_off(self, year: int) -> dict[date, str]:
        """Holidays and other non-working weekdays of a year, with the name code of each."""
        if year not in self._years:
            self._years[year] = _year_days_off(year)
        if year not in KNOWN_YEARS:
            self.approximate_years.add(year)
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        if day in self._off:
            return False
        if day in self._worked or any(day == worked for _off, worked in TRANSFERS.get(day.year, [])):
            return True
        return day.weekday() < 5 and day not in self.days_off(day.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (the period starts the next day); n = 0 gives `start`."""
        if n < 0:
            raise ValueError("the number of working days cannot be negative")
        day, left = start, n
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def working_hours_fund(self, year: int, hours_per_day: float = 8.0) -> float:
        """Calendar working-time fund of a year for a 40-hour five-day week."""
        return self.working_days_between(date(year - 1, 12, 31), date(year, 12, 31)) * hours_per_day


def holidays(year: int) -> dict[date, str]:
    """Non-working weekdays and holidays of a year (name codes, see HOLIDAY_NAMES)."""
    return dict(sorted(Calendar().days_off(year).items()))
