"""JSON routes of the risk forecast under /api/v1/risk: scores in scope, an enterprise's risk, plans, decisions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from qorgau.core import i18n, policy
from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.i18n import gettext as _
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.types import IdPath
from qorgau.risk import service, views, visits
from qorgau.risk.schemas import (
    DecisionIn,
    DecisionOut,
    EnterpriseRiskOut,
    PlanOut,
    ScoreOut,
    VisitIn,
    VisitOut,
)

router = APIRouter()


def _score(score, enterprise, rank: int) -> dict:
    contributions = [{"feature": c["feature"], "label": _(service.feature_label(c["feature"])), "value": c["value"],
                      "shown": c["shown"], "factor": c["factor"]} for c in score.explanation.get("contributions", [])]
    return {"enterprise_id": enterprise.id, "enterprise": i18n.localized(enterprise, "name"), "period": score.period,
            "target_period": score.target_period, "expected_cases": score.expected_cases, "p_any": score.p_any,
            "rank_in_scope": rank, "model_version": score.model_version,
            "explanation": views.words(score.explanation), "contributions": contributions}


@router.get("/scores", response_model=list[ScoreOut])
def scores(params: PageParams = Depends(page_params), db: Session = Depends(get_db),
           user: User = Depends(require_user)):
    """Enterprises in your scope, highest expected serious or fatal cases next month first, with explanations."""
    run = service.latest_trained_run(session=db)
    if run is None:
        policy.require(user, "risk.read")
        return []
    paged = paginate(db, service.ranked_query(session=db, actor=user, run=run), params, scalars=False)
    return [_score(s, e, params.offset + i + 1) for i, (s, e) in enumerate(paged.items)]


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseRiskOut)
def enterprise(enterprise_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """An enterprise's forecast, its explanation and its monthly history (or why there is no score)."""
    info = service.enterprise_risk(session=db, actor=user, enterprise_id=enterprise_id)
    latest = service.latest_run(session=db)
    score = info["score"]
    return {"enterprise_id": enterprise_id, "status": latest.status if latest else "untrained",
            "message": views.run_message(latest),
            "score": _score(score, info["enterprise"], info["rank_in_scope"]) if score else None,
            "history": [{"month": s.target_period, "expected_cases": s.expected_cases,
                         "observed_cases": s.observed_cases} for s in info["history"]]}


@router.get("/plans/{risk_plan_id}", response_model=PlanOut)
def plan(risk_plan_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """An inspection plan (only when every enterprise in it is inside your scope)."""
    found = service.get_plan(session=db, actor=user, plan_id=risk_plan_id)
    return {**{k: getattr(found, k) for k in ("id", "title", "period", "model_version", "inspectors", "days",
                                              "per_inspector_day", "random_share", "enterprises_scored")},
            "items": [{**{k: getattr(i, k) for k in ("id", "enterprise_id", "position", "kind", "status", "rank",
                                                     "expected_cases", "p_any", "expected_prevented")},
                       "why": views.pick_words(i, found.enterprises_scored)}
                      for i in sorted(found.items, key=lambda i: i.position)]}


@router.post("/items/{risk_item_id}/decision", response_model=DecisionOut, status_code=201)
def decision(risk_item_id: IdPath, body: DecisionIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Accept, reject, move or swap a pick with your reason; logged and audited."""
    made = service.decide(session=db, actor=user, item_id=risk_item_id, action=body.action, reason=body.reason,
                          position=body.position, replacement_item_id=body.replacement_item_id)
    db.commit()
    return {k: getattr(made, k) for k in DecisionOut.model_fields}


@router.post("/items/{risk_item_id}/visit", response_model=VisitOut, status_code=201)
def record_visit(risk_item_id: IdPath, body: VisitIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Record the outcome of a planned visit: the violations found (recorded as violations) or nothing found."""
    found = [visits.FoundViolation(**v.model_dump()) for v in body.violations]
    visit = visits.record_visit(session=db, actor=user, item_id=risk_item_id, visited_on=body.visited_on,
                                violations=found, nothing_found=body.nothing_found)
    db.commit()
    return visit


@router.get("/visits/backtest")
def visits_backtest(plan_id: int | None = Query(None, ge=1, le=2_147_483_647), db: Session = Depends(get_db),
                    user: User = Depends(require_user)) -> dict:
    """Serious (gross) violations per visit: the model's picks against the random audit slots, with exact Poisson
    intervals per group and bootstrap intervals for the difference and the ratio."""
    return visits.backtest(session=db, actor=user, plan_id=plan_id)
