"""Space-time scan statistic for case lists without a population at risk: Kulldorff's space-time permutation
model (Kulldorff M, Heffernan R, Hartman J, Assunção R, Mostashari F. A space-time permutation scan statistic for
disease outbreak detection. PLoS Medicine 2005; 2(3): e59), with the Poisson generalised likelihood ratio of
Kulldorff (1997) and a Monte Carlo p-value (permuted dates, a fixed seed: the same data give the same p-value).

Pure computation: no database, no session. Input is a list of cases (an id, an area, a sector and a week
number); output is the clusters, most likely first.

Windows are cylinders: a *zone* (a KATO district and an OKED section; a region and a section; a region and
every section) over 1 to `max_weeks` consecutive weeks. For a zone z and weeks d, the expected count is
mu = C_z * C_d / C (cases of the zone over the whole period, times cases of those weeks everywhere, over all
cases): what the zone would have in those weeks if place and time were independent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


def poisson_llr(cases: float, expected: float, total: float) -> float:
    """Kulldorff's log likelihood ratio of a window with `cases` observed and `expected` under the null, out of
    `total`: c ln(c/mu) + (C-c) ln((C-c)/(C-mu)) when c > mu, else 0 (only high rates are clusters)."""
    if cases <= expected or expected <= 0 or total <= 0:
        return 0.0
    inside = cases * math.log(cases / expected)
    rest, rest_expected = total - cases, total - expected
    outside = rest * math.log(rest / rest_expected) if rest > 0 else 0.0
    return inside + outside


def relative_risk(cases: float, expected: float, total: float) -> float | None:
    """Risk inside over risk outside: (c/mu) / ((C-c)/(C-mu)); None when nothing is outside."""
    if expected <= 0 or total - cases <= 0 or total - expected <= 0:
        return None
    return (cases / expected) / ((total - cases) / (total - expected))


def _llr_array(c: np.ndarray, mu: np.ndarray, total: float, min_cases: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rest, rest_mu = total - c, total - mu
        inside = np.where(c > 0, c * np.log(np.where(c > 0, c, 1) / np.where(mu > 0, mu, 1)), 0.0)
        outside = np.where(rest > 0, rest * np.log(np.where(rest > 0, rest, 1) / np.where(rest_mu > 0, rest_mu, 1)),
                           0.0)
        llr = inside + outside
    return np.where((c > mu) & (mu > 0) & (c >= min_cases), llr, 0.0)


@dataclass(frozen=True)
class CaseRecord:
    """One case: its id, its place (a KATO code, 9 digits), its OKED section ('' when unknown) and its week."""

    id: str
    kato: str
    sector: str
    week: int


@dataclass(frozen=True)
class Parameters:
    max_weeks: int = 8  # longest window in time
    replications: int = 999  # Monte Carlo replications
    seed: int = 20051  # fixed: the same data give the same p-value
    min_cases: int = 3  # a window with fewer cases is not a cluster
    max_clusters: int = 10  # clusters reported (the most likely and non-overlapping secondary ones)
    prospective: bool = False  # only windows that end in the last week (Kulldorff 2001)


@dataclass
class Cluster:
    kato: str  # the district or region code
    level: str  # "district" | "region"
    sector: str  # an OKED section, or "" for every section
    first_week: int
    last_week: int
    cases: int
    expected: float
    relative_risk: float | None
    llr: float
    p_value: float
    case_ids: list[str] = field(default_factory=list)


def region_of(kato: str) -> str:
    return kato[:2] + "0" * 7


def district_of(kato: str) -> str:
    return kato[:4] + "0" * 5


@dataclass
class _Zones:
    labels: list[tuple[str, str, str]]  # (kato, level, sector)
    members: np.ndarray  # zones x units, 0/1


def _zones(units: list[tuple[str, str]]) -> _Zones:
    labels: list[tuple[str, str, str]] = []
    index: dict[tuple[str, str, str], int] = {}
    rows: list[list[int]] = []
    for u, (kato, sector) in enumerate(units):
        keys = [(region_of(kato), "region", sector), (region_of(kato), "region", "")]
        if district_of(kato) != region_of(kato):
            keys.insert(0, (district_of(kato), "district", sector))
        for key in keys:
            if key not in index:
                index[key] = len(labels)
                labels.append(key)
                rows.append([])
            rows[index[key]].append(u)
    members = np.zeros((len(labels), len(units)))
    for z, us in enumerate(rows):
        members[z, us] = 1.0
    return _Zones(labels, members)


def _windows(zone_counts: np.ndarray, week_counts: np.ndarray, zone_totals: np.ndarray, total: float,
             params: Parameters) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, int]]:
    """For each window length L: (observed, expected, llr) arrays of zones x start weeks."""
    weeks = zone_counts.shape[1]
    cum = np.concatenate([np.zeros((zone_counts.shape[0], 1)), np.cumsum(zone_counts, axis=1)], axis=1)
    cum_t = np.concatenate([[0.0], np.cumsum(week_counts)])
    out = []
    for length in range(1, min(params.max_weeks, weeks) + 1):
        observed = cum[:, length:] - cum[:, :-length]
        in_weeks = cum_t[length:] - cum_t[:-length]
        if params.prospective:
            observed, in_weeks = observed[:, -1:], in_weeks[-1:]
        expected = zone_totals[:, None] * in_weeks[None, :] / total
        out.append((observed, expected, _llr_array(observed, expected, total, params.min_cases), length))
    return out


def _max_llr(zone_counts, week_counts, zone_totals, total, params) -> float:
    return max((float(w[2].max()) for w in _windows(zone_counts, week_counts, zone_totals, total, params)
                if w[2].size), default=0.0)


def scan(cases: list[CaseRecord], *, weeks: int, params: Parameters = Parameters(),
         progress=None) -> list[Cluster]:
    """Clusters of `cases` over weeks 0..weeks-1, most likely first; each with its Monte Carlo p-value
    (rank of its LLR among the replications' maxima, (1 + #{max >= llr}) / (R + 1))."""
    cases = [c for c in cases if 0 <= c.week < weeks]
    total = float(len(cases))
    if total < params.min_cases or weeks < 1:
        return []
    units = sorted({(c.kato, c.sector) for c in cases})
    unit_of = {u: i for i, u in enumerate(units)}
    case_unit = np.array([unit_of[(c.kato, c.sector)] for c in cases])
    case_week = np.array([c.week for c in cases])
    zones = _zones(units)

    def counts(week_of_case: np.ndarray) -> np.ndarray:
        grid = np.zeros((len(units), weeks))
        np.add.at(grid, (case_unit, week_of_case), 1.0)
        return zones.members @ grid

    zone_counts = counts(case_week)
    week_counts = np.bincount(case_week, minlength=weeks).astype(float)
    zone_totals = zone_counts.sum(axis=1)
    candidates: list[tuple[float, int, int, int, float, float]] = []  # llr, zone, start, length, obs, exp
    for observed, expected, llr, length in _windows(zone_counts, week_counts, zone_totals, total, params):
        for z, start in zip(*np.nonzero(llr > 0), strict=True):
            first = int(start) if not params.prospective else weeks - length
            candidates.append((float(llr[z, start]), int(z), first, length, float(observed[z, start]),
                               float(expected[z, start])))
    if not candidates:
        return []
    candidates.sort(key=lambda c: (-c[0], c[3], c[1], c[2]))
    rng = np.random.default_rng(params.seed)
    maxima = np.empty(params.replications)
    for r in range(params.replications):  # dates permuted among the cases; places and totals kept
        permuted = rng.permutation(case_week)
        maxima[r] = _max_llr(counts(permuted), week_counts, zone_totals, total, params)
        if progress is not None and r % 100 == 0:
            progress(r / max(1, params.replications))
    chosen: list[Cluster] = []
    taken: list[tuple[set[int], int, int]] = []
    for llr, z, first, length, observed, expected in candidates:
        if len(chosen) >= params.max_clusters:
            break
        members = set(np.nonzero(zones.members[z])[0].tolist())
        last = first + length - 1
        if any(members & m and not (last < f or first > lw) for m, f, lw in taken):
            continue  # overlaps a more likely cluster in place and time
        taken.append((members, first, last))
        kato, level, sector = zones.labels[z]
        ids = sorted(c.id for c, u, w in zip(cases, case_unit, case_week, strict=True)
                     if int(u) in members and first <= int(w) <= last)
        p_value = (1 + int((maxima >= llr - 1e-9).sum())) / (params.replications + 1)
        chosen.append(Cluster(kato=kato, level=level, sector=sector, first_week=first, last_week=last,
                              cases=int(round(observed)), expected=expected,
                              relative_risk=relative_risk(observed, expected, total), llr=llr, p_value=p_value,
                              case_ids=ids))
    return chosen
