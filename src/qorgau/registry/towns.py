"""Town names in the reader's language: an enterprise's town is stored as typed (usually the Russian
spelling); the Kazakh and English forms of Kazakhstan's towns come from `data/towns.csv`."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from qorgau.core import i18n

DATA = Path(__file__).resolve().parent / "data" / "towns.csv"


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, str]]:
    """Any known spelling (casefolded) -> {"ru": ..., "kk": ..., "en": ...}."""
    table: dict[str, dict[str, str]] = {}
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for spelling in row.values():
                table.setdefault(spelling.casefold(), row)
    return table


def town_name(town: str | None, locale: str | None = None) -> str:
    """The town in the locale's spelling where known, else as stored."""
    if not town:
        return ""
    row = _names().get(town.strip().casefold())
    return row[locale or i18n.get_locale()] if row else town
