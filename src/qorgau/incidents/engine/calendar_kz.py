"""Working days in Kazakhstan (five-day week) for the Labour Code clocks.

Days off come from the `holidays` package (vacanza/holidays, Kazakhstan), which follows the Law "On holidays
in the Republic of Kazakhstan" with its amendments, the Labour Code's rule that a holiday on a Saturday or
Sunday moves to the next working day (Orthodox Christmas and Kurban Ait are not moved), and the government's
decrees transferring days off (a weekend day then becomes a working day: `weekend_workdays`). Since the
amendment after the 2026 Constitution, Constitution Day is 15 March from 2027 and is not kept in 2026 (so
30-31 August 2026 are working days); see docs/decisions/0040-holidays-from-the-library.md.

`CORRECTIONS` holds any day where the library departs from the law. Years outside 2024-2027 (whose transfers
have not been checked here) are listed in `Calendar.approximate_years` when a computation touches them. Pass
`extra_days_off` and `extra_working_days` for decrees the library does not have yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays as holiday_library

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
    "first_president_day": N_("First President Day"),
    "holiday": N_("Public holiday"),
    "observed": N_("Day off for a holiday on a weekend"),
    "transfer": N_("Day off moved by government decree"),
}

# The library's English names, mapped to this module's name codes.
LIBRARY_NAMES = {
    "New Year's Day": "new_year", "Orthodox Christmas": "orthodox_christmas",
    "International Women's Day": "womens_day", "Nowruz Holiday": "nauryz",
    "Kazakhstan's People Solidarity Holiday": "unity_day", "Defender of the Fatherland Day": "defender_day",
    "Victory Day": "victory_day", "Capital Day": "capital_day", "Constitution Day": "constitution_day",
    "Republic Day": "republic_day", "Independence Day": "independence_day", "First President Day": "first_president_day",
    "Eid al-Adha": "kurban_ait",
}
KNOWN_YEARS = range(2024, 2028)  # years whose government transfers of days off have been checked
# Where the library is wrong, the law wins: {day: name code} adds a day off, {day: None} removes one. Empty
# while the library agrees with the law (checked against the 2026 amendment, see docs/decisions).
CORRECTIONS: dict[date, str | None] = {}


def _code(name: str) -> str:
    if name.startswith("Day off (substituted"):
        return "transfer"
    if name.endswith("(observed)"):
        return "observed"
    return LIBRARY_NAMES.get(name.removesuffix(" (estimated)"), "holiday")


def _year_days_off(year: int) -> dict[date, str]:
    days = {day: _code(name) for day, name in holiday_library.Kazakhstan(years=year, language="en_US").items()}
    for day, code in CORRECTIONS.items():
        if day.year == year:
            if code is None:
                days.pop(day, None)
            else:
                days[day] = code
    return days


def _weekend_workdays(year: int) -> set[date]:
    return {d for d in holiday_library.Kazakhstan(years=year).weekend_workdays if d.year == year}


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
        self._weekend_worked: dict[int, set[date]] = {}

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
        if day.year not in self._weekend_worked:
            self._weekend_worked[day.year] = _weekend_workdays(day.year)
        if day in self._worked or day in self._weekend_worked[day.year]:
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
