"""The feature catalogue and strictly-past features per enterprise and month.

Two steps, both leak-free by construction (a value at month t uses only data dated in or before t):

- `build_panel` turns the platform's long-format records (accidents, violations, Worker Speaks reports,
  monitoring events, inspections, the registry) into a panel: one row per enterprise and month with
  `entity_id, period, workers, cases, sector, region` and the event features of the catalogue.
- `model_frame` adds the case-history features (lags, rolling counts, shrunk own rate, sector and
  region base rates) to any panel, from the platform or an analyst's file, and the target: the next
  period's cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from qorgau.core.i18n_markers import N_
from qorgau.risk import shrinkage
from qorgau.risk.panel import CellProblem, Panel, PanelError

LOOKBACK = 60  # months of history before `start` that still count (months-since features cap here)
PRIOR_CASES = 0.5  # half a case of prior weight keeps a sector with no cases yet above zero


@dataclass(frozen=True)
class Feature:
    """One catalogue entry: what a feature means, where it comes from and how it is computed."""

    id: str
    label: str  # English message id
    description: str  # English message id
    source: str  # key of SOURCES
    computation: str  # formula notation, language-neutral
    direction: str  # key of DIRECTIONS
    history: bool = False  # computed by model_frame from the panel's cases, not by build_panel


SOURCES = {
    "incidents": N_("Accident registry"),
    "deviations": N_("Violations and corrective actions"),
    "speaks": N_("Worker Speaks"),
    "monitoring": N_("Hazardous-zone monitoring"),
    "registry": N_("Enterprise registry"),
    "equipment": N_("Equipment register"),
}
DIRECTIONS = {
    "up": N_("More means higher expected risk"),
    "down": N_("More means lower expected risk"),
    "either": N_("Either way: more can mean more hazards or more honest reporting"),
}

CATALOGUE: tuple[Feature, ...] = (
    Feature("serious_cases_1m", N_("Serious or fatal cases, last month"),
            N_("Serious or fatal cases in the month just ended: the outcome's own lag."),
            "incidents", "cases[t]", "up", True),
    Feature("serious_cases_3m", N_("Serious or fatal cases, last 3 months"),
            N_("Serious or fatal cases in the last 3 months."), "incidents", "Σ cases[t-2..t]", "up", True),
    Feature("serious_cases_12m", N_("Serious or fatal cases, last 12 months"),
            N_("Serious or fatal cases in the last 12 months."), "incidents", "Σ cases[t-11..t]", "up", True),
    Feature("months_since_serious", N_("Months since the last serious or fatal case"),
            N_("Months since the last serious or fatal case; empty when none is on record."),
            "incidents", "t − max{s ≤ t : cases[s] > 0}", "down", True),
    Feature("own_rate_eb", N_("Own serious-case rate, shrunk to the sector rate"),
            N_("Serious or fatal cases per 1,000 workers a month over the last 12 months, pulled towards the "
               "sector rate the more, the less exposure the enterprise has (empirical-Bayes gamma-Poisson)."),
            "incidents", "1000 · (α_t + Σ cases[t-11..t]) / (α_t / sector_rate + Σ workers[t-11..t])", "up", True),
    Feature("sector_rate", N_("Sector rate"),
            N_("Serious or fatal cases per 1,000 workers a month in the enterprise's sector, over all months up "
               "to this one."), "incidents", "1000 · (Σ_sector cases[≤t] + 0.5) / (Σ_sector workers[≤t] + 0.5 / national_rate)",
            "up", True),
    Feature("sector_rate_ratio", N_("Sector rate relative to national"),
            N_("The sector rate divided by the national rate over the same months."),
            "incidents", "sector_rate[t] / national_rate[t]", "up", True),
    Feature("region_rate_ratio", N_("Region rate relative to national"),
            N_("The region's serious-case rate divided by the national rate over the same months."),
            "incidents", "region_rate[t] / national_rate[t]", "up", True),
    Feature("workers", N_("Headcount"),
            N_("Workers at the enterprise this month; also the exposure the forecast is proportional to."),
            "registry", "workers[t]", "up", True),
    Feature("light_cases_12m", N_("Light accidents, last 12 months"),
            N_("Accidents with light injuries in the last 12 months."), "incidents",
            "count(accidents: severity = light, month ∈ t-11..t)", "up"),
    Feature("violations_3m", N_("Violations found, last 3 months"),
            N_("All violations recorded by technical inspectors in the last 3 months."), "deviations",
            "count(violations: found ∈ t-2..t)", "either"),
    Feature("violations_12m", N_("Violations found, last 12 months"),
            N_("All violations recorded by technical inspectors in the last 12 months."), "deviations",
            "count(violations: found ∈ t-11..t)", "either"),
    Feature("gross_violations_3m", N_("Gross violations, last 3 months"),
            N_("Violations of gross severity found in the last 3 months."), "deviations",
            "count(violations: severity = gross, found ∈ t-2..t)", "up"),
    Feature("gross_violations_12m", N_("Gross violations, last 12 months"),
            N_("Violations of gross severity found in the last 12 months."), "deviations",
            "count(violations: severity = gross, found ∈ t-11..t)", "up"),
    Feature("significant_violations_3m", N_("Significant violations, last 3 months"),
            N_("Violations of significant severity found in the last 3 months."), "deviations",
            "count(violations: severity = significant, found ∈ t-2..t)", "up"),
    Feature("overdue_violations", N_("Overdue violations"),
            N_("Violations still open after their due date at the end of the month."), "deviations",
            "count(violations: due < end(t) < closed or open)", "up"),
    Feature("overdue_gross", N_("Overdue gross violations"),
            N_("Gross violations still open after their due date at the end of the month."), "deviations",
            "count(violations: severity = gross, due < end(t) < closed or open)", "up"),
    Feature("repeat_violations_12m", N_("Repeat violations, last 12 months"),
            N_("Violations flagged as repeats (same zone and category again) found in the last 12 months."),
            "deviations", "count(violations: repeat, found ∈ t-11..t)", "up"),
    Feature("closure_days_12m", N_("Mean days to close a violation, last 12 months"),
            N_("Mean days from finding to verified closure for violations closed in the last 12 months; "
               "empty when none was closed."), "deviations", "mean(closed − found : closed ∈ t-11..t)", "up"),
    Feature("on_time_share_12m", N_("Share of violations closed on time, last 12 months"),
            N_("Of the violations closed in the last 12 months, the share closed by their due date; empty "
               "when none was closed."), "deviations", "mean(closed ≤ due : closed ∈ t-11..t)", "down"),
    Feature("imminent_reports_3m", N_("Imminent-danger reports, last 3 months"),
            N_("Worker Speaks reports triaged as imminent danger to life in the last 3 months."), "speaks",
            "count(reports: urgency = imminent, received ∈ t-2..t)", "up"),
    Feature("high_reports_3m", N_("High-urgency reports, last 3 months"),
            N_("Worker Speaks reports triaged as high urgency in the last 3 months."), "speaks",
            "count(reports: urgency = high, received ∈ t-2..t)", "up"),
    Feature("reports_12m", N_("Worker reports, last 12 months"),
            N_("All Worker Speaks reports about the enterprise in the last 12 months."), "speaks",
            "count(reports: received ∈ t-11..t)", "either"),
    Feature("alarms_3m", N_("Monitoring alarms, last 3 months"),
            N_("Alarms raised by sensors in the enterprise's hazardous zones in the last 3 months."),
            "monitoring", "count(monitoring: kind = alarm, month ∈ t-2..t)", "up"),
    Feature("exceedances_3m", N_("Exposure-limit exceedances, last 3 months"),
            N_("Ceiling, STEL or TWA-8h exceedances computed from sensor readings in the last 3 months."),
            "monitoring", "count(monitoring: kind = exceedance, month ∈ t-2..t)", "up"),
    Feature("inspectors_per_100", N_("Technical inspectors per 100 workers"),
            N_("Union technical labour safety inspectors at the enterprise per 100 workers."), "deviations",
            "100 · technical_inspectors / workers[t]", "down"),
    Feature("months_since_inspection", N_("Months since the last inspection"),
            N_("Months since the last state or union inspection visit (at most 60); empty when none is on "
               "record."), "deviations", "min(60, t − month(last inspection ≤ t))", "up"),
    Feature("union", N_("Union presence"),
            N_("1 when the enterprise has a primary trade union organisation, otherwise 0."), "registry",
            "has_union", "either"),
    Feature("equipment_age", N_("Equipment age, years"),
            N_("Mean age of the enterprise's registered equipment standing in the month's year (year minus "
               "commissioning year); empty when no item has a known commissioning year. Kept in the model only "
               "when the backtest with it captures more cases than without it."), "equipment",
            "mean(year(t) − commissioned_year : items commissioned ≤ year(t), not decommissioned)", "up"),
)
BY_ID = {f.id: f for f in CATALOGUE}
HISTORY_FEATURES = [f.id for f in CATALOGUE if f.history]
EVENT_FEATURES = [f.id for f in CATALOGUE if not f.history]
RESERVED = {"period_index", "target", *HISTORY_FEATURES}


def catalogue_records() -> list[dict]:
    """The catalogue as plain dicts (English message ids; translate label, description, source, direction)."""
    return [{"id": f.id, "label": f.label, "description": f.description, "source": SOURCES[f.source],
             "computation": f.computation, "direction": DIRECTIONS[f.direction], "history": f.history}
            for f in CATALOGUE]


# ---------------------------------------------------------------- build_panel: records -> panel

def _require(frame: pd.DataFrame, table: str, columns: tuple[str, ...], problems: list[CellProblem]) -> bool:
    missing = [c for c in columns if c not in frame.columns]
    for column in missing:
        problems.append(CellProblem(0, f"{table}.{column}", N_("The required column is missing.")))
    return not missing


class _Grid:
    """Months from `start − LOOKBACK` to `end` as columns, enterprises as rows."""

    def __init__(self, ids: pd.Index, start: pd.Period, end: pd.Period):
        self.ids = ids
        self.first = start.ordinal - LOOKBACK
        self.columns = end.ordinal - self.first + 1
        self.end = end

    def rows(self, table: str, frame: pd.DataFrame, problems: list[CellProblem]) -> np.ndarray:
        codes = self.ids.get_indexer(frame["entity_id"].astype(str))
        for i in np.flatnonzero(codes < 0)[:20]:
            problems.append(CellProblem(int(i) + 1, f"{table}.entity_id",
                                        N_("Enterprise %(value)s is not in the enterprise list."),
                                        {"value": str(frame["entity_id"].iloc[i])}))
        return codes

    def months(self, table: str, column: str, values: pd.Series, problems: list[CellProblem],
               required: bool = True) -> np.ndarray:
        """Grid column of each date (clamped at 0; −1 when after `end`; −2 when blank)."""
        stamps = pd.to_datetime(values, errors="coerce")
        bad = stamps.isna().to_numpy() & values.notna().to_numpy() & (values.astype(str).str.strip() != "").to_numpy()
        if required:
            bad |= stamps.isna().to_numpy()
        for i in np.flatnonzero(bad)[:20]:
            problems.append(CellProblem(int(i) + 1, f"{table}.{column}", N_("'%(value)s' is not a date."),
                                        {"value": str(values.iloc[i])}))
        ordinal = (stamps.dt.year * 12 + stamps.dt.month - 1 - (1970 * 12)).to_numpy(np.float64, na_value=np.nan)
        out = np.where(np.isnan(ordinal), -2, np.clip(ordinal - self.first, 0, None)).astype(np.int64)
        out[(out >= self.columns)] = -1
        return out

    def count(self, rows: np.ndarray, months: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        keep = (rows >= 0) & (months >= 0)
        if mask is not None:
            keep &= mask
        matrix = np.zeros((len(self.ids), self.columns))
        np.add.at(matrix, (rows[keep], months[keep]), 1.0)
        return matrix


def rolling(matrix: np.ndarray, window: int) -> np.ndarray:
    """Sum over the last `window` columns up to and including each column."""
    total = np.concatenate([np.zeros((matrix.shape[0], 1)), np.cumsum(matrix, axis=1)], axis=1)
    right = np.arange(1, matrix.shape[1] + 1)
    return total[:, right] - total[:, np.maximum(right - window, 0)]


def _months_since(events: np.ndarray, cap: float | None = None) -> np.ndarray:
    """Columns since the last column with an event (NaN when none), optionally capped."""
    index = np.where(events > 0, np.arange(events.shape[1]), -1)
    last = np.maximum.accumulate(index, axis=1)
    since = np.where(last >= 0, np.arange(events.shape[1]) - last, np.nan).astype(float)
    return np.minimum(since, cap) if cap is not None else since


def _choice(table: str, column: str, values: pd.Series, allowed: tuple[str, ...],
            problems: list[CellProblem]) -> np.ndarray:
    text = values.astype(str).str.strip().str.lower().to_numpy()
    for i in np.flatnonzero(~np.isin(text, allowed))[:20]:
        problems.append(CellProblem(int(i) + 1, f"{table}.{column}", N_("'%(value)s' is not one of: %(allowed)s."),
                                    {"value": str(values.iloc[i]), "allowed": ", ".join(allowed)}))
    return text


def build_panel(*, enterprises: pd.DataFrame, start: str, end: str, accidents: pd.DataFrame | None = None,
                violations: pd.DataFrame | None = None, reports: pd.DataFrame | None = None,
                monitoring: pd.DataFrame | None = None, inspections: pd.DataFrame | None = None,
                headcount: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per enterprise and month in [start, end] with cases and the catalogue's event features.

    Inputs (long format, one row per record; dates as date, datetime or ISO text):
    - enterprises: entity_id, sector, region, workers, union (0/1); optional equipment_age,
      technical_inspectors.
    - headcount: entity_id, period (YYYY-MM), workers: monthly headcount, carried forward.
    - accidents: entity_id, occurred_on, severity (light / serious / fatal), one row per injured worker.
    - violations: entity_id, found_on, severity (gross / significant / minor), due_on, closed_on
      (blank while open); optional repeat (0/1).
    - reports: entity_id, received_on, urgency (imminent / high / normal / low).
    - monitoring: entity_id, occurred_on, kind (alarm / exceedance).
    - inspections: entity_id, inspected_on (state or union inspection visits).
    """
    problems: list[CellProblem] = []
    _require(enterprises, "enterprises", ("entity_id", "sector", "region", "workers", "union"), problems)
    if problems:
        raise PanelError(problems)
    bounds = {}
    for name, value in (("start", start), ("end", end)):
        try:
            bounds[name] = pd.Period(value, freq="M")
        except (ValueError, TypeError):
            problems.append(CellProblem(0, name, N_("'%(value)s' is not a period: use whole numbers or months as YYYY-MM."),
                                        {"value": str(value)}))
    if problems:
        raise PanelError(problems)
    start_p, end_p = bounds["start"], bounds["end"]
    if end_p < start_p:
        raise PanelError([CellProblem(0, "end", N_("The end month is before the start month."))])
    ids = pd.Index(enterprises["entity_id"].astype(str))
    if ids.has_duplicates:
        for i in np.flatnonzero(ids.duplicated())[:20]:
            problems.append(CellProblem(int(i) + 1, "enterprises.entity_id",
                                        N_("Enterprise %(value)s is listed twice."), {"value": ids[i]}))
        raise PanelError(problems)
    grid = _Grid(ids, start_p, end_p)
    n, g = len(ids), grid.columns
    base_workers = pd.to_numeric(enterprises["workers"], errors="coerce").to_numpy(np.float64)
    for i in np.flatnonzero(~(base_workers > 0))[:20]:
        problems.append(CellProblem(int(i) + 1, "enterprises.workers",
                                    N_("'%(value)s' workers: the headcount must be above zero."),
                                    {"value": str(enterprises["workers"].iloc[i])}))
    workers = np.full((n, g), np.nan)
    if headcount is not None and _require(headcount, "headcount", ("entity_id", "period", "workers"), problems):
        rows = grid.rows("headcount", headcount, problems)
        months = grid.months("headcount", "period", headcount["period"].astype(str), problems)
        values = pd.to_numeric(headcount["workers"], errors="coerce").to_numpy(np.float64)
        keep = (rows >= 0) & (months >= 0) & (values > 0)
        workers[rows[keep], months[keep]] = values[keep]
    workers = pd.DataFrame(workers).ffill(axis=1).to_numpy()
    workers = np.where(np.isnan(workers), base_workers[:, None], workers)
    features: dict[str, np.ndarray] = {}
    cases = np.zeros((n, g))
    if accidents is not None and _require(accidents, "accidents", ("entity_id", "occurred_on", "severity"), problems):
        rows = grid.rows("accidents", accidents, problems)
        months = grid.months("accidents", "occurred_on", accidents["occurred_on"], problems)
        severity = _choice("accidents", "severity", accidents["severity"], ("light", "serious", "fatal"), problems)
        cases = grid.count(rows, months, np.isin(severity, ("serious", "fatal")))
        features["light_cases_12m"] = rolling(grid.count(rows, months, severity == "light"), 12)
    if violations is not None and _require(violations, "violations",
                                           ("entity_id", "found_on", "severity", "due_on", "closed_on"), problems):
        _violation_features(grid, violations, problems, features)
    if reports is not None and _require(reports, "reports", ("entity_id", "received_on", "urgency"), problems):
        rows = grid.rows("reports", reports, problems)
        months = grid.months("reports", "received_on", reports["received_on"], problems)
        urgency = _choice("reports", "urgency", reports["urgency"], ("imminent", "high", "normal", "low"), problems)
        features["imminent_reports_3m"] = rolling(grid.count(rows, months, urgency == "imminent"), 3)
        features["high_reports_3m"] = rolling(grid.count(rows, months, urgency == "high"), 3)
        features["reports_12m"] = rolling(grid.count(rows, months), 12)
    if monitoring is not None and _require(monitoring, "monitoring", ("entity_id", "occurred_on", "kind"), problems):
        rows = grid.rows("monitoring", monitoring, problems)
        months = grid.months("monitoring", "occurred_on", monitoring["occurred_on"], problems)
        kind = _choice("monitoring", "kind", monitoring["kind"], ("alarm", "exceedance"), problems)
        features["alarms_3m"] = rolling(grid.count(rows, months, kind == "alarm"), 3)
        features["exceedances_3m"] = rolling(grid.count(rows, months, kind == "exceedance"), 3)
    if inspections is not None and _require(inspections, "inspections", ("entity_id", "inspected_on"), problems):
        rows = grid.rows("inspections", inspections, problems)
        months = grid.months("inspections", "inspected_on", inspections["inspected_on"], problems)
        features["months_since_inspection"] = _months_since(grid.count(rows, months), cap=LOOKBACK)
    if problems:
        raise PanelError(problems)
    static = {"union": pd.to_numeric(enterprises["union"], errors="coerce").fillna(0).to_numpy(float)}
    if "equipment_age" in enterprises.columns:
        static["equipment_age"] = pd.to_numeric(enterprises["equipment_age"], errors="coerce").to_numpy(float)
    if "technical_inspectors" in enterprises.columns:
        inspectors = pd.to_numeric(enterprises["technical_inspectors"], errors="coerce").to_numpy(float)
        features["inspectors_per_100"] = 100.0 * inspectors[:, None] / workers
    keep = slice(LOOKBACK, g)
    periods = pd.period_range(start_p, end_p, freq="M").strftime("%Y-%m").to_numpy()
    out = {"entity_id": np.repeat(ids.to_numpy(), len(periods)), "period": np.tile(periods, n),
           "workers": workers[:, keep].ravel(), "cases": cases[:, keep].ravel().astype(np.int64),
           "sector": np.repeat(enterprises["sector"].astype(str).to_numpy(), len(periods)),
           "region": np.repeat(enterprises["region"].astype(str).to_numpy(), len(periods))}
    for name, values in static.items():
        out[name] = np.repeat(values, len(periods))
    for name in EVENT_FEATURES:
        if name in features:
            out[name] = features[name][:, keep].ravel()
    return pd.DataFrame(out)


def _violation_features(grid: _Grid, violations: pd.DataFrame, problems: list[CellProblem],
                        features: dict[str, np.ndarray]) -> None:
    rows = grid.rows("violations", violations, problems)
    found = grid.months("violations", "found_on", violations["found_on"], problems)
    severity = _choice("violations", "severity", violations["severity"], ("gross", "significant", "minor"), problems)
    features["violations_3m"] = rolling(grid.count(rows, found), 3)
    features["violations_12m"] = rolling(grid.count(rows, found), 12)
    gross = grid.count(rows, found, severity == "gross")
    features["gross_violations_3m"] = rolling(gross, 3)
    features["gross_violations_12m"] = rolling(gross, 12)
    features["significant_violations_3m"] = rolling(grid.count(rows, found, severity == "significant"), 3)
    repeat = pd.to_numeric(violations.get("repeat", pd.Series(0, index=violations.index)), errors="coerce")
    features["repeat_violations_12m"] = rolling(grid.count(rows, found, repeat.fillna(0).to_numpy() > 0), 12)
    grid.months("violations", "due_on", violations["due_on"], problems, required=False)  # reports bad dates
    due = pd.to_datetime(violations["due_on"], errors="coerce")
    closed = pd.to_datetime(violations["closed_on"], errors="coerce")
    found_on = pd.to_datetime(violations["found_on"], errors="coerce")
    # Overdue at the end of month m: due before the month's last day and not closed by it.
    month_end = lambda stamps: stamps.dt.to_period("M").dt.end_time.dt.normalize()  # noqa: E731
    first_overdue = grid.months("violations", "due_on", due.where(due < month_end(due), due + pd.DateOffset(months=1)),
                                problems, required=False)
    cleared = grid.months("violations", "closed_on", violations["closed_on"], problems, required=False)
    n, g = len(grid.ids), grid.columns
    stop = np.where(cleared == -2, g, np.where(cleared == -1, g, cleared))
    begin = np.where(first_overdue < 0, g, first_overdue)
    valid = (rows >= 0) & (begin < stop)
    for name, mask in (("overdue_violations", valid), ("overdue_gross", valid & (severity == "gross"))):
        diff = np.zeros((n, g + 1))
        np.add.at(diff, (rows[mask], begin[mask]), 1.0)
        np.add.at(diff, (rows[mask], stop[mask]), -1.0)
        features[name] = np.cumsum(diff, axis=1)[:, :g]
    closed_month = np.where(cleared >= 0, cleared, -1)
    days = (closed - found_on).dt.days.to_numpy(np.float64, na_value=np.nan)
    on_time = (closed <= due).to_numpy() & due.notna().to_numpy()
    done = (rows >= 0) & (closed_month >= 0) & ~np.isnan(days)
    count, total, timely = np.zeros((n, g)), np.zeros((n, g)), np.zeros((n, g))
    np.add.at(count, (rows[done], closed_month[done]), 1.0)
    np.add.at(total, (rows[done], closed_month[done]), days[done])
    np.add.at(timely, (rows[done], closed_month[done]), on_time[done].astype(float))
    closed_12 = rolling(count, 12)
    with np.errstate(invalid="ignore", divide="ignore"):
        features["closure_days_12m"] = np.where(closed_12 > 0, rolling(total, 12) / closed_12, np.nan)
        features["on_time_share_12m"] = np.where(closed_12 > 0, rolling(timely, 12) / closed_12, np.nan)


# ---------------------------------------------------------------- model_frame: panel -> features + target

def _group_rate(frame: pd.DataFrame, column: str, t: np.ndarray, national: np.ndarray) -> np.ndarray:
    """Each row's group rate per worker-period over all periods up to its own, with a light prior."""
    codes, groups = pd.factorize(frame[column])
    shape = (len(groups), len(national))
    c, w = np.zeros(shape), np.zeros(shape)
    np.add.at(c, (codes, t), frame["cases"].to_numpy(np.float64))
    np.add.at(w, (codes, t), frame["workers"].to_numpy(np.float64))
    c, w = np.cumsum(c, axis=1), np.cumsum(w, axis=1)
    return ((c + PRIOR_CASES) / (w + PRIOR_CASES / national[None, :]))[codes, t]


def model_frame(panel: Panel) -> pd.DataFrame:
    """The panel with case-history features and `target` (next period's cases; NaN when unknown)."""
    clash = [c for c in panel.features if c in RESERVED]
    if clash:
        raise PanelError([CellProblem(1, c, N_("This column is computed from the case history: rename or drop it."))
                          for c in clash])
    frame = panel.frame
    codes, _ = pd.factorize(frame["entity_id"])
    t = frame["period_index"].to_numpy()
    n, p = codes.max() + 1, len(panel.periods)
    cases, workers = np.zeros((n, p)), np.zeros((n, p))
    present = np.zeros((n, p), bool)
    cases[codes, t] = frame["cases"].to_numpy(np.float64)
    workers[codes, t] = frame["workers"].to_numpy(np.float64)
    present[codes, t] = True
    out = frame.copy()
    out["serious_cases_1m"] = cases[codes, t]
    out["serious_cases_3m"] = rolling(cases, 3)[codes, t]
    cases_12, workers_12 = rolling(cases, 12), rolling(workers, 12)
    out["serious_cases_12m"] = cases_12[codes, t]
    out["months_since_serious"] = _months_since(cases)[codes, t]
    cum_cases, cum_workers = np.cumsum(cases.sum(axis=0)), np.cumsum(workers.sum(axis=0))
    national = (cum_cases + PRIOR_CASES) / np.maximum(cum_workers, 1.0)
    prior = _group_rate(frame, "sector", t, national) if "sector" in frame.columns else national[t]
    out["sector_rate"] = 1000.0 * prior
    out["sector_rate_ratio"] = prior / national[t]
    if "region" in frame.columns:
        out["region_rate_ratio"] = _group_rate(frame, "region", t, national) / national[t]
    y, exposure = cases_12[codes, t], workers_12[codes, t]
    alpha = np.ones(p)
    for period in range(p):  # α from that period's enterprises only: no look-ahead
        at = t == period
        alpha[period] = shrinkage.moment_alpha(y[at], prior[at] * exposure[at])
    out["own_rate_eb"] = 1000.0 * shrinkage.posterior_rate(y, exposure, prior, alpha[t])
    nxt = np.minimum(t + 1, p - 1)
    known = (t + 1 < p) & present[codes, nxt]
    out["target"] = np.where(known, cases[codes, nxt], np.nan)
    return out


def feature_columns(panel: Panel, frame: pd.DataFrame) -> list[str]:
    """Model inputs: the panel's own numeric features and the history features present."""
    return list(panel.features) + [f for f in HISTORY_FEATURES if f in frame.columns]
