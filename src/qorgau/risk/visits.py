"""Inspections teach the risk model: every planned visit records its outcome through the violations
capability (each violation found is recorded there, with its severity and whether work was stopped, or the
visit records that nothing was found). The outcomes are labels per enterprise and month, and the backtest of
the plan itself: did the model's picks find more serious violations per visit than the random audit slots?

Serious = gross violations (the Labour Code's "грубое нарушение"). Intervals: each group's rate per visit has
the exact Poisson (Garwood) 95% interval; the difference and the ratio of the two rates have percentile
bootstrap 95% intervals (visits resampled within each group, 2,000 resamples, fixed seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core import audit, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import Conflict, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.deviations import service as deviations
from qorgau.registry import access
from qorgau.risk.models import InspectionItem, InspectionPlan, Visit
from qorgau.risk.states import ACTIVE

PICKED = ("risk", "swap")  # chosen by the model (a swap takes a reserve pick's place)
RANDOM = ("random_audit",)
VISITABLE = (*PICKED, *RANDOM)
RESAMPLES = 2000
OUTCOME_LABELS = {"violations_found": N_("violations found"), "nothing_found": N_("nothing found")}


@dataclass(frozen=True)
class FoundViolation:
    category: str
    severity: str
    description: str
    work_stopped: bool = False
    rule_reference: str = ""
    zone_id: int | None = None


def record_visit(*, session: Session, actor: User, item_id: int, visited_on: date,
                 violations: list[FoundViolation], nothing_found: bool = False,
                 today: date | None = None) -> Visit:
    """Record what a planned visit found: the violations (recorded by the violations capability, in one
    transaction with the visit) or that nothing was found."""

    item = session.get(InspectionItem, item_id)
    if item is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "risk.visit", item.enterprise_id)
    if item.kind not in VISITABLE or item.status not in ACTIVE:
        raise ValidationFailed(N_("Only a planned visit (a pick or a random audit slot still in the plan) has an "
                                  "outcome."), field="item_id")
    if session.execute(select(Visit.id).where(Visit.item_id == item.id)).first() is not None:
        raise Conflict(N_("The outcome of this visit is already recorded."), field="item_id")
    today = today or utcnow().date()
    if visited_on > today:
        raise ValidationFailed(N_("The date of the visit cannot be in the future."), field="visited_on")
    if nothing_found == bool(violations):
        raise ValidationFailed(N_("Record the violations found, or that nothing was found, not both."),
                               field="violations")
    plan = session.get(InspectionPlan, item.plan_id)
    recorded = []
    for number, found in enumerate(violations, start=1):
        try:
            violation_in = deviations.ViolationIn(enterprise_id=item.enterprise_id, zone_id=found.zone_id,
                                       category=found.category, severity=found.severity,
                                       description=found.description, rule_reference=found.rule_reference,
                                       work_stopped=found.work_stopped, found_on=visited_on)
        except PydanticError as error:
            field = ".".join(str(part) for part in error.errors()[0]["loc"]) or "violations"
            raise ValidationFailed(N_("Violation %(n)s: check %(field)s."), field=f"violations.{number - 1}.{field}",
                                   params={"n": number, "field": field}) from None
        violation, _created = deviations.record(session=session, actor=actor, violation_in=violation_in,
                                                source_reference=f"risk-plan-{plan.id}-item-{item.id}",
                                                today=today)
        recorded.append(violation)
    severities = [v.severity for v in recorded]
    visit = Visit(item_id=item.id, plan_id=item.plan_id, enterprise_id=item.enterprise_id, kind=item.kind,
                  visited_on=visited_on, outcome="nothing_found" if nothing_found else "violations_found",
                  gross=severities.count("gross"), significant=severities.count("significant"),
                  minor=severities.count("minor"), work_stopped=any(v.work_stopped for v in recorded),
                  violation_ids=[v.id for v in recorded], recorded_by_id=actor.id)
    session.add(visit)
    session.flush()
    audit.record(session, action="risk.visit", object_type="risk_plan_item", object_id=item.id,
                 after={"outcome": visit.outcome, "gross": visit.gross, "significant": visit.significant,
                        "minor": visit.minor, "work_stopped": visit.work_stopped, "violations": visit.violation_ids})
    return visit


def visits_by_item(*, session: Session, actor: User, plan_id: int) -> dict[int, Visit]:
    """The recorded visits of a plan, by the pick they answer."""
    return {v.item_id: v for v in session.execute(visits_query(session=session, actor=actor, plan_id=plan_id))
            .scalars()}


def item_to_visit(*, session: Session, actor: User, item_id: int) -> InspectionItem:
    """A pick whose visit the caller may record (Forbidden without the permission, NotFound outside scope)."""
    return access.get_scoped(session, actor, InspectionItem, item_id, "risk.visit")


def visits_query(*, session: Session, actor: User, plan_id: int | None = None):
    policy.require(actor, "risk.read")
    query = select(Visit).where(access.scoped(session, actor, Visit.enterprise_id)).order_by(Visit.id)
    return query.where(Visit.plan_id == plan_id) if plan_id is not None else query


def labels(*, session: Session, actor: User | None) -> pd.DataFrame:
    """Training labels: per enterprise and month visited, visits, serious and all violations found, stops.
    `actor=None`: every visit (the training job, which reads the whole platform as the panel does)."""
    if actor is None:
        query = select(Visit.enterprise_id, Visit.visited_on, Visit.gross, Visit.significant, Visit.minor,
                       Visit.work_stopped).where(Visit.kind.in_(VISITABLE))
    else:
        scoped = visits_query(session=session, actor=actor).subquery()
        query = select(scoped.c.enterprise_id, scoped.c.visited_on, scoped.c.gross, scoped.c.significant,
                       scoped.c.minor, scoped.c.work_stopped)
    rows = [{"enterprise_id": v.enterprise_id, "period": str(pd.Period(v.visited_on, freq="M")),
             "visits": 1, "serious": v.gross, "violations": v.gross + v.significant + v.minor,
             "work_stopped": int(v.work_stopped)}
            for v in session.execute(query)]
    columns = ["enterprise_id", "period", "visits", "serious", "violations", "work_stopped"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows).groupby(["enterprise_id", "period"], as_index=False)[columns[2:]].sum()


def _garwood(total: int, visits: int) -> tuple[float | None, float | None]:
    from scipy import stats

    if visits == 0:
        return None, None
    low = stats.chi2.ppf(0.025, 2 * total) / 2 if total > 0 else 0.0
    high = stats.chi2.ppf(0.975, 2 * (total + 1)) / 2
    return float(low) / visits, float(high) / visits


def _group(counts: np.ndarray) -> dict:
    low, high = _garwood(int(counts.sum()), len(counts))
    return {"visits": int(len(counts)), "found": int(counts.sum()),
            "per_visit": float(counts.mean()) if len(counts) else None, "ci_low": low, "ci_high": high}


def compare(picked: list[int], randomly: list[int], *, resamples: int = RESAMPLES, seed: int = 0) -> dict:
    """Serious violations per visit of the model's picks against the random audit slots, with intervals.
    The verdict says 'more' or 'fewer' only when the bootstrap interval of the difference excludes 0."""
    a, b = np.asarray(picked, dtype=float), np.asarray(randomly, dtype=float)
    out = {"picks": _group(a), "random": _group(b), "difference": None, "diff_low": None, "diff_high": None,
           "ratio": None, "ratio_low": None, "ratio_high": None, "verdict": "not_enough",
           "method": "exact Poisson (Garwood) per group; percentile bootstrap for difference and ratio",
           "resamples": resamples, "seed": seed}
    if len(a) < 2 or len(b) < 2:
        return out
    rng = np.random.default_rng(seed)
    means_a = a[rng.integers(0, len(a), (resamples, len(a)))].mean(axis=1)
    means_b = b[rng.integers(0, len(b), (resamples, len(b)))].mean(axis=1)
    diffs = means_a - means_b
    out["difference"] = float(a.mean() - b.mean())
    out["diff_low"], out["diff_high"] = (float(v) for v in np.percentile(diffs, [2.5, 97.5]))
    if b.mean() > 0:
        ratios = means_a[means_b > 0] / means_b[means_b > 0]
        out["ratio"] = float(a.mean() / b.mean())
        if len(ratios):
            out["ratio_low"], out["ratio_high"] = (float(v) for v in np.percentile(ratios, [2.5, 97.5]))
    out["verdict"] = "more" if out["diff_low"] > 0 else "fewer" if out["diff_high"] < 0 else "no_difference"
    return out


VERDICTS = {
    "not_enough": N_("Too few visits recorded to compare: at least two of each kind are needed."),
    "more": N_("The model's picks found more serious violations per visit than the random audit slots."),
    "fewer": N_("The model's picks found fewer serious violations per visit than the random audit slots."),
    "no_difference": N_("No clear difference yet between the model's picks and the random audit slots."),
}


def backtest(*, session: Session, actor: User, plan_id: int | None = None) -> dict:
    """The picks-against-random comparison over the visits in the actor's scope (of one plan, or of all)."""
    visits = list(session.execute(visits_query(session=session, actor=actor, plan_id=plan_id)).scalars())
    picked = [v.gross for v in visits if v.kind in PICKED]
    randomly = [v.gross for v in visits if v.kind in RANDOM]
    result = compare(picked, randomly, seed=plan_id or 0)
    result["any"] = compare([v.gross + v.significant + v.minor for v in visits if v.kind in PICKED],
                            [v.gross + v.significant + v.minor for v in visits if v.kind in RANDOM],
                            seed=plan_id or 0)
    result["stopped"] = sum(1 for v in visits if v.work_stopped)
    return result
