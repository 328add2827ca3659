"""Kazakhstan's regions as users write them: 9-digit KATO, the 2-digit KATO prefix, or a name in kk/ru/en.

Names include the current and the former ones (Nur-Sultan for Astana 2019-2022; South Kazakhstan for Turkestan
Region before 2018, when Shymkent became a city of republican significance; Qaraghandy and other Latin spellings).
A former name is matched to today's region of that name, which covers a smaller area where a region was split
(Abay, Zhetysu and Ulytau regions in 2022; Shymkent in 2018): the aliases file says so row by row.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from qorgau.aiwork import reference

_NOISE = re.compile(r"\b(region|oblast|province|city|облысы|область|обл|қаласы|қала|город|г)\b\.?|[().,]")


def _key(text: str) -> str:
    return " ".join(_NOISE.sub(" ", str(text).casefold().replace("ё", "е")).split())


@lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    """Normalised name -> first-level 9-digit KATO code, from kk/ru/en names and the aliases file."""
    regions = pd.read_csv(reference.DATA / "kz_regions.csv", dtype=str)
    out: dict[str, str] = {}
    for row in regions.itertuples(index=False):
        for name in (row.name_en, row.name_kk, row.name_ru):
            out[_key(name)] = row.kato
    aliases = pd.read_csv(reference.DATA / "kz_region_aliases.csv", dtype=str)
    for row in aliases.itertuples(index=False):
        out.setdefault(_key(row.name), row.kato)
    # "Almaty" alone is the city; the region is written with "region"/"облысы"/"область" (see aliases).
    out[_key("Almaty")] = "750000000"
    return out


def region_kato(value: object, prefixes: dict[str, str]) -> str | None:
    """The region's 9-digit KATO code for '35', '351010000', 'Karaganda Region', 'Карагандинская область'."""
    text = str(value).strip()
    if text.isdigit():
        if len(text) == 9 or len(text) == 2:
            return prefixes.get(text[:2])
        return None
    lowered = text.casefold()
    if any(word in lowered for word in ("region", "oblast", "облыс", "област")) and _key(text) == _key("Almaty"):
        return "190000000"
    return region_names().get(_key(text))
