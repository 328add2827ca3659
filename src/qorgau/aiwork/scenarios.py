"""Adoption-speed scenarios: jobs transformed vs jobs at risk of displacement, by sector and year.

Model (all parameters are editable data, returned with every result):

- adoption share of generative AI in sector s in year t follows a logistic curve
  A_s(t) = ceiling_s / (1 + exp(-steepness_s * (t - midpoint_year_s))), the share of the sector's exposed
  work where GenAI is in use by year t (cumulative level, not yearly flow);
- for jobs in ILO class c, `displaced_share[c]` is the share at risk of displacement and
  `transformed_share[c]` the share transformed (augmented) once adoption is complete; the rest unchanged;
- at_risk(t, s, c) = E(s, c) * A_s(t) * displaced_share[c] and
  transformed(t, s, c) = E(s, c) * A_s(t) * transformed_share[c], where E are jobs by sector and class.

The shipped presets (slow / central / fast, data/scenario_*.csv) are the Qorgau team's illustrative
assumptions, not estimates published by the ILO; unscored jobs are left out and counted separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from qorgau.aiwork import reference
from qorgau.aiwork.exposure import CLASSES, UNSCORED, aggregate
from qorgau.core.i18n_markers import N_

SCENARIOS = ("slow", "central", "fast")
SCENARIO_LABELS = {"slow": N_("Slow adoption"), "central": N_("Central adoption"), "fast": N_("Fast adoption")}
DEFAULT_SECTOR = "*"
ASSUMPTION_NOTE = N_("Illustrative assumptions of the Qorgau team, not ILO estimates; edit them to test others.")


class ScenarioError(ValueError):
    """The scenario assumptions are inconsistent (which parameter, which row)."""


@dataclass(frozen=True)
class Assumptions:
    """Editable scenario parameters: adoption curves per sector and effects per ILO class."""

    scenario: str
    start_year: int
    end_year: int
    adoption: pd.DataFrame  # sector, ceiling, midpoint_year, steepness ('*' = any other sector)
    effects: pd.DataFrame  # class, displaced_share, transformed_share
    notes: tuple[str, ...] = field(default=(ASSUMPTION_NOTE,))

    def check(self) -> None:
        """Raise ScenarioError for an impossible parameter."""
        if self.end_year < self.start_year:
            raise ScenarioError(f"end_year {self.end_year} is before start_year {self.start_year}")
        for _, row in self.adoption.iterrows():
            if not 0 <= row["ceiling"] <= 1:
                raise ScenarioError(f"sector {row['sector']}: ceiling {row['ceiling']} is not between 0 and 1")
            if row["steepness"] <= 0:
                raise ScenarioError(f"sector {row['sector']}: steepness {row['steepness']} must be positive")
        missing = set(CLASSES) - set(self.effects["class"])
        if missing:
            raise ScenarioError(f"effects: no row for class {', '.join(sorted(missing))}")
        for _, row in self.effects.iterrows():
            a, t = row["displaced_share"], row["transformed_share"]
            if not (0 <= a <= 1 and 0 <= t <= 1 and a + t <= 1 + 1e-12):
                raise ScenarioError(f"class {row['class']}: displaced_share {a} and transformed_share {t} must be "
                                    "shares between 0 and 1 that add up to at most 1")

    def curve(self, sector: str) -> tuple[float, float, float]:
        """(ceiling, midpoint_year, steepness) for a sector, falling back to the '*' row."""
        rows = self.adoption[self.adoption["sector"] == sector]
        if rows.empty:
            rows = self.adoption[self.adoption["sector"] == DEFAULT_SECTOR]
        if rows.empty:
            raise ScenarioError(f"no adoption curve for sector {sector} and no default ('*') row")
        row = rows.iloc[0]
        return float(row["ceiling"]), float(row["midpoint_year"]), float(row["steepness"])

    def to_dict(self) -> dict:
        """Everything needed to reproduce a result, for display next to it."""
        return {
            "scenario": self.scenario, "start_year": self.start_year, "end_year": self.end_year,
            "adoption_curve": "ceiling / (1 + exp(-steepness * (year - midpoint_year)))",
            "adoption": self.adoption.to_dict(orient="records"),
            "effects": self.effects.to_dict(orient="records"),
            "notes": list(self.notes),
        }


def load_assumptions(scenario: str = "central", *, start_year: int = 2025, end_year: int = 2035) -> Assumptions:
    """A shipped preset (slow, central, fast) as editable frames."""
    if scenario not in SCENARIOS:
        raise ScenarioError(f"scenario must be one of {', '.join(SCENARIOS)}, not {scenario!r}")
    adoption = pd.read_csv(reference.DATA / "scenario_adoption.csv", dtype={"sector": str})
    effects = pd.read_csv(reference.DATA / "scenario_effects.csv", dtype={"class": str})
    adoption = adoption[adoption["scenario"] == scenario].drop(columns="scenario").reset_index(drop=True)
    effects = effects[effects["scenario"] == scenario].drop(columns="scenario").reset_index(drop=True)
    return Assumptions(scenario, start_year, end_year, adoption, effects)


def with_changes(assumptions: Assumptions, *, adoption: dict[str, dict] | None = None,
                 effects: dict[str, dict] | None = None, **fields) -> Assumptions:
    """A copy with some parameters changed, e.g. adoption={"K": {"ceiling": 0.95}}, effects={"4": {...}}."""
    new_adoption = assumptions.adoption.copy()
    for sector, values in (adoption or {}).items():
        if sector not in set(new_adoption["sector"]):
            base = dict(zip(("ceiling", "midpoint_year", "steepness"), assumptions.curve(sector), strict=True))
            new_adoption.loc[len(new_adoption)] = {"sector": sector, **base}
        for key, value in values.items():
            new_adoption.loc[new_adoption["sector"] == sector, key] = value
    new_effects = assumptions.effects.copy()
    for cls, values in (effects or {}).items():
        for key, value in values.items():
            new_effects.loc[new_effects["class"] == cls, key] = value
    changed = replace(assumptions, adoption=new_adoption, effects=new_effects,
                      notes=(*assumptions.notes, "edited"), **fields)
    changed.check()
    return changed


def adoption_share(years: np.ndarray | list[int], ceiling: float | np.ndarray, midpoint: float | np.ndarray,
                   steepness: float | np.ndarray) -> np.ndarray:
    """The logistic adoption curve at the given years (parameters broadcast)."""
    return ceiling / (1.0 + np.exp(-steepness * (np.asarray(years, dtype=float) - midpoint)))


@dataclass(frozen=True)
class ScenarioResult:
    """Per year x sector x class: adoption, jobs, at_risk, transformed; plus yearly totals and assumptions."""

    detail: pd.DataFrame
    totals: pd.DataFrame
    assumptions: dict
    unscored: float

    def to_dict(self) -> dict:
        return {"assumptions": self.assumptions, "unscored_jobs_left_out": self.unscored,
                "totals": self.totals.to_dict(orient="records"), "label": ASSUMPTION_NOTE}


def run(table: pd.DataFrame, assumptions: Assumptions | None = None, *, split: str = "equal") -> ScenarioResult:
    """Run a scenario on a validated employment table (with a `sector` column, or treated as one sector)."""
    assumptions = assumptions or load_assumptions()
    assumptions.check()
    if "sector" in table.columns:
        by_sector = aggregate(table, by=["sector"], split=split)
    else:
        by_sector = aggregate(table, split=split).assign(sector=DEFAULT_SECTOR)
    years = np.arange(assumptions.start_year, assumptions.end_year + 1)
    effects = assumptions.effects.set_index("class").reindex(list(CLASSES))
    displaced = effects["displaced_share"].to_numpy(float)
    transformed = effects["transformed_share"].to_numpy(float)
    jobs = by_sector[list(CLASSES)].to_numpy(float)  # S x C
    curves = np.array([assumptions.curve(s) for s in by_sector["sector"]])  # S x 3
    adoption = adoption_share(years[:, None], curves[None, :, 0], curves[None, :, 1], curves[None, :, 2])  # T x S
    at_risk = adoption[:, :, None] * jobs[None] * displaced[None, None, :]
    changed = adoption[:, :, None] * jobs[None] * transformed[None, None, :]
    t_idx, s_idx, c_idx = np.meshgrid(np.arange(len(years)), np.arange(len(by_sector)), np.arange(len(CLASSES)),
                                      indexing="ij")
    detail = pd.DataFrame({
        "year": years[t_idx.ravel()], "sector": by_sector["sector"].to_numpy()[s_idx.ravel()],
        "class": np.asarray(CLASSES)[c_idx.ravel()], "adoption": adoption[t_idx.ravel(), s_idx.ravel()],
        "jobs": jobs[s_idx.ravel(), c_idx.ravel()], "at_risk": at_risk.ravel(), "transformed": changed.ravel(),
    })
    employed = float(by_sector["employed"].sum())
    totals = detail.groupby("year", as_index=False)[["at_risk", "transformed"]].sum()
    totals["share_at_risk"] = totals["at_risk"] / employed if employed else np.nan
    totals["share_transformed"] = totals["transformed"] / employed if employed else np.nan
    return ScenarioResult(detail, totals, assumptions.to_dict(), float(by_sector[UNSCORED].sum()))


def by_sector(result: ScenarioResult, year: int) -> pd.DataFrame:
    """At-risk and transformed jobs per sector in one year, with the sector's adoption share."""
    rows = result.detail[result.detail["year"] == year]
    grouped = rows.groupby("sector", as_index=False).agg(adoption=("adoption", "first"), jobs=("jobs", "sum"),
                                                        at_risk=("at_risk", "sum"), transformed=("transformed", "sum"))
    return grouped.sort_values("at_risk", ascending=False).reset_index(drop=True)
