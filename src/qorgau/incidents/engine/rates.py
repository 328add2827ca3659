"""Injury rates with named bases over aggregated counts: grouped rates, pooling, shares, severity, standardisation.

The engine works on *aggregated* counts: one row per unit (an enterprise-year, or a cell of a cube of
region x sector x size x union x year) holding `cases`, `hours` and `workers`. Rates for any slice are sums
over rows, so a slice can be rolled up from a finer cube without going back to cases (see `build_cube`).

Every figure carries its base: cases x multiplier / denominator, where the denominator is hours worked or
the annual average number of workers (16th ICLS; SDG 8.8.1; OSHA). Intervals are exact Poisson (Garwood).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qorgau.incidents.engine.intervals import ALPHA, binomial_ci, gamma_ci, poisson_ci
from qorgau.incidents.engine.trend_test import TrendResult, poisson_trend  # noqa: F401 - re-exported
from qorgau.incidents.labels import BASE_LABELS

SEVERITIES = ("all", "fatal", "serious", "serious_or_fatal", "nonfatal")
OUTCOMES = ("fatal", "serious", "light")


class RateError(ValueError):
    """Bad input to a rate computation: says which column or argument and why."""


@dataclass(frozen=True)
class Base:
    """A named rate base: cases x multiplier / denominator (hours or workers)."""

    name: str
    multiplier: float
    denominator: str  # "hours" or "workers"
    standard: str

    @property
    def label(self) -> str:
        return BASE_LABELS[self.name]


BASES: dict[str, Base] = {
    "per_1m_hours": Base("per_1m_hours", 1_000_000, "hours", "ILO 16th ICLS frequency rate"),
    "per_1000_workers": Base("per_1000_workers", 1_000, "workers",
                             "ILO 16th ICLS incidence rate; Kazakhstan's official frequency coefficient"),
    "per_100k_workers": Base("per_100k_workers", 100_000, "workers", "SDG 8.8.1 (ILOSTAT), Eurostat ESAW"),
    "per_200k_hours": Base("per_200k_hours", 200_000, "hours", "US OSHA TRIR and DART"),
}


def get_base(base: str | Base) -> Base:
    """The Base of that name, or a RateError listing the valid names."""
    if isinstance(base, Base):
        return base
    try:
        return BASES[base]
    except KeyError:
        raise RateError(f"unknown base {base!r}; use one of: {', '.join(BASES)}")


def rate_ci(cases, exposure, base: str | Base, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate and exact Poisson interval per unit of the base; NaN where the exposure is not positive."""
    b = get_base(base)
    c = np.asarray(cases, dtype=float)
    e = np.asarray(exposure, dtype=float)
    low, high = poisson_ci(c, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(e > 0, b.multiplier / np.where(e > 0, e, 1.0), np.nan)
    return c * scale, low * scale, high * scale


def _check_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RateError(f"{what} has no column(s) {', '.join(missing)}; it has: {', '.join(map(str, frame.columns))}")


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def grouped_rates(frame: pd.DataFrame, by: str | Sequence[str] | None, base: str | Base,
                  cases_col: str = "cases", alpha: float = ALPHA) -> pd.DataFrame:
    """Rates per slice of aggregated rows: columns by..., cases, exposure, rate, ci_low, ci_high, base."""
    b = get_base(base)
    keys = _as_list(by)
    _check_columns(frame, [*keys, cases_col, b.denominator], "the table of counts")
    if keys:
        sums = frame.groupby(keys, dropna=False, sort=True, observed=True)[[cases_col, b.denominator]].sum()
        out = sums.reset_index()
    else:
        out = pd.DataFrame({cases_col: [frame[cases_col].sum()], b.denominator: [frame[b.denominator].sum()]})
    out = out.rename(columns={cases_col: "cases", b.denominator: "exposure"})
    rate, low, high = rate_ci(out["cases"].to_numpy(), out["exposure"].to_numpy(), b, alpha)
    out["rate"], out["ci_low"], out["ci_high"] = rate, low, high
    out["base"] = b.name
    return out


def pooled(rows: Iterable[Mapping], base: str | Base, alpha: float = ALPHA) -> dict:
    """The rate of merged slices: cases and exposure summed, interval recomputed (never averaged)."""
    rows = list(rows)
    cases = float(sum(float(r["cases"]) for r in rows))
    exposure = float(sum(float(r["exposure"]) for r in rows))
    rate, low, high = rate_ci([cases], [exposure], base, alpha)
    return {"cases": cases, "exposure": exposure, "rate": _num(rate[0]), "ci_low": _num(low[0]),
            "ci_high": _num(high[0]), "base": get_base(base).name}


def _num(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _plain(value):
    """A JSON-friendly Python scalar from a pandas/numpy group value."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_records(table: pd.DataFrame, by: str | Sequence[str] | None) -> list[dict]:
    """Rows {group, cases, exposure, rate, ci_low, ci_high, base}; group is a value, or a dict for several keys."""
    keys = _as_list(by)
    records = []
    columns = {k: table[k].tolist() for k in keys}
    cases = table["cases"].to_numpy(dtype=float)
    exposure = table["exposure"].to_numpy(dtype=float)
    rate, low, high = (table[c].to_numpy(dtype=float) for c in ("rate", "ci_low", "ci_high"))
    base = table["base"].tolist()
    for i in range(len(table)):
        group: object
        if not keys:
            group = "all"
        elif len(keys) == 1:
            group = _plain(columns[keys[0]][i])
        else:
            group = {k: _plain(columns[k][i]) for k in keys}
        records.append({"group": group, "cases": int(round(cases[i])), "exposure": float(exposure[i]),
                        "rate": _num(rate[i]), "ci_low": _num(low[i]), "ci_high": _num(high[i]), "base": base[i]})
    return records


def severity_mask(outcomes: pd.Series, severity: str) -> np.ndarray:
    """Which cases count under a severity filter: all, fatal, serious, serious_or_fatal, nonfatal."""
    values = outcomes.astype("string").str.lower()
    if severity == "all":
        return np.ones(len(values), dtype=bool)
    if severity == "fatal":
        return (values == "fatal").fillna(False).to_numpy(dtype=bool)
    if severity == "serious":
        return (values == "serious").fillna(False).to_numpy(dtype=bool)
    if severity == "serious_or_fatal":
        return values.isin(["serious", "fatal"]).fillna(False).to_numpy(dtype=bool)
    if severity == "nonfatal":
        return (values != "fatal").fillna(True).to_numpy(dtype=bool)
    raise RateError(f"unknown severity {severity!r}; use one of: {', '.join(SEVERITIES)}")


def build_cube(exposure: pd.DataFrame, cases: pd.DataFrame, by: Sequence[str], severity: str = "all",
               keys: Sequence[str] = ("enterprise_id", "year")) -> pd.DataFrame:
    """Aggregated rows (cases, days_lost, days_unknown, hours, workers) for the slice columns `by`.

    `exposure` has one row per enterprise-year: the keys, `hours`, `workers` and enterprise attributes
    (region, sector, size_band, union, ...). `cases` has one row per case (a victim of an accident) or a
    `cases` count column, the keys, `outcome` (fatal, serious, light) and optionally `days_lost` and case
    attributes (cause, isco08, ...). Enterprise attributes missing from `cases` are taken from `exposure` by
    the keys. Slices by a case attribute get the exposure of the enterprise-level part of the slice.
    A blank `days_lost` is unknown, not zero: `days_lost` sums the known days and `days_unknown` counts the
    cases whose days are unknown.
    """
    by = list(by)
    keys = list(keys)
    _check_columns(exposure, [*keys, "hours", "workers"], "the exposure table")
    _check_columns(cases, keys, "the cases table")
    _check_exposure(exposure, keys)
    if severity != "all":
        _check_columns(cases, ["outcome"], "the cases table")
        cases = cases.loc[severity_mask(cases["outcome"], severity)]
    enterprise_dims = [c for c in by if c in exposure.columns and c not in keys] + [c for c in by if c in keys]
    case_dims = [c for c in by if c not in enterprise_dims]
    _check_columns(cases, case_dims, "the cases table")
    needed = [c for c in enterprise_dims if c not in cases.columns]
    if needed:
        attributes = exposure[[*keys, *needed]].drop_duplicates(keys)
        cases = cases.merge(attributes, on=keys, how="left")
    counts = cases["cases"] if "cases" in cases.columns else pd.Series(1, index=cases.index)
    days = cases["days_lost"] if "days_lost" in cases.columns else pd.Series(0.0, index=cases.index)
    work = pd.DataFrame({c: cases[c] for c in by})
    work["cases"] = pd.to_numeric(counts, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(work["cases"].to_numpy()) | (work["cases"].to_numpy() < 0)
    if bad.any():
        raise RateError(f"the cases table has {int(bad.sum())} row(s) whose case count is missing or negative")
    # Unknown days lost are not zero days: they are left out of the days sums and counted in days_unknown.
    known_days = pd.to_numeric(days, errors="coerce").to_numpy(dtype=float)
    unknown = np.isnan(known_days)
    work["days_unknown"] = np.where(unknown, work["cases"].to_numpy(), 0.0)
    work["days_lost"] = np.where(unknown, 0.0, known_days)
    # Sum of squared days per case (for the severity interval); a row counting c cases is taken as c equal cases.
    work["days_lost_sq"] = work["days_lost"] ** 2 / np.maximum(work["cases"], 1)
    sums = ["cases", "days_lost", "days_lost_sq", "days_unknown"]
    if by:
        case_sums = work.groupby(by, dropna=False, sort=False, observed=True)[sums].sum().reset_index()
    else:
        case_sums = work[sums].sum().to_frame().T
    if enterprise_dims:
        expo = exposure.groupby(enterprise_dims, dropna=False, sort=False, observed=True)[
            ["hours", "workers"]].sum().reset_index()
        # With a case attribute in the slice, only combinations that have cases exist; otherwise every
        # enterprise group with exposure is a row, with zero cases where it had none.
        if case_dims:
            cube = case_sums.merge(expo, on=enterprise_dims, how="left")
        else:
            cube = expo.merge(case_sums, on=enterprise_dims, how="outer")
    else:
        cube = case_sums.assign(hours=float(exposure["hours"].sum()), workers=float(exposure["workers"].sum()))
    for column in ("cases", "days_lost", "days_lost_sq", "days_unknown", "hours", "workers"):
        cube[column] = cube[column].fillna(0.0).astype(float)
    return cube.sort_values(by, na_position="last").reset_index(drop=True) if by else cube


def _check_exposure(exposure: pd.DataFrame, keys: list[str]) -> None:
    """Exposure must be one row per enterprise-year with non-negative hours and workers (no silent sums)."""
    for column in ("hours", "workers"):
        values = pd.to_numeric(exposure[column], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            raise RateError(f"the exposure table has {int(bad.sum())} row(s) whose {column} is missing or negative "
                            f"(first at index {exposure.index[bad.to_numpy()][0]})")
    duplicated = exposure.duplicated(keys)
    if duplicated.any():
        first = exposure.loc[duplicated, keys].iloc[0].tolist()
        raise RateError(f"the exposure table has {int(duplicated.sum())} repeated {'/'.join(keys)} row(s), "
                        f"e.g. {first}")


def rates_table(cases_df: pd.DataFrame, exposure_df: pd.DataFrame, by: str | Sequence[str] | None,
                base: str = "per_1000_workers", severity: str = "all", alpha: float = ALPHA) -> list[dict]:
    """The JSON core of `qorgau incidents rates`: [{group, cases, exposure, rate, ci_low, ci_high, base}]."""
    keys = _as_list(by)
    keys = ["enterprise_id" if k == "enterprise" else k for k in keys]
    cube = build_cube(exposure_df, cases_df, keys, severity)
    return to_records(grouped_rates(cube, keys, base, alpha=alpha), keys)


def severity_rates(frame: pd.DataFrame, by: str | Sequence[str] | None, base: str | Base = "per_1m_hours",
                   alpha: float = ALPHA) -> pd.DataFrame:
    """Days lost per unit of the base, days per case, and a compound-Poisson normal interval.

    Days lost are not Poisson counts, so the interval is rate +/- z * sqrt(sum d^2) x multiplier / exposure,
    the variance of a compound Poisson sum (needs `days_lost_sq`, which `build_cube` provides).
    Cases whose days lost are unknown (`days_unknown`) add no days and are left out of days per case; their
    number is in the output, so a reader sees what the figures rest on.
    """
    from scipy import stats

    b = get_base(base)
    keys = _as_list(by)
    _check_columns(frame, [*keys, "cases", "days_lost", "days_lost_sq", b.denominator], "the table of counts")
    if "days_unknown" not in frame.columns:
        frame = frame.assign(days_unknown=0.0)
    columns = ["cases", "days_lost", "days_lost_sq", "days_unknown", b.denominator]
    sums = frame.groupby(keys, dropna=False, sort=True, observed=True)[columns].sum().reset_index() if keys \
        else frame[columns].sum().to_frame().T
    e = sums[b.denominator].to_numpy(dtype=float)
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(e > 0, b.multiplier / np.where(e > 0, e, 1), np.nan)
        rate = sums["days_lost"].to_numpy(dtype=float) * scale
        half = z * np.sqrt(sums["days_lost_sq"].to_numpy(dtype=float)) * scale
        known = sums["cases"] - sums["days_unknown"]
        per_case = np.where(known > 0, sums["days_lost"] / known.where(known > 0, 1), np.nan)
    out = sums[keys].copy() if keys else pd.DataFrame(index=sums.index)
    out["cases"] = sums["cases"].to_numpy(dtype=float)
    out["days_lost"] = sums["days_lost"].to_numpy(dtype=float)
    out["days_unknown"] = sums["days_unknown"].to_numpy(dtype=float)
    out["exposure"] = e
    out["severity_rate"], out["ci_low"], out["ci_high"] = rate, np.maximum(rate - half, 0), rate + half
    out["days_per_case"] = per_case
    out["base"] = b.name
    return out


def severity_table(cases_df: pd.DataFrame, exposure_df: pd.DataFrame, by: str | Sequence[str] | None,
                   base: str = "per_1m_hours", severity: str = "all", alpha: float = ALPHA) -> list[dict]:
    """Rows {group, cases, days_lost, days_unknown, exposure, severity_rate, ci_low, ci_high, days_per_case, base}:
    days lost per base over the cases whose days are known, and how many cases' days are unknown."""
    keys = ["enterprise_id" if k == "enterprise" else k for k in _as_list(by)]
    table = severity_rates(build_cube(exposure_df, cases_df, keys, severity), keys, base, alpha)
    records = []
    for row in table.to_dict("records"):
        group = (_plain(row[keys[0]]) if len(keys) == 1 else {k: _plain(row[k]) for k in keys}) if keys else "all"
        records.append({"group": group, "cases": int(round(row["cases"])), "days_lost": float(row["days_lost"]),
                        "days_unknown": int(round(row["days_unknown"])), "exposure": float(row["exposure"]),
                        "severity_rate": _num(row["severity_rate"]), "ci_low": _num(row["ci_low"]),
                        "ci_high": _num(row["ci_high"]), "days_per_case": _num(row["days_per_case"]),
                        "base": row["base"]})
    return records


def share(part: int, total: int, method: str = "clopper-pearson", alpha: float = ALPHA) -> dict:
    """A share such as 'accidents at enterprises without a union' with its interval."""
    if total < 0 or part < 0 or part > total:
        raise RateError(f"a share needs 0 <= part <= total, got {part} of {total}")
    low, high = binomial_ci([part], [total], method, alpha)
    value = part / total if total else None
    return {"part": int(part), "total": int(total), "share": value, "ci_low": _num(low[0]),
            "ci_high": _num(high[0]), "method": method}


def shares_table(frame: pd.DataFrame, category: str, by: str | Sequence[str] | None = None,
                 cases_col: str = "cases", method: str = "clopper-pearson", alpha: float = ALPHA) -> pd.DataFrame:
    """Share of cases in each category (e.g. union / no union) within each slice, with intervals."""
    keys = _as_list(by)
    _check_columns(frame, [*keys, category, cases_col], "the table of counts")
    parts = frame.groupby([*keys, category], dropna=False, sort=True, observed=True)[cases_col].sum().reset_index()
    if keys:
        totals = parts.groupby(keys, dropna=False, observed=True)[cases_col].transform("sum")
    else:
        totals = pd.Series(parts[cases_col].sum(), index=parts.index)
    parts = parts.rename(columns={cases_col: "part"})
    parts["total"] = totals.to_numpy(dtype=float)
    low, high = binomial_ci(parts["part"].to_numpy(dtype=float), parts["total"].to_numpy(dtype=float), method, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        parts["share"] = np.where(parts["total"] > 0, parts["part"] / parts["total"].where(parts["total"] > 0, 1),
                                  np.nan)
    parts["ci_low"], parts["ci_high"] = low, high
    parts["method"] = method
    return parts


def standardised_rates(frame: pd.DataFrame, by: str, strata: str, base: str | Base = "per_1000_workers",
                       standard: Mapping[str, float] | None = None, cases_col: str = "cases",
                       alpha: float = ALPHA) -> pd.DataFrame:
    """Directly standardised rates (e.g. regions on the national sector mix) with Fay-Feuer gamma intervals.

    The standard weight of a stratum defaults to its share of the total exposure in `frame` (the national
    structure); `standard` can give other weights. A group without exposure in some stratum is standardised
    over the strata it has, with the weights renormalised; `coverage` is the share of standard weight used.
    """
    b = get_base(base)
    _check_columns(frame, [by, strata, cases_col, b.denominator], "the table of counts")
    cells = frame.groupby([by, strata], dropna=False, sort=True, observed=True)[[cases_col, b.denominator]].sum()
    cells = cells.reset_index()
    if standard is None:
        weights = cells.groupby(strata, observed=True)[b.denominator].sum()
    else:
        weights = pd.Series(dict(standard), dtype=float)
        unknown = sorted(set(cells[strata].dropna().astype(str)) - set(weights.index.astype(str)))
        if unknown:
            raise RateError(f"the standard has no weight for stratum value(s): {', '.join(unknown)}")
    weights = weights / weights.sum()
    rows = []
    for group, part in cells.groupby(by, dropna=False, sort=True, observed=True):
        part = part[part[b.denominator] > 0]
        w_std = weights.reindex(part[strata]).to_numpy(dtype=float)
        w_std = np.nan_to_num(w_std)
        coverage = float(w_std.sum())
        x = part[cases_col].to_numpy(dtype=float)
        e = part[b.denominator].to_numpy(dtype=float)
        total_cases, total_exposure = float(x.sum()), float(e.sum())
        if coverage <= 0:
            value = low = high = np.nan
        else:
            w = w_std / coverage / e * b.multiplier
            value, low, high = gamma_ci(x, w, alpha)
        crude = total_cases / total_exposure * b.multiplier if total_exposure > 0 else np.nan
        rows.append({by: _plain(group[0] if isinstance(group, tuple) else group), "cases": total_cases,
                     "exposure": total_exposure, "crude_rate": crude, "rate": value, "ci_low": low, "ci_high": high,
                     "coverage": coverage, "base": b.name})
    return pd.DataFrame(rows)


def ratio_ci(numerator: int, denominator: int, alpha: float = ALPHA) -> tuple[float, float, float]:
    """Ratio of two Poisson counts (e.g. non-fatal per fatal case) with the exact conditional interval."""
    if numerator < 0 or denominator <= 0:
        raise RateError(f"a ratio needs a non-negative numerator and a positive denominator, got {numerator}:{denominator}")
    low, high = binomial_ci([numerator], [numerator + denominator], "clopper-pearson", alpha)
    def to_ratio(p: float) -> float:
        return p / (1 - p) if p < 1 else float("inf")

    return numerator / denominator, float(to_ratio(low[0])), float(to_ratio(high[0]))
