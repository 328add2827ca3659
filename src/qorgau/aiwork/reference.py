"""Loaders for the shipped data: ISCO-08 titles, ILO GenAI scores, O*NET skills, alternative lenses."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
LOCALES = ("en", "kk", "ru")

ILO_SOURCE = "Gmyrek et al. (2025), ILO Working Paper 140"
ILO_SOURCE_2023 = "Gmyrek, Berg & Bescond (2023), ILO Working Paper 96"


def _csv(name: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(DATA / name, keep_default_na=False, na_values=[""], **kwargs)


@lru_cache(maxsize=1)
def isco_titles() -> pd.DataFrame:
    """All 619 ISCO-08 codes (index `code`): level, title_en, title_kk, title_ru (empty where untranslated)."""
    titles = _csv("isco08_titles.csv", dtype={"code": str, "level": int}).set_index("code")
    translated = _csv("isco08_titles_kk_ru.csv", dtype=str).set_index("code")
    titles = titles.join(translated[["title_kk", "title_ru"]], how="left")
    return titles.fillna({"title_kk": "", "title_ru": ""})


@lru_cache(maxsize=1)
def unit_groups() -> tuple[str, ...]:
    """The 436 ISCO-08 unit groups (4-digit codes), sorted."""
    titles = isco_titles()
    return tuple(sorted(titles.index[titles["level"] == 4]))


def title(code: str, locale: str = "en") -> str:
    """ISCO-08 title in kk/ru where translated, otherwise the ILO's English title."""
    row = isco_titles().loc[code]
    if locale in ("kk", "ru") and row[f"title_{locale}"]:
        return str(row[f"title_{locale}"])
    return str(row["title_en"])


def is_translated(code: str, locale: str) -> bool:
    """True when the title of `code` has a kk/ru translation in the shipped file."""
    return locale == "en" or bool(isco_titles().loc[code, f"title_{locale}"])


@lru_cache(maxsize=1)
def ilo_scores() -> pd.DataFrame:
    """ILO 2025 and 2023 exposure scores per scored unit group (index `isco08`, 427 rows), as published."""
    return _csv("ilo_genai_scores.csv", dtype={"isco08": str}).set_index("isco08")


@lru_cache(maxsize=1)
def _tasks() -> pd.DataFrame:
    return _csv("ilo_genai_tasks.csv", dtype={"isco08": str})


def ilo_tasks(isco08: str) -> pd.DataFrame:
    """The ILO's task statements and task scores (2023, 2025) for one unit group."""
    tasks = _tasks()
    return tasks[tasks["isco08"] == isco08].drop(columns="isco08").reset_index(drop=True)


@lru_cache(maxsize=1)
def skill_table() -> pd.DataFrame:
    """O*NET skill importance (1-5) per ISCO-08 unit group plus n_soc, n_onet, imputed (index `isco08`)."""
    return _csv("onet_skill_importance_isco08.csv", dtype={"isco08": str}).set_index("isco08")


@lru_cache(maxsize=1)
def skill_names() -> tuple[str, ...]:
    """The 35 O*NET skills, in content-model order (English names, as in the data)."""
    return tuple(_csv("onet_skills.csv")["name"])


@lru_cache(maxsize=1)
def skill_matrix() -> pd.DataFrame:
    """Only the 35 skill columns of `skill_table`, float (cached: treat as read-only)."""
    return skill_table()[list(skill_names())].astype(float)


@lru_cache(maxsize=1)
def crosswalk() -> pd.DataFrame:
    """BLS ISCO-08 <-> SOC 2010 pairs: isco08, soc2010, part ('*' when only part of the group maps)."""
    return _csv("bls_isco08_soc2010.csv", dtype=str).fillna({"part": ""})


@lru_cache(maxsize=1)
def eloundou() -> pd.DataFrame:
    """Eloundou et al. (2024) beta exposure carried from O*NET-SOC to ISCO-08 (US-based lens)."""
    return _csv("eloundou_isco08.csv", dtype={"isco08": str}).set_index("isco08")


@lru_cache(maxsize=1)
def nesta() -> pd.DataFrame:
    """Nesta Mapping Career Causeways: automation risk and transition counts per ISCO-08 unit group."""
    return _csv("nesta_isco08.csv", dtype={"isco08": str}).set_index("isco08")


@lru_cache(maxsize=1)
def esco_labels() -> pd.DataFrame:
    """ESCO occupation labels (English) with their ISCO-08 unit group, for occupation search."""
    return _csv("esco_occupations.csv", dtype=str)


def search_occupations(text: str, *, limit: int = 20) -> pd.DataFrame:
    """Unit groups matching `text` in an ISCO title (en/kk/ru, any level: a matching group brings its
    unit groups) or in an ESCO occupation label (English)."""
    needle = text.strip().casefold()
    titles = isco_titles()
    hay = (titles["title_en"] + "\n" + titles["title_kk"] + "\n" + titles["title_ru"]).str.casefold()
    matched_codes = titles.index[hay.str.contains(needle, regex=False)]
    units = titles[titles["level"] == 4]
    hits = {u for code in matched_codes for u in units.index if u.startswith(code)}
    labels = esco_labels()
    esco_hits = labels[labels["label"].str.casefold().str.contains(needle, regex=False)]
    hits |= set(esco_hits["isco08"]) & set(units.index)
    matched = esco_hits.groupby("isco08")["label"].agg(lambda s: "; ".join(s.head(3)))
    out = units.loc[sorted(hits), ["title_en", "title_kk", "title_ru"]]
    out["esco_matches"] = matched.reindex(out.index).fillna("")
    return out.head(limit)


def soc_scores_to_isco(scores: pd.Series, *, how: str = "mean") -> pd.DataFrame:
    """Carry a score keyed by SOC 2010 (e.g. '15-1132' or O*NET '15-1132.00') to ISCO-08 unit groups.

    For lenses whose licence does not let us ship them (Frey & Osborne, Felten's AIOE): the federation
    loads the published file itself and converts it here. O*NET-SOC codes are first averaged to their
    6-digit SOC code, then each ISCO unit group takes the unweighted mean ("mean") or the maximum
    ("max") over the SOC codes the BLS crosswalk maps to it; n_soc says how many contributed.
    """
    if how not in ("mean", "max"):
        raise ValueError(f"how must be 'mean' or 'max', not {how!r}")
    frame = pd.DataFrame({"soc2010": scores.index.astype(str).str.strip().str[:7],
                          "score": pd.to_numeric(scores.to_numpy(), errors="coerce")}).dropna()
    per_soc = frame.groupby("soc2010")["score"].mean()
    joined = crosswalk().merge(per_soc.rename("score"), left_on="soc2010", right_index=True, how="inner")
    grouped = joined.groupby("isco08")["score"]
    out = pd.DataFrame({"score": grouped.mean() if how == "mean" else grouped.max(), "n_soc": grouped.size()})
    out["score"] = out["score"].astype(float).round(6)
    return out.reindex(sorted(out.index))


def major_group(code: str) -> str:
    """The one-digit major group of an ISCO-08 code."""
    return code[:1]


def children_units(code: str) -> np.ndarray:
    """Unit groups under an ISCO-08 code at any level (the code itself for a unit group)."""
    units = np.asarray(unit_groups())
    return units[np.char.startswith(units.astype(str), code)]
