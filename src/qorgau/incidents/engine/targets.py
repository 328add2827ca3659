"""Targets of the Concept of Safe Labour 2024-2030 (Government Decree No. 1182 of 26.12.2023) and checks against them.

Indicators (shared/reference/kz-regulatory.md section 1.13, from a secondary summary of the decree):
- fatal accident frequency rate per 1,000 workers: 0.035 in 2024, 0.023 by 2030;
- "level of concealment of injuries and occupational diseases": 12:1 in 2024, 18:1 by 2030. Its definition
  was not retrieved. Because the target *rises*, it reads like the ratio of registered non-fatal to fatal
  cases (more non-fatal cases registered per death = less concealment), not estimated / registered cases;
  `nonfatal_to_fatal` computes that reading. This is an inference and is labelled as such.
Targets between the two years are interpolated linearly (an assumption: the decree's yearly path was not seen).
"""

from __future__ import annotations

from qorgau.incidents.engine.rates import rate_ci, ratio_ci

FATAL_PER_1000 = {2024: 0.035, 2030: 0.023}
CONCEALMENT = {2024: 12.0, 2030: 18.0}


def target_for(path: dict[int, float], year: int) -> float:
    """The target of a year on a linear path between the first and last year given (held flat outside)."""
    (y0, v0), (y1, v1) = sorted(path.items())[0], sorted(path.items())[-1]
    if year <= y0:
        return v0
    if year >= y1:
        return v1
    return v0 + (v1 - v0) * (year - y0) / (y1 - y0)


def fatal_rate_vs_target(fatal: int, workers: float, year: int) -> dict:
    """Fatal accidents per 1,000 workers with the exact interval, against the Concept 2030 path."""
    rate, low, high = rate_ci([fatal], [workers], "per_1000_workers")
    target = target_for(FATAL_PER_1000, year)
    return {"year": year, "fatal": fatal, "workers": workers, "rate": float(rate[0]), "ci_low": float(low[0]),
            "ci_high": float(high[0]), "base": "per_1000_workers", "target": target,
            "meets_target": bool(rate[0] <= target), "significantly_above_target": bool(low[0] > target)}


def nonfatal_to_fatal(nonfatal: int, fatal: int, year: int) -> dict:
    """Registered non-fatal cases per fatal case with the exact interval, against the 12:1 -> 18:1 path."""
    ratio, low, high = ratio_ci(nonfatal, fatal)
    target = target_for(CONCEALMENT, year)
    return {"year": year, "nonfatal": nonfatal, "fatal": fatal, "ratio": ratio, "ci_low": low, "ci_high": high,
            "target": target, "meets_target": bool(ratio >= target), "significantly_below_target": bool(high < target),
            "definition": "inferred: registered non-fatal per fatal case"}
