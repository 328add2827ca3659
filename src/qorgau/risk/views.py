"""Risk pages: ranked list with explanations, enterprise detail, inspection plans with decisions, model card."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from qorgau.core import forms, i18n, policy
from qorgau.core.charts import figure_json
from qorgau.core.deps import get_db, require_user
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.registry import service as registry
from qorgau.risk import plan as engine
from qorgau.risk import service, visit_views, visits
from qorgau.risk.backtest import METHOD_LABELS
from qorgau.risk.features import SOURCES, catalogue_records
from qorgau.risk.models import InspectionItem
from qorgau.risk.states import ACTIVE, PickStatus, RunStatus

router = APIRouter(prefix="/risk")
NAV = [NavItem(N_("Risk forecast"), "/risk/", "risk.read")]
MIN_FACTOR = math.log(1.05)  # contributions that change the expected count by less than 5% are not worded
KIND_LABELS = {"risk": N_("Ranked by risk"), "random_audit": N_("Random audit"), "reserve": N_("Reserve"),
               "swap": N_("Inspector's swap")}
STATUS_LABELS = {PickStatus.PROPOSED: N_("Proposed for inspection"), PickStatus.ACCEPTED: N_("Accepted for inspection"),
                 PickStatus.REJECTED: N_("Rejected by the inspector"), PickStatus.SWAPPED: N_("Swapped out"),
                 PickStatus.RESERVE: N_("Reserve")}
FAIRNESS_LABELS = {"union_presence": N_("Union presence"), "size_band": N_("Enterprise size (workers)"),
                   "region": N_("Region"), "sector": N_("Sector")}
GROUP_LABELS = {"union": N_("with a union"), "no_union": N_("without a union")}


def _shown(item: dict) -> str:
    """A feature's value in the reader's number format (the stored `shown` text is English)."""
    value, feature = item.get("value"), item.get("feature", "")
    if value is None or item.get("shown") == engine.NONE_ON_RECORD:
        return _(engine.NONE_ON_RECORD)
    value = float(value)
    if feature.endswith("_ratio"):
        return i18n.format_number(value, 1) + "×"
    if feature.endswith("_share_12m"):
        return i18n.format_percent(value)
    if value.is_integer():
        return i18n.format_number(int(value))
    return i18n.format_number(value, 2 if abs(value) < 100 else 0)


def words(explanation: dict, limit: int = 3) -> list[str]:
    """The largest contributions, in words: what each feature's value does to the expected count."""
    out = []
    if not explanation.get("contributions"):
        return out
    for c in service.worded(explanation)[1]:
        if len(out) == limit:
            break
        if abs(c["contribution"]) < MIN_FACTOR:
            continue
        label = _(service.feature_label(c["feature"]))
        factor = i18n.format_number(c["factor"], 2)
        text = (N_("%(label)s: %(value)s raises the expected count ×%(factor)s") if c["contribution"] > 0
                else N_("%(label)s: %(value)s lowers the expected count ×%(factor)s"))
        out.append(_(text, label=label, value=_shown(c), factor=factor))
    return out


def pick_words(item: InspectionItem, total: int) -> str:
    """Why an enterprise is in the plan: its rank and its reasons, or that it was drawn by lot."""
    head = _(engine.RANK_TEXT, rank=item.rank, total=total)
    if item.kind == "random_audit":
        return f"{_(engine.RANDOM_TEXT)} ({head})"
    reasons = [_(engine.REASON_TEXT, label=_(service.feature_label(r["feature"])), value=_shown(r))
               for r in item.reasons]
    return f"{head}: " + ("; ".join(reasons) if reasons else _(engine.NOTHING_TEXT))


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "risk.read"):
        return []
    run = service.latest_trained_run(session=db)
    if run is None:
        return []
    top = service.top_ranked(session=db, actor=user, run=run, limit=5)
    items = [PanelItem(i18n.localized(e, "name"), f"/risk/enterprises/{e.id}",
                       _("expected %(value)s serious cases", value=i18n.format_number(s.expected_cases, 3)), "warn")
             for s, e in top]
    return [Panel(title=_("Highest forecast risk"), order=40, items=items, link="/risk/",
                  link_label=_("Risk forecast"))]


def run_message(run) -> str:
    if run is None:
        return _("The risk model has not been trained yet; an administrator trains it.")
    if run.status != RunStatus.TRAINED:
        return _(run.message, **run.message_params)
    return ""


@router.get("/")
def ranked(request: Request, page: int = Query(1, ge=1, le=100000), user: User = Depends(require_user),
           db: Session = Depends(get_db)):
    policy.require(user, "risk.read")
    latest = service.latest_run(session=db)
    run = service.latest_trained_run(session=db)
    paged = None
    rows = []
    if run is not None:
        paged = paginate(db, service.ranked_query(session=db, actor=user, run=run), PageParams(page, 50),
                         scalars=False)
        offset = (page - 1) * 50
        rows = [{"rank": offset + i + 1, "score": s, "enterprise": e, "words": words(s.explanation)}
                for i, (s, e) in enumerate(paged.items)]
    return render(request, "risk/ranked.html", {"run": run, "latest": latest, "message": run_message(latest),
                                                "stale": latest is not None and run is not None and latest.id != run.id,
                                                "rows": rows, "paged": paged})


@router.get("/enterprises/{enterprise_id}")
def enterprise_page(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
                    db: Session = Depends(get_db)):
    info = service.enterprise_risk(session=db, actor=user, enterprise_id=enterprise_id)
    score = info["score"]
    contributions, average = [], None
    if score is not None:
        average, items = service.worded(score.explanation)
        contributions = [{**c, "label": service.feature_label(c["feature"]), "shown": _shown(c)}
                         for c in items[:8]]
    figure = service.history_figure(info["history"] + ([score] if score else []))
    return render(request, "risk/enterprise.html", {
        **info, "contributions": contributions, "words": words(score.explanation, 5) if score else [],
        "average": average, "message": run_message(service.latest_run(session=db)),
        "chart": _history_chart(figure)})


def _history_chart(figure: dict) -> str:
    import plotly.graph_objects as go

    chart = go.Figure()
    chart.add_bar(x=figure["months"], y=figure["observed"], name=_("Serious or fatal cases observed"))
    chart.add_scatter(x=figure["months"], y=figure["expected"], mode="lines+markers", name=_("Expected by the model"))
    chart.update_layout(margin={"l": 40, "r": 10, "t": 10, "b": 40}, height=300, legend={"orientation": "h"})
    return figure_json(chart)


@router.get("/plans")
def plans(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return render(request, "risk/plans.html", {"plans": service.recent_plans(session=db, actor=user),
                                               "run": service.latest_trained_run(session=db),
                                               "message": run_message(service.latest_run(session=db)),
                                               "values": {}})


@router.post("/plans")
def create_plan(request: Request, inspectors: int = Form(..., ge=0, le=100000), days: int = Form(..., ge=0, le=366),
                per_inspector_day: float = Form(engine.DEFAULT_INSPECTIONS_PER_DAY, gt=0, le=20),
                random_share: float = Form(engine.DEFAULT_RANDOM_SHARE, ge=0, le=1),
                title: str = Form("", max_length=200), user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    service.may_plan(actor=user)  # refused (403) before the form, as an error page

    def create():
        plan = service.create_plan(session=db, actor=user, inspectors=inspectors, days=days,
                                   per_inspector_day=per_inspector_day, random_share=random_share, title=title)
        db.commit()
        return plan

    def again(message: str, field: str):
        return render(request, "risk/plans.html", {
            "plans": service.recent_plans(session=db, actor=user), "run": service.latest_trained_run(session=db),
            "message": "", "error": message, "error_field": field or None,
            "values": {"inspectors": inspectors, "days": days, "per_inspector_day": per_inspector_day,
                       "random_share": random_share, "title": title}})

    return forms.submit(db, create, done=lambda plan: RedirectResponse(f"/risk/plans/{plan.id}", status_code=303),
                        again=again)


def _plan_context(db: Session, user: User, plan_id: int) -> dict:
    plan = service.get_plan(session=db, actor=user, plan_id=plan_id)
    names = {e.id: e for e in registry.enterprises_by_ids(session=db, ids=[i.enterprise_id for i in plan.items])}
    slots = sorted([i for i in plan.items if i.status != PickStatus.RESERVE], key=lambda i: i.position)
    reserve = sorted([i for i in plan.items if i.status == PickStatus.RESERVE], key=lambda i: i.position)
    active = [i for i in slots if i.status in ACTIVE]
    return {"plan": plan, "slots": slots, "reserve": reserve, "names": names,
            "log": service.decisions(session=db, actor=user, plan_id=plan.id),
            "why": {i.id: pick_words(i, plan.enterprises_scored) for i in plan.items},
            "prevented": sum(i.expected_prevented for i in active), "active": len(active),
            "kinds": KIND_LABELS, "statuses": STATUS_LABELS, "actions": service.ACTION_LABELS,
            "can_decide": policy.allowed(user, "risk.plan"), "can_visit": policy.allowed(user, "risk.visit"),
            "visits": visits.visits_by_item(session=db, actor=user, plan_id=plan.id),
            "comparison": visits.backtest(session=db, actor=user, plan_id=plan.id), "verdicts": visits.VERDICTS,
            "outcomes": visits.OUTCOME_LABELS}


@router.get("/plans/{risk_plan_id}")
def plan_page(request: Request, risk_plan_id: IdPath, user: User = Depends(require_user),
              db: Session = Depends(get_db)):
    return render(request, "risk/plan.html", _plan_context(db, user, risk_plan_id))


@router.post("/items/{risk_item_id}/decide")
def decide(request: Request, risk_item_id: IdPath, action: str = Form(..., max_length=16),
           reason: str = Form("", max_length=5000), position: int | None = Form(None, ge=1, le=100000),
           replacement_item_id: int | None = Form(None, ge=1, le=2_147_483_647),
           user: User = Depends(require_user), db: Session = Depends(get_db)):
    plan_id = service.plan_of_item(session=db, actor=user, item_id=risk_item_id)  # out of scope: 404 page
    service.may_plan(actor=user)

    def decided():
        decision = service.decide(session=db, actor=user, item_id=risk_item_id, action=action, reason=reason,
                                  position=position, replacement_item_id=replacement_item_id)
        db.commit()
        return decision

    return forms.submit(db, decided,
                        done=lambda decision: RedirectResponse(f"/risk/plans/{decision.plan_id}", status_code=303),
                        again=lambda message, field: render(request, "risk/plan.html", {
                            **_plan_context(db, user, plan_id), "error": message, "error_item": risk_item_id}))


@router.get("/model-card")
def model_card(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "risk.read")
    latest = service.latest_run(session=db)
    run = service.latest_trained_run(session=db)
    metrics = run.metrics if run is not None else {}
    methods = metrics.get("methods", {})
    return render(request, "risk/model_card.html", {
        "run": run, "latest": latest, "message": run_message(latest), "metrics": metrics,
        "methods": [(name, METHOD_LABELS[name], methods[name]) for name in METHOD_LABELS if name in methods],
        "methods_by_name": methods,
        "fairness": [(key, FAIRNESS_LABELS[key], metrics.get("fairness", {}).get(key, []))
                     for key in ("union_presence", "size_band", "region") if metrics.get("fairness", {}).get(key)],
        "group_labels": GROUP_LABELS, "sources": SOURCES,
        "features": [(f, service.feature_label(f)) for f in (run.features if run else [])],
        "region_names": {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)},
        "comparison": visits.backtest(session=db, actor=user), "verdicts": visits.VERDICTS})


@router.get("/features")
def features(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "risk.read")
    run = service.latest_trained_run(session=db)
    used = set(run.features) if run is not None else set()
    return render(request, "risk/features.html", {"records": catalogue_records(), "used": used, "run": run})


router.include_router(visit_views.router)  # the visit outcome form, under /risk
