"""Risk on the platform's database: the monthly panel (through other packages' services), training, scores
with explanations, inspection plans and the inspectors' decisions on them.

The panel reads other capabilities only through their `counts_for_enterprises(session, start, end)`
service functions, one call per month: incidents (serious or fatal cases, light cases), Worker Speaks
(reports, imminent-danger reports) and deviations (violations, repeat
violations, overdue corrective actions). Registry attributes (sector, region, headcount, union presence)
come from the registry. Scores are advisory: every decision on a plan carries a reason and is audited.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Select, and_, exists, func, insert, not_, select
from sqlalchemy.orm import Session

from qorgau.core import audit, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import Conflict, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.deviations import service as deviations
from qorgau.equipment import service as equipment
from qorgau.incidents import service as incidents
from qorgau.registry import access
from qorgau.registry.models import Enterprise
from qorgau.risk import panel as panel_module
from qorgau.risk import plan as engine
from qorgau.risk.backtest import METHOD_LABELS, BacktestConfig, run_backtest
from qorgau.risk.features import BY_ID, model_frame, rolling
from qorgau.risk.forecaster import RiskModel
from qorgau.risk.models import ACTIONS, InspectionItem, InspectionPlan, ModelRun, PlanDecision, RiskScore
from qorgau.risk.states import DECIDABLE, PICK_MOVES, PickStatus, RunStatus
from qorgau.risk.visit_labels import add_visit_rows
from qorgau.speaks import service as speaks

MIN_TRAINING_CASES = 30  # fewer serious or fatal cases than this: no model, and the pages say so
DEFAULT_MONTHS = 48
DEFAULT_ROUNDS = 60
DEFAULT_TEST_PERIODS = 6
HISTORY_MONTHS = 12  # fitted values kept per enterprise for the history chart
LOOKBACK = 11  # months fetched before the panel's first month so 12-month windows are complete
MAX_REASON = 2000

INSUFFICIENT_TEXT = N_("Only %(cases)s serious or fatal cases are on record from %(first)s to %(last)s; the model "
                       "needs at least %(minimum)s to learn from, so no risk scores are shown rather than "
                       "invented ones.")
ACTION_LABELS = {"accept": N_("Accepted"), "reject": N_("Rejected"), "move": N_("Moved"), "swap": N_("Swapped")}


@dataclass
class DbPanel:
    """The platform's monthly panel and what went into it."""

    panel: panel_module.Panel
    excluded: int  # enterprises without a headcount on record (no exposure to forecast from)
    sources: list[str]


def _month_start(period: pd.Period) -> date:
    return date(period.year, period.month, 1)


def _end_period(end: str | None, today: date | None) -> pd.Period:
    if end:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}", end):
                raise ValueError(end)
            return pd.Period(end, freq="M")
        except (ValueError, TypeError):
            raise ValidationFailed(N_("'%(value)s' is not a month: use YYYY-MM."), field="end",
                                   params={"value": end}) from None
    today = today or utcnow().date()
    return pd.Period(today, freq="M") - 1  # the last complete month


def _monthly(counts, session: Session, months: list[pd.Period], rows: dict[int, int],
             keys: tuple[str, ...], window: int = 1) -> dict[str, np.ndarray]:
    """One service call per month over [month − window + 1, month]: {key: enterprises × months matrix}."""
    out = {key: np.zeros((len(rows), len(months))) for key in keys}
    for column, month in enumerate(months):
        start, end = _month_start(month - (window - 1)), _month_start(month + 1)
        for record in counts(session=session, start=start, end=end):
            row = rows.get(record.get("enterprise_id"))
            if row is None:
                continue
            for key in keys:
                out[key][row, column] = float(record.get(key) or 0)
    return out


def build_db_panel(*, session: Session, months: int = DEFAULT_MONTHS, end: str | None = None,
                   today: date | None = None, outcome_only: bool = False) -> DbPanel:
    """One row per enterprise and month: serious or fatal cases, headcount, sector, region and the features
    (`outcome_only`: the accident registry alone, to count the cases before fetching anything else).
    Equipment age comes from the equipment register (the mean age of the items standing in the month's year);
    an enterprise without a dated item has it blank, never zero."""
    if not 3 <= months <= 240:
        raise ValidationFailed(N_("The panel needs between 3 and 240 months."), field="months")
    last = _end_period(end, today)
    first = last - (months - 1)
    grid = [first - LOOKBACK + i for i in range(months + LOOKBACK)]
    enterprises = session.execute(select(Enterprise.id, Enterprise.sector_code, Enterprise.region_kato,
                                         Enterprise.headcount, Enterprise.has_union)
                                  .order_by(Enterprise.id)).all()
    kept = [e for e in enterprises if (e.headcount or 0) > 0]
    if not kept:
        raise ValidationFailed(N_("No enterprise has a headcount on record: there is nothing to forecast."),
                               field="headcount")
    rows = {e.id: i for i, e in enumerate(kept)}
    accidents = _monthly(incidents.counts_for_enterprises, session, grid, rows, ("cases", "serious_or_fatal"))
    serious = accidents["serious_or_fatal"]
    features = {"light_cases_12m": rolling(accidents["cases"] - serious, 12)}
    sources = ["registry", "incidents"]
    if not outcome_only:
        reports = _monthly(speaks.counts_for_enterprises, session, grid, rows, ("reports", "imminent"))
        features["imminent_reports_3m"] = rolling(reports["imminent"], 3)
        features["reports_12m"] = rolling(reports["reports"], 12)
        sources.append("speaks")
    if not outcome_only:
        found = _monthly(deviations.counts_for_enterprises, session, grid, rows, ("violations", "repeat_violations"))
        features["violations_3m"] = rolling(found["violations"], 3)
        features["violations_12m"] = rolling(found["violations"], 12)
        features["repeat_violations_12m"] = rolling(found["repeat_violations"], 12)
        # A stock, not a flow: corrective actions of the violations found in the 12 months up to m that are
        # past due and unverified at the end of m (the service judges "overdue" as of its window's end).
        features["overdue_violations"] = _monthly(deviations.counts_for_enterprises, session, grid, rows,
                                                  ("overdue_actions",), window=12)["overdue_actions"]
        sources.append("deviations")
    if not outcome_only:
        ages = equipment.mean_age_by_year(session=session, years=sorted({p.year for p in grid}))
        if ages:
            matrix = np.full((len(kept), len(grid)), np.nan)
            for enterprise_id, by_year in ages.items():
                row = rows.get(enterprise_id)
                if row is not None:
                    matrix[row] = [by_year.get(p.year, np.nan) for p in grid]
            features["equipment_age"] = matrix
            sources.append("equipment")
    keep = slice(LOOKBACK, LOOKBACK + months)
    labels = [str(p) for p in grid[keep]]
    n = len(kept)
    frame = {"entity_id": np.repeat([str(e.id) for e in kept], months), "period": np.tile(labels, n),
             "workers": np.repeat([float(e.headcount) for e in kept], months),
             "cases": serious[:, keep].ravel().astype(np.int64),
             "sector": np.repeat([e.sector_code for e in kept], months),
             "region": np.repeat([e.region_kato for e in kept], months),
             "union": np.repeat([1.0 if e.has_union else 0.0 for e in kept], months)}
    for name, matrix in features.items():
        frame[name] = matrix[:, keep].ravel()
    return DbPanel(panel_module.from_frame(pd.DataFrame(frame)), len(enterprises) - len(kept), sources)


# ---------------------------------------------------------------- training and scoring

EQUIPMENT_AGE = "equipment_age"
DECIDING_K = "0.1"  # the model card's headline: capture at the top 10%


def without_feature(panel: panel_module.Panel, feature: str) -> panel_module.Panel:
    """The same panel without one feature column (to backtest the model without it)."""
    return panel_module.Panel(frame=panel.frame.drop(columns=[feature]), periods=panel.periods,
                              features=[f for f in panel.features if f != feature])


def feature_helps(with_feature: dict, without: dict) -> bool:
    """Whether the model with a feature captured more of the tested cases at the top 10% than without it (a tie or
    an undefined capture keeps the simpler model)."""
    def at_k(method: dict) -> float:
        captures = {str(k): v for k, v in method["capture"].items()}
        value = captures.get(DECIDING_K)
        return float(value) if value is not None else math.nan

    gain = at_k(with_feature) - at_k(without)
    return bool(gain > 0)

def _clean(value):
    """JSON-safe: numpy scalars to Python, NaN and infinity to None, keys to strings."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _metrics(result) -> dict:
    methods = {name: {"label": METHOD_LABELS[name], "capture": m["capture"], "precision": m["precision"],
                      "auc_pr": m["auc_pr"], "brier": m["brier"]} for name, m in result.methods.items()}
    return _clean({"ks": list(result.ks), "periods": result.periods, "methods": methods,
                   "calibration": result.calibration, "fairness": result.fairness,
                   "cases_tested": int(result.predictions["y"].sum()),
                   "rows_tested": int(len(result.predictions))})


def _value(raw) -> float | None:
    return None if raw is None or pd.isna(raw) else float(raw)


def _explanation(explanation, frame: pd.DataFrame, row: int, typical_log_workers: float) -> dict:
    """Exposure, base and every feature's contribution to log λ (they add up exactly), largest first.

    `typical_log_workers` (the median log headcount of the month) lets a page word headcount against an
    enterprise of typical size: exposure + base = log(typical · r0) + base + (log w − log typical).
    """
    contributions = explanation.contributions.iloc[row]
    items = []
    for feature, c in sorted(contributions.items(), key=lambda kv: -abs(kv[1])):
        value = _value(frame[feature].iloc[row])
        items.append({"feature": feature, "contribution": float(c), "factor": float(np.exp(c)), "value": value,
                      "shown": engine._shown(feature, value)})
    return {"exposure": float(explanation.exposure[row]), "base": float(explanation.base),
            "typical_log_workers": typical_log_workers,
            "log_lambda": float(explanation.log_lambda[row]), "contributions": items,
            "values": {f: _value(frame[f].iloc[row]) for f in explanation.contributions.columns}}


def train(*, session: Session, actor: User | None, months: int = DEFAULT_MONTHS, rounds: int = DEFAULT_ROUNDS,
          seed: int = 0, min_cases: int = MIN_TRAINING_CASES, test_periods: int = DEFAULT_TEST_PERIODS,
          threads: int = 1, end: str | None = None, today: date | None = None, trained_by: str = "") -> ModelRun:
    """Build the panel, fit and backtest the model, score every enterprise; too few cases: say so, no scores."""
    if actor is not None:
        policy.require(actor, "risk.train")
    if rounds < 1:
        raise ValidationFailed(N_("At least one boosting round is needed."), field="rounds")
    started = time.perf_counter()
    # The cases first (one source): too few, and the other sources are not worth fetching.
    built = build_db_panel(session=session, months=months, end=end, today=today, outcome_only=True)
    panel = built.panel
    frame = model_frame(panel)
    known = frame["target"].notna()
    training_cases = int(frame.loc[known, "target"].sum())
    if training_cases >= min_cases:
        built = build_db_panel(session=session, months=months, end=end, today=today)
        panel = built.panel
        frame = model_frame(panel)
    run = ModelRun(period=panel.periods[-1], first_period=panel.periods[0],
                   enterprises=int(panel.frame["entity_id"].nunique()), excluded_enterprises=built.excluded,
                   cases=int(panel.frame["cases"].sum()), training_cases=training_cases, sources=built.sources,
                   trained_by=trained_by or (actor.username if actor is not None else "system"),
                   params={"months": months, "rounds": rounds, "seed": seed, "min_cases": min_cases,
                           "test_periods": test_periods})
    if training_cases < min_cases:
        run.status = RunStatus.INSUFFICIENT_DATA
        run.message = INSUFFICIENT_TEXT
        run.message_params = {"cases": training_cases, "minimum": min_cases, "first": panel.periods[0],
                              "last": panel.periods[-1]}
        run.seconds = time.perf_counter() - started
        session.add(run)
        session.flush()
        return run
    params = {"num_threads": threads}
    from qorgau.risk import visits

    outcomes = visits.labels(session=session, actor=None)
    _frame, used = add_visit_rows(frame, outcomes, panel.periods)
    outcomes = outcomes if used["used"] else None
    config = BacktestConfig(test_periods=test_periods, rounds=rounds, seed=seed, params=params,
                            min_train_periods=max(3, min(12, len(panel.periods) // 2)))
    try:
        result = run_backtest(panel, config, visit_labels=outcomes)
        # Equipment age stays in the model only where the backtest says it helps (capture at the top 10%).
        equipment_check = None
        if EQUIPMENT_AGE in panel.features:
            reduced = without_feature(panel, EQUIPMENT_AGE)
            other = run_backtest(reduced, config, visit_labels=outcomes)
            kept = feature_helps(result.methods["model"], other.methods["model"])
            equipment_check = {"kept": kept, "with": {"capture": result.methods["model"]["capture"],
                                                      "auc_pr": result.methods["model"]["auc_pr"]},
                               "without": {"capture": other.methods["model"]["capture"],
                                           "auc_pr": other.methods["model"]["auc_pr"]}}
            if not kept:
                panel, result = reduced, other
        run.metrics = _metrics(result)
        run.metrics["visit_labels"] = _clean(used)
        if equipment_check is not None:
            run.metrics["equipment_age"] = _clean(equipment_check)
        if outcomes is not None:  # the same backtest on accident labels alone: what the visits changed
            alone = run_backtest(panel, config)
            run.metrics["visit_labels"]["without"] = _clean(
                {"capture": alone.methods["model"]["capture"], "auc_pr": alone.methods["model"]["auc_pr"]})
    except panel_module.PanelError as error:
        run.metrics = {"error": str(error)}
    forecast = engine.forecast(panel, rounds=rounds, params=params, seed=seed, visit_labels=outcomes)
    model = forecast.model
    run.status = RunStatus.TRAINED
    run.version = model.version
    run.features = list(model.features)
    run.params = {**run.params, "lightgbm": _clean(model.params), "trained_on": model.trained_on}
    run.calibration = _clean(model.calibration)
    run.model_json = json.dumps(model.to_dict(), ensure_ascii=False)
    session.add(run)
    session.flush()
    latest = forecast.scored
    explanation = model.explain(latest)
    typical = float(np.median(np.log(latest["workers"].to_numpy(float))))
    order = np.argsort(-latest["expected_cases"].to_numpy(), kind="stable")
    rank = np.empty(len(latest), np.int64)
    rank[order] = np.arange(1, len(latest) + 1)
    target_period = str(pd.Period(forecast.period, freq="M") + 1)
    rows = [{"run_id": run.id, "enterprise_id": int(latest["entity_id"].iloc[i]), "period": forecast.period,
             "target_period": target_period, "expected_cases": float(latest["expected_cases"].iloc[i]),
             "p_any": float(latest["p_any"].iloc[i]), "observed_cases": None, "rank": int(rank[i]),
             "explanation": _clean(_explanation(explanation, latest, i, typical)), "model_version": model.version}
            for i in range(len(latest))]
    last_index = len(panel.periods) - 1
    history = frame[(frame["period_index"] >= last_index - HISTORY_MONTHS) & (frame["period_index"] < last_index)
                    & known].reset_index(drop=True)
    if len(history):
        fitted = model.predict(history)
        for i in range(len(history)):
            period = str(history["period"].iloc[i])
            rows.append({"run_id": run.id, "enterprise_id": int(history["entity_id"].iloc[i]), "period": period,
                         "target_period": str(pd.Period(period, freq="M") + 1),
                         "expected_cases": float(fitted[i]), "p_any": float(-np.expm1(-fitted[i])),
                         "observed_cases": int(history["target"].iloc[i]), "rank": None, "explanation": {},
                         "model_version": model.version})
    session.execute(insert(RiskScore), rows)
    run.seconds = time.perf_counter() - started
    session.flush()
    return run


def latest_run(*, session: Session) -> ModelRun | None:
    """The newest run, trained or not (its message says why there are no scores)."""
    return session.execute(select(ModelRun).order_by(ModelRun.id.desc()).limit(1)).scalar()


def latest_trained_run(*, session: Session) -> ModelRun | None:
    return session.execute(select(ModelRun).where(ModelRun.status == RunStatus.TRAINED)
                           .order_by(ModelRun.id.desc()).limit(1)).scalar()


def ranked_query(*, session: Session, actor: User, run: ModelRun) -> Select:
    """(RiskScore, Enterprise) of the run's latest month for the enterprises in scope, highest expected first."""
    policy.require(actor, "risk.read")
    return (select(RiskScore, Enterprise).join(Enterprise, Enterprise.id == RiskScore.enterprise_id)
            .where(RiskScore.run_id == run.id, RiskScore.period == run.period,
                   access.scoped(session, actor, RiskScore.enterprise_id))
            .order_by(RiskScore.expected_cases.desc(), RiskScore.enterprise_id))


def top_ranked(*, session: Session, actor: User, run: ModelRun, limit: int = 5) -> list:
    """The first `limit` (RiskScore, Enterprise) rows of `ranked_query`."""
    return list(session.execute(ranked_query(session=session, actor=actor, run=run).limit(limit)).all())


def enterprise_risk(*, session: Session, actor: User, enterprise_id: int) -> dict:
    """An enterprise's latest score, its explanation, its rank in the caller's scope and its history."""
    access.require_enterprise(session, actor, "risk.read", enterprise_id)
    enterprise = session.get(Enterprise, enterprise_id)
    run = latest_trained_run(session=session)
    out = {"enterprise": enterprise, "run": run, "score": None, "history": [], "rank_in_scope": None,
           "in_scope": 0}
    if run is None:
        return out
    scores = list(session.execute(select(RiskScore).where(RiskScore.run_id == run.id, RiskScore.enterprise_id == enterprise_id)
                                  .order_by(RiskScore.period)).scalars())
    out["history"] = [s for s in scores if s.period != run.period]
    out["score"] = next((s for s in scores if s.period == run.period), None)
    in_scope = (select(func.count()).select_from(RiskScore)
                .where(RiskScore.run_id == run.id, RiskScore.period == run.period,
                       access.scoped(session, actor, RiskScore.enterprise_id)))
    out["in_scope"] = session.execute(in_scope).scalar_one()
    if out["score"] is not None:
        out["rank_in_scope"] = 1 + session.execute(in_scope.where(
            (RiskScore.expected_cases > out["score"].expected_cases)
            | and_(RiskScore.expected_cases == out["score"].expected_cases, RiskScore.enterprise_id < enterprise_id))
        ).scalar_one()
    return out


# ---------------------------------------------------------------- inspection plans and decisions

def create_plan(*, session: Session, actor: User, inspectors: int, days: int,
                per_inspector_day: float = engine.DEFAULT_INSPECTIONS_PER_DAY,
                random_share: float = engine.DEFAULT_RANDOM_SHARE, seed: int = 0, title: str = "") -> InspectionPlan:
    """A plan for the enterprises in the caller's scope: risk picks, random audit slots, a reserve list."""
    policy.require(actor, "risk.plan")
    run = latest_trained_run(session=session)
    if run is None:
        raise Conflict(N_("There is no trained risk model yet, so there is nothing to plan from."))
    rows = session.execute(select(RiskScore).where(RiskScore.run_id == run.id, RiskScore.period == run.period,
                                               access.scoped(session, actor, RiskScore.enterprise_id))).scalars().all()
    if not rows:
        raise Conflict(N_("No enterprise in your scope has a risk score."))
    capacity = engine.Capacity(inspectors, days, per_inspector_day)
    if capacity.inspections < 1:
        raise ValidationFailed(N_("This capacity allows no inspection: add inspectors or days."), field="inspectors")
    model = RiskModel.from_json(run.model_json, source=f"run {run.id}")
    scored = pd.DataFrame([{"entity_id": str(s.enterprise_id), "expected_cases": s.expected_cases,
                            **{f: (np.nan if s.explanation["values"].get(f) is None else s.explanation["values"][f])
                               for f in model.features}} for s in rows])
    try:
        drawn = engine.make_plan(scored, capacity, model.explain, period=run.period, model_version=run.version,
                                 random_share=random_share, seed=seed)
    except engine.PlanError as error:
        raise ValidationFailed(str(error), field=error.field) from None
    plan = InspectionPlan(run_id=run.id, title=title.strip(), period=run.period, model_version=run.version,
                inspectors=inspectors, days=days, per_inspector_day=per_inspector_day, random_share=random_share,
                effectiveness=drawn.effectiveness, horizon=drawn.horizon, seed=seed, enterprises_scored=drawn.scored,
                created_by_id=actor.id)
    entries = [*((p, p.kind, PickStatus.PROPOSED) for p in drawn.picks),
               *((p, "reserve", PickStatus.RESERVE) for p in drawn.reserve)]
    for position, (pick, kind, status) in enumerate(entries, start=1):
        data = pick.to_dict()
        plan.items.append(InspectionItem(enterprise_id=int(pick.entity_id), position=position, kind=kind, status=status,
                                   rank=pick.rank, expected_cases=pick.expected_cases, p_any=pick.p_any,
                                   expected_prevented=pick.expected_prevented, reasons=_clean(data["reasons"])))
    session.add(plan)
    session.flush()
    return plan


def _outside(session: Session, actor: User):
    """InspectionItem rows whose enterprise is outside the caller's scope."""
    return not_(access.scoped(session, actor, InspectionItem.enterprise_id))


def plans_query(*, session: Session, actor: User) -> Select:
    """Plans whose every enterprise is inside the caller's scope, newest first."""
    policy.require(actor, "risk.read")
    foreign = exists().where(InspectionItem.plan_id == InspectionPlan.id, _outside(session, actor))
    return select(InspectionPlan).where(~foreign).order_by(InspectionPlan.id.desc())


def may_plan(*, actor: User) -> None:
    """Forbidden unless the actor may make and decide inspection plans."""
    policy.require(actor, "risk.plan")


def recent_plans(*, session: Session, actor: User, limit: int = 100) -> list[InspectionPlan]:
    """The newest plans in the caller's scope."""
    return list(session.execute(plans_query(session=session, actor=actor).limit(limit)).scalars())


def plan_of_item(*, session: Session, actor: User, item_id: int) -> int:
    """The plan id of a pick the caller may read (otherwise: not found)."""
    item = access.get_scoped(session, actor, InspectionItem, item_id, "risk.read")
    return get_plan(session=session, actor=actor, plan_id=item.plan_id).id


def get_plan(*, session: Session, actor: User, plan_id: int) -> InspectionPlan:
    """A plan, if every enterprise in it is inside the caller's scope (otherwise: not found)."""
    policy.require(actor, "risk.read")
    plan = session.get(InspectionPlan, plan_id)
    if plan is None or session.execute(select(InspectionItem.id).where(InspectionItem.plan_id == plan_id,
                                                                 _outside(session, actor)).limit(1)).first():
        raise NotFound(N_("Not found."))
    return plan


def decisions(*, session: Session, actor: User, plan_id: int) -> list[tuple[PlanDecision, User]]:
    get_plan(session=session, actor=actor, plan_id=plan_id)
    return list(session.execute(select(PlanDecision, User).join(User, User.id == PlanDecision.decided_by_id)
                                .where(PlanDecision.plan_id == plan_id).order_by(PlanDecision.id.desc())).all())


def decide(*, session: Session, actor: User, item_id: int, action: str, reason: str,
           position: int | None = None, replacement_item_id: int | None = None) -> PlanDecision:
    """Accept, reject, move or swap a pick, with the inspector's reason; logged and audited."""
    item = session.get(InspectionItem, item_id)
    if item is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "risk.read", item.enterprise_id)
    plan = get_plan(session=session, actor=actor, plan_id=item.plan_id)
    policy.require(actor, "risk.plan")
    if action not in ACTIONS:
        raise ValidationFailed(N_("Choose accept, reject, move or swap."), field="action")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(N_("Give the reason for your decision: it is logged with it."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(N_("The reason is too long."), field="reason")
    if item.status not in DECIDABLE:
        raise ValidationFailed(N_("Only an enterprise in the plan can be decided on; bring a reserve enterprise "
                                  "in by swapping."), field="action")
    before = {"status": item.status, "position": item.position, "kind": item.kind}
    decision = PlanDecision(plan_id=plan.id, item_id=item.id, enterprise_id=item.enterprise_id, action=action,
                        reason=reason, from_position=item.position, decided_by_id=actor.id)
    slots = [i for i in plan.items if i.status in DECIDABLE]
    if action == "accept":
        item.status = PICK_MOVES.move(item.status, PickStatus.ACCEPTED)
    elif action == "reject":
        item.status = PICK_MOVES.move(item.status, PickStatus.REJECTED)
    elif action == "move":
        if position is None or not 1 <= position <= len(slots):
            raise ValidationFailed(N_("Give a position between 1 and %(n)s."), field="position",
                                   params={"n": len(slots)})
        ordered = sorted(slots, key=lambda i: i.position)
        places = [i.position for i in ordered]
        ordered.remove(item)
        ordered.insert(position - 1, item)
        for place, moved in zip(places, ordered, strict=True):
            moved.position = place
    else:
        incoming = session.get(InspectionItem, replacement_item_id) if replacement_item_id else None
        if incoming is None or incoming.plan_id != plan.id or incoming.status != PickStatus.RESERVE:
            raise ValidationFailed(N_("Choose an enterprise from this plan's reserve list."), field="replacement_item_id")
        access.require_enterprise(session, actor, "risk.plan", incoming.enterprise_id)
        item.status = PICK_MOVES.move(item.status, PickStatus.SWAPPED)
        incoming.status, incoming.kind = PICK_MOVES.move(incoming.status, PickStatus.ACCEPTED), "swap"
        item.position, incoming.position = incoming.position, item.position
        decision.replacement_item_id = incoming.id
    decision.to_position = item.position
    session.add(decision)
    session.flush()
    audit.record(session, action=f"risk.{action}", object_type="risk_plan_item", object_id=item.id, before=before,
                 after={"status": item.status, "position": item.position, "kind": item.kind,
                        "replacement_item_id": decision.replacement_item_id}, reason=reason)
    return decision


def history_figure(scores: list[RiskScore]) -> dict:
    """Observed serious or fatal cases and the model's expected count per month (for the chart)."""
    return {"months": [s.target_period for s in scores], "observed": [s.observed_cases for s in scores],
            "expected": [round(s.expected_cases, 5) for s in scores]}


def worded(explanation: dict) -> tuple[float, list[dict]]:
    """For reading: the expected count of a typical-size enterprise with average indicators, and the factors
    that multiply it to the forecast (headcount's exposure effect folded into the headcount factor)."""
    typical = explanation.get("typical_log_workers")
    values = explanation.get("values", {})
    shift = 0.0
    if typical is not None and values.get("workers"):
        shift = math.log(values["workers"]) - typical
    start = math.exp(explanation["exposure"] + explanation["base"] - shift)
    items = []
    for c in explanation.get("contributions", []):
        total = c["contribution"] + (shift if c["feature"] == "workers" else 0.0)
        items.append({**c, "contribution": total, "factor": math.exp(total)})
    items.sort(key=lambda c: -abs(c["contribution"]))
    return start, items


def feature_label(feature: str) -> str:
    return BY_ID[feature].label if feature in BY_ID else feature
