"""Inspection plan: fill inspector capacity with the enterprises where an inspection prevents most harm.

Capacity = inspectors × days × inspections per inspector-day. The default, 0.5 (one programmed
inspection takes two inspector-days with preparation, travel and the act), is an assumption for the
inspectorate to set, not a published norm.

Objective. An inspection is assumed to cut an enterprise's expected serious cases by a fixed share
`effectiveness` over `horizon` periods: expected cases prevented = effectiveness × λ × horizon. The
default 0.09 over 60 months follows Johnson, Levine & Toffel (OSHA randomised inspections: 9% fewer
serious injuries over the next five years); holding λ constant for five years is an approximation.
With one inspection per slot, taking the enterprises with the most expected cases prevented is the
exact optimum. A per-enterprise `effectiveness` column, if given, replaces the constant.

Random audit. A share of the slots (default 10%) goes to enterprises drawn by lot (seeded) from those
not picked by risk, as OSHA's Site-Specific Targeting keeps random samples: they measure what the model
misses, and deter gaming and under-reporting. Each pick carries a plain-words reason from its largest
contributions; decisions (accept, reject, swap for a reserve) are pure functions ready for phase B's log.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from qorgau.core.i18n_markers import N_
from qorgau.risk.features import BY_ID, feature_columns, model_frame
from qorgau.risk.forecaster import DEFAULT_ROUNDS, Explanation, RiskModel, fit
from qorgau.risk.panel import Panel
from qorgau.risk.states import ACTIVE, PICK_MOVES, PickStatus
from qorgau.risk.visit_labels import add_visit_rows

DEFAULT_INSPECTIONS_PER_DAY = 0.5
DEFAULT_RANDOM_SHARE = 0.10
DEFAULT_EFFECTIVENESS = 0.09
DEFAULT_HORIZON = 60
MIN_FACTOR = 1.05  # a reason must raise the expected count by at least 5%
KIND_LABELS = {"risk": N_("Ranked by risk"), "random_audit": N_("Random audit"), "swap": N_("Inspector's swap")}
STATUS_LABELS = {PickStatus.PROPOSED: N_("Proposed for inspection"), PickStatus.ACCEPTED: N_("Accepted for inspection"),
                 PickStatus.REJECTED: N_("Rejected by the inspector"), PickStatus.SWAPPED: N_("Swapped out")}
RANK_TEXT = N_("Risk rank %(rank)s of %(total)s")
RANDOM_TEXT = N_("Random audit: drawn by lot to check the model and the data, not for its risk")
REASON_TEXT = N_("%(label)s: %(value)s")
NOTHING_TEXT = N_("no single factor stands out; the expected count comes from size and the base rate")
NONE_ON_RECORD = N_("none on record")


class PlanError(ValueError):
    """A plan cannot be made or changed as asked; `field` names the input."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


@dataclass(frozen=True)
class Capacity:
    inspectors: int
    days: int
    per_inspector_day: float = DEFAULT_INSPECTIONS_PER_DAY

    @property
    def inspections(self) -> int:
        return int(math.floor(self.inspectors * self.days * self.per_inspector_day + 1e-9))

    def check(self) -> None:
        for name, value in (("inspectors", self.inspectors), ("days", self.days)):
            if value < 0:
                raise PlanError(name, "must not be negative")
        if not self.per_inspector_day > 0:
            raise PlanError("per_inspector_day", "must be above zero")


@dataclass
class Reason:
    feature: str
    label: str  # English message id
    value: float | None
    shown: str
    factor: float  # exp(contribution): how much it multiplies the expected count

    def text(self) -> str:
        return REASON_TEXT % {"label": self.label, "value": self.shown}


@dataclass
class Pick:
    slot: int
    entity_id: str
    kind: str
    rank: int
    expected_cases: float
    p_any: float
    expected_prevented: float
    reasons: list[Reason] = field(default_factory=list)
    explanation: str = ""
    status: PickStatus = PickStatus.PROPOSED

    def to_dict(self) -> dict:
        return {"slot": self.slot, "entity_id": self.entity_id, "kind": self.kind, "rank": self.rank,
                "expected_cases": round(self.expected_cases, 6), "p_any": round(self.p_any, 6),
                "expected_prevented": round(self.expected_prevented, 6), "status": self.status,
                "explanation": self.explanation,
                "reasons": [{"feature": r.feature, "label": r.label, "value": r.value, "shown": r.shown,
                             "factor": round(r.factor, 4)} for r in self.reasons]}


@dataclass
class Plan:
    period: str  # the period the features describe; the plan targets the next one
    model_version: str
    capacity: Capacity
    random_share: float
    effectiveness: float
    horizon: int
    seed: int
    scored: int
    picks: list[Pick]
    reserve: list[Pick]

    @property
    def active(self) -> list[Pick]:
        return [p for p in self.picks if p.status in ACTIVE]

    def to_dict(self) -> dict:
        return {"period": self.period, "model_version": self.model_version,
                "capacity": {"inspectors": self.capacity.inspectors, "days": self.capacity.days,
                             "per_inspector_day": self.capacity.per_inspector_day,
                             "inspections": self.capacity.inspections},
                "random_share": self.random_share, "effectiveness": self.effectiveness, "horizon": self.horizon,
                "seed": self.seed, "enterprises_scored": self.scored,
                "expected_prevented": round(sum(p.expected_prevented for p in self.active), 6),
                "picks": [p.to_dict() for p in self.picks], "reserve": [p.to_dict() for p in self.reserve]}

    def table(self) -> str:
        lines = [f"Plan for the period after {self.period}: {len(self.active)} inspections "
                 f"({self.capacity.inspectors} inspectors × {self.capacity.days} days × "
                 f"{self.capacity.per_inspector_day:g} a day), model {self.model_version}"]
        for p in self.picks:
            lines.append(f"{p.slot:>4}  {p.entity_id:<14} {p.kind:<12} λ={p.expected_cases:.3f}  "
                         f"P(≥1)={p.p_any:.3f}  prevented={p.expected_prevented:.4f}  {p.explanation}")
        lines.append(f"Expected serious cases prevented: {sum(p.expected_prevented for p in self.active):.3f}")
        return "\n".join(lines)


def _shown(feature: str, value: float) -> str:
    if value is None or not np.isfinite(value):
        return NONE_ON_RECORD
    if feature.endswith("_ratio"):
        return f"{value:.1f}×"
    if feature.endswith("_share_12m"):
        return f"{100 * value:.0f}%"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def reasons_for(explanation: Explanation, values: pd.DataFrame, row: int, typical_log_workers: float,
                limit: int = 3) -> list[Reason]:
    """The largest contributions that raise the expected count, with their feature values.

    Headcount acts through the exposure offset as well as the `workers` feature, so its reason weighs
    both, against an enterprise of typical (median) size.
    """
    contributions = explanation.contributions.iloc[row].copy()
    if "workers" in contributions.index:
        contributions["workers"] += np.log(float(values["workers"].iloc[row])) - typical_log_workers
    out = []
    for feature, value in contributions.sort_values(ascending=False).items():
        if len(out) == limit or np.exp(value) < MIN_FACTOR:
            break
        raw = values[feature].iloc[row]
        number = None if pd.isna(raw) else float(raw)
        label = BY_ID[feature].label if feature in BY_ID else feature
        out.append(Reason(feature, label, number, _shown(feature, number), float(np.exp(value))))
    return out


def _explain_text(kind: str, rank: int, total: int, reasons: list[Reason]) -> str:
    head = RANK_TEXT % {"rank": rank, "total": total}
    if kind == "random_audit":
        return f"{RANDOM_TEXT} ({head.lower()})"
    return f"{head}: " + ("; ".join(r.text() for r in reasons) if reasons else NOTHING_TEXT)


def make_plan(scored: pd.DataFrame, capacity: Capacity, explain: Callable[[pd.DataFrame], Explanation], *,
              period: str = "", model_version: str = "", random_share: float = DEFAULT_RANDOM_SHARE,
              effectiveness: float = DEFAULT_EFFECTIVENESS, horizon: int = DEFAULT_HORIZON, seed: int = 0,
              reserve_size: int | None = None) -> Plan:
    """Choose enterprises for the capacity: the most expected cases prevented, plus random audit slots.

    `scored` has one row per enterprise: entity_id, workers, expected_cases, the model's features and,
    optionally, an `effectiveness` column. `explain` (normally `RiskModel.explain`) is called once, on the
    picked and reserve rows only: per-feature contributions cost far more than λ.
    """
    capacity.check()
    if not 0 <= random_share <= 1:
        raise PlanError("random_share", "must be between 0 and 1")
    if not 0 <= effectiveness <= 1:
        raise PlanError("effectiveness", "must be between 0 and 1")
    n = len(scored)
    lam = scored["expected_cases"].to_numpy(float)
    effect = scored["effectiveness"].to_numpy(float) if "effectiveness" in scored.columns else np.full(n, effectiveness)
    prevented = effect * lam * horizon
    order = np.lexsort((scored["entity_id"].to_numpy().astype(str), -prevented))  # ties: by id, reproducibly
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(1, n + 1)
    total = min(capacity.inspections, n)
    n_random = int(math.floor(total * random_share + 0.5))
    n_risk = total - n_random
    chosen = list(order[:n_risk])
    rest = order[n_risk:]
    rng = np.random.default_rng(seed)
    lottery = sorted(rng.choice(rest, size=min(n_random, len(rest)), replace=False).tolist(), key=lambda i: rank[i])
    picked = set(chosen) | set(lottery)
    reserve_size = max(10, n_risk // 5) if reserve_size is None else reserve_size
    reserve_rows = [i for i in order if i not in picked][:reserve_size]
    needed = [*chosen, *lottery, *reserve_rows]
    subset = scored.iloc[needed].reset_index(drop=True)
    explanation = explain(subset) if needed else None
    position = {int(i): j for j, i in enumerate(needed)}
    typical = float(np.median(np.log(scored["workers"].to_numpy(float)))) if n else 0.0

    def pick(slot: int, i: int, kind: str) -> Pick:
        reasons = reasons_for(explanation, subset, position[int(i)], typical)
        return Pick(slot, str(scored["entity_id"].iloc[i]), kind, int(rank[i]), float(lam[i]),
                    float(-np.expm1(-lam[i])), float(prevented[i]), reasons,
                    _explain_text(kind, int(rank[i]), n, reasons))

    picks = [pick(s + 1, i, "risk") for s, i in enumerate(chosen)]
    picks += [pick(len(picks) + s + 1, i, "random_audit") for s, i in enumerate(lottery)]
    reserve = [pick(0, i, "risk") for i in reserve_rows]
    return Plan(period, model_version, capacity, random_share, effectiveness, horizon, seed, n, picks, reserve)


def decide(plan: Plan, entity_id: str, action: str, replacement: str | None = None) -> Plan:
    """Accept, reject or swap one pick (a swap brings in a reserve enterprise); returns a new plan."""
    if action not in ("accept", "reject", "swap"):
        raise PlanError("action", f"must be accept, reject or swap, not {action!r}")
    index = next((i for i, p in enumerate(plan.picks) if p.entity_id == entity_id and p.status != PickStatus.SWAPPED), None)
    if index is None:
        raise PlanError("entity_id", f"{entity_id} is not in the plan")
    picks = list(plan.picks)
    reserve = list(plan.reserve)
    if action == "accept":
        picks[index] = replace(picks[index], status=PICK_MOVES.move(picks[index].status, PickStatus.ACCEPTED))
    elif action == "reject":
        picks[index] = replace(picks[index], status=PICK_MOVES.move(picks[index].status, PickStatus.REJECTED))
    else:
        position = next((i for i, p in enumerate(reserve) if p.entity_id == replacement), None)
        if position is None:
            raise PlanError("replacement", f"{replacement} is not in the reserve list")
        incoming = reserve.pop(position)
        picks[index] = replace(picks[index], status=PICK_MOVES.move(picks[index].status, PickStatus.SWAPPED))
        picks.append(replace(incoming, slot=picks[index].slot, kind="swap", status=PickStatus.ACCEPTED))
    return replace(plan, picks=picks, reserve=reserve)


@dataclass
class Forecast:
    model: RiskModel
    scored: pd.DataFrame  # the enterprises of the last period, with expected_cases and p_any
    period: str


def forecast(panel: Panel, *, rounds: int = DEFAULT_ROUNDS, params: dict | None = None, seed: int = 0,
             visit_labels: pd.DataFrame | None = None) -> Forecast:
    """Fit on every row with a known outcome (and the visit rows, see `visit_labels`) and score the
    enterprises of the panel's last period."""
    frame = model_frame(panel)
    features = feature_columns(panel, frame)
    training, _info = add_visit_rows(frame, visit_labels, panel.periods)
    model = fit(training, features, period_labels=panel.periods, params={**(params or {}), "seed": seed},
                rounds=rounds)
    latest = frame[frame["period_index"] == len(panel.periods) - 1].reset_index(drop=True)
    latest["expected_cases"] = model.predict(latest)
    latest["p_any"] = -np.expm1(-latest["expected_cases"].to_numpy())
    return Forecast(model, latest, panel.periods[-1])
