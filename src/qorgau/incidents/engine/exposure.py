"""Exposure denominators: hours estimated from headcount (flagged) and enterprise size bands.

Default hours actually worked per worker per year: 1,800. Why: the 16th ICLS frequency rate wants hours
*actually worked*. A 40-hour, five-day week (the Labour Code's normal working time) gives a calendar working-time fund of
1,968-1,992 hours in 2024-2027 (`calendar_kz.Calendar.working_hours_fund`: 2024 = 1,992 h, 2025 = 1,968 h,
2026 and 2027 = 1,976 h); minus
the Labour Code's minimum paid annual leave of 24 calendar days (about 16 working days, 128 h) and about 5-6 days of
sickness and other absence (about 45 h) this leaves about 1,800 h. OSHA's 200,000-hour base assumes 2,000 h
per full-time worker (100 workers x 40 h x 50 weeks), so estimates made with 1,800 h give rates about 10%
higher than a 2,000-hour convention would; pass `hours_per_worker=2000` to reproduce that convention.
Every estimated figure is flagged so it can be told apart from reported hours.
"""

from __future__ import annotations

import numpy as np

DEFAULT_HOURS_PER_WORKER = 1800.0
MAX_HOURS_PER_WORKER = 24 * 366  # more than this per average worker cannot be right

# Headcount bounds of the Entrepreneurial Code's size categories (micro <= 15, small <= 100,
# medium <= 250, large > 250). The Code also uses revenue; only headcount is known here.
SIZE_BOUNDS = ((15, "micro"), (100, "small"), (250, "medium"))


def estimate_hours(workers, hours_per_worker: float = DEFAULT_HOURS_PER_WORKER) -> np.ndarray:
    """Hours worked estimated from the annual average number of workers."""
    if not 0 < hours_per_worker <= MAX_HOURS_PER_WORKER:
        raise ValueError(f"hours per worker must be between 0 and {MAX_HOURS_PER_WORKER}, got {hours_per_worker}")
    w = np.asarray(workers, dtype=float)
    if np.any(w < 0):
        raise ValueError("the number of workers cannot be negative")
    return w * hours_per_worker


def size_band(workers: float) -> str:
    """Size category code (micro, small, medium, large) of an enterprise by its average headcount."""
    if workers < 0:
        raise ValueError("the number of workers cannot be negative")
    for bound, name in SIZE_BOUNDS:
        if workers <= bound:
            return name
    return "large"


def size_bands(workers) -> np.ndarray:
    """Vectorised `size_band` over an array of headcounts."""
    w = np.asarray(workers, dtype=float)
    codes = np.searchsorted(np.array([b for b, _ in SIZE_BOUNDS], dtype=float), w, side="left")
    names = np.array([n for _, n in SIZE_BOUNDS] + ["large"], dtype=object)
    return names[codes]
