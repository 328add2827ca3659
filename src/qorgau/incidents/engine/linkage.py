"""Record linkage: find the same accident case in several sources (employer reports, Worker Speaks, inspectors, hospitals).

A record is one injured worker as one source saw it: `source`, `enterprise_id`, `event_date`, and where known
`sex`, `age_band` and `severity`. Two records of different sources are candidates when they name the same
enterprise and their dates lie within the window. A deterministic pass links records that agree exactly on
enterprise, date, sex and age band (score 1); the fuzzy pass scores the rest:

    score = 1 - day_penalty x |days apart| - age_penalty [age bands differ] - severity_penalty [severities differ]
              - missing_penalty x (number of sex / age band / severity values missing on either side)

Records whose sexes are both known and differ are never linked. Pairs are taken best first and joined into
clusters while no cluster would hold two records of the same source, because one source lists a case once
(two victims of one group accident are two cases, so they stay apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from qorgau.core.imports import CellError, parse_date

REQUIRED = ("source", "enterprise_id", "event_date")
OPTIONAL = ("sex", "age_band", "severity")


class LinkageError(ValueError):
    """Records that cannot be linked as given; names the row and column."""


@dataclass(frozen=True)
class LinkageRules:
    """Tuning of the fuzzy pass (defaults: dates within 3 days, link at a score of 0.6 or more)."""

    date_window_days: int = 3
    day_penalty: float = 0.1
    age_penalty: float = 0.3
    severity_penalty: float = 0.15
    missing_penalty: float = 0.05
    threshold: float = 0.6


def _prepare(records: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in records.columns]
    if missing:
        raise LinkageError(f"the records have no column(s) {', '.join(missing)}")
    frame = records.reset_index(drop=True).copy()
    days = [_day(value) for value in frame["event_date"]]
    bad = [i for i, day in enumerate(days) if day is None]
    if bad:
        rows = ", ".join(str(i + 2) for i in bad[:10])
        raise LinkageError(f"row(s) {rows}, column event_date: not a date (use YYYY-MM-DD or DD.MM.YYYY)")
    frame["_day"] = [(day - date(1970, 1, 1)).days for day in days]
    for column in OPTIONAL:
        values = frame[column] if column in frame.columns else [None] * len(frame)
        frame[column] = pd.Series([_text(v, lower=True) for v in values], index=frame.index, dtype=object)
    frame["source"] = frame["source"].astype(str).str.strip()
    frame["enterprise_id"] = pd.Series([_text(v) for v in frame["enterprise_id"]], index=frame.index, dtype=object)
    return frame


def _day(value: object) -> date | None:
    """A record's date: a date as stored, or a text read by the core's date parser (DD.MM.YYYY is day first)."""
    if isinstance(value, datetime):  # pandas Timestamps too
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value)) if _text(value) else None
    except CellError:
        return None


def _text(value: object, lower: bool = False) -> str | None:
    """Stripped text, or None for blanks and missing values (so that 'unknown' never conflicts)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return (text.lower() if lower else text) or None


def _score(a, b, days_apart: int, rules: LinkageRules) -> float | None:
    if a["sex"] and b["sex"] and a["sex"] != b["sex"]:
        return None
    score = 1.0 - rules.day_penalty * days_apart
    for column, penalty in (("age_band", rules.age_penalty), ("severity", rules.severity_penalty)):
        if a[column] and b[column] and a[column] != b[column]:
            score -= penalty
    score -= rules.missing_penalty * sum(1 for c in OPTIONAL if not a[c] or not b[c])
    return score


def _candidate_pairs(frame: pd.DataFrame, rules: LinkageRules) -> list[tuple[float, int, int, int, str]]:
    pairs = []
    rows = frame[["source", "_day", *OPTIONAL]].to_dict("records")
    for _enterprise, block in frame.dropna(subset=["enterprise_id"]).groupby("enterprise_id", sort=False):
        idx = block.sort_values("_day").index.to_numpy()
        days = frame.loc[idx, "_day"].to_numpy()
        for pos, i in enumerate(idx):
            for q in range(pos + 1, len(idx)):
                apart = int(days[q] - days[pos])
                if apart > rules.date_window_days:
                    break
                j = idx[q]
                a, b = rows[i], rows[j]
                if a["source"] == b["source"]:
                    continue
                exact = apart == 0 and all(a[c] and a[c] == b[c] for c in ("sex", "age_band"))
                score = 1.0 if exact else _score(a, b, apart, rules)
                if score is not None and (exact or score >= rules.threshold):
                    pairs.append((score, apart, int(i), int(j), "exact" if exact else "fuzzy"))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2], p[3]))
    return pairs


def link_records(records: pd.DataFrame, rules: LinkageRules | None = None) -> pd.DataFrame:
    """The records with `cluster` (one id per real case), `link` (exact, fuzzy or single) and `link_score`."""
    rules = rules or LinkageRules()
    frame = _prepare(records)
    parent = list(range(len(frame)))
    members: dict[int, set[str]] = {i: {s} for i, s in enumerate(frame["source"])}
    how = ["single"] * len(frame)
    best = [np.nan] * len(frame)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for score, _apart, i, j, kind in _candidate_pairs(frame, rules):
        ri, rj = root(i), root(j)
        if ri == rj or members[ri] & members[rj]:
            continue
        parent[rj] = ri
        members[ri] |= members.pop(rj)
        for k in (i, j):
            if how[k] != "exact":
                how[k] = kind
            best[k] = score if np.isnan(best[k]) else max(best[k], score)
    roots = [root(i) for i in range(len(frame))]
    numbering = {r: n for n, r in enumerate(dict.fromkeys(roots))}
    out = records.reset_index(drop=True).copy()
    out["cluster"] = [numbering[r] for r in roots]
    out["link"] = how
    out["link_score"] = best
    return out


def pattern_counts(linked: pd.DataFrame, sources: list[str] | None = None) -> pd.DataFrame:
    """Counts of clusters by capture pattern: one 0/1 column per source and `count`."""
    if "cluster" not in linked.columns:
        raise LinkageError("link the records first (no 'cluster' column)")
    names = sources or sorted(linked["source"].astype(str).str.strip().unique())
    seen = pd.crosstab(linked["cluster"], linked["source"].astype(str).str.strip()).reindex(columns=names, fill_value=0)
    seen = (seen > 0).astype(int)
    counts = seen.value_counts().rename("count").reset_index()
    return counts.sort_values(names, ascending=False).reset_index(drop=True)
