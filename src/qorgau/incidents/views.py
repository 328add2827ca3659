"""Accident registry pages: national dashboard with the map, accidents list, recording, investigation."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from qorgau.core import i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.deps import get_db, require_user
from qorgau.core.errors import AppError
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.incidents import labels, service
from qorgau.incidents.schemas import AccidentIn
from qorgau.registry import service as registry

router = APIRouter(prefix="/incidents")
NAV = [NavItem(N_("Accidents"), "/incidents/", "incidents.stats"),
       NavItem(N_("Accidents"), "/incidents/accidents", "incidents.read")]
GEOJSON = Path(__file__).resolve().parent.parent / "registry" / "data" / "regions.geojson"


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "incidents.read"):
        return []
    overdue = service.overdue_investigations(session=db, actor=user, today=utcnow().date())
    items = [PanelItem(f"#{a.id} · {i18n.format_date(a.occurred_on)} · {_(labels.CATEGORIES[a.category])}",
                       f"/incidents/accidents/{a.id}", _("investigation due %(date)s", date=i18n.format_date(a.investigation_due)),
                       "danger") for a in overdue[:5]]
    return [Panel(title=_("Overdue accident investigations"), order=30, figure=i18n.format_number(len(overdue)),
                  items=items, link="/incidents/accidents", link_label=_("All accidents"))]


@lru_cache(maxsize=1)
def _geojson() -> dict:
    return json.loads(GEOJSON.read_text(encoding="utf-8"))


def _map(rows: list[dict], region_names: dict[str, str]) -> str:
    import plotly.graph_objects as go

    figure = go.Figure(go.Choropleth(
        geojson=_geojson(), featureidkey="properties.KATO", locations=[r["group"] for r in rows],
        z=[r["rate"] for r in rows], colorscale="OrRd", marker_line_color="white",
        text=[region_names.get(r["group"], r["group"]) for r in rows], hovertemplate="%{text}: %{z:.2f}<extra></extra>",
        colorbar={"title": {"text": "‰"}}))
    figure.update_geos(fitbounds="locations", visible=False)
    figure.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=380)
    return figure.to_html(include_plotlyjs=False, full_html=False, config={"displayModeBar": False})


@router.get("/")
def dashboard(request: Request, base: str = Query("per_1000_workers", max_length=20),
              severity: str = Query("all", max_length=20), user: User = Depends(require_user),
              db: Session = Depends(get_db)):
    policy.require(user, "incidents.stats")
    region_names = {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)}
    by_region = service.rates_for(session=db, actor=user, by=["region"], base=base, severity=severity)
    by_union = service.rates_for(session=db, actor=user, by=["union"], base=base, severity=severity)
    by_year = service.rates_for(session=db, actor=user, by=["year"], base=base, severity=severity)
    by_cause = service.rates_for(session=db, actor=user, by=["cause"], base=base, severity=severity)
    league = sorted(by_region, key=lambda r: -(r["rate"] or 0))
    return render(request, "incidents/dashboard.html", {
        "by_region": league, "by_union": by_union, "by_year": by_year, "by_cause": by_cause, "base": base,
        "severity": severity, "base_label": labels.BASE_LABELS.get(base, base),
        "bases": labels.BASE_LABELS, "severities": labels.SEVERITY_FILTERS, "region_names": region_names,
        "causes": labels.CAUSES, "map": _map(by_region, region_names) if by_region else ""})


@router.get("/accidents")
def accidents(request: Request, year: int | None = Query(None, ge=1990, le=2100),
              page: int = Query(1, ge=1, le=100000), user: User = Depends(require_user), db: Session = Depends(get_db)):
    paged = paginate(db, service.accidents_query(session=db, actor=user, year=year), PageParams(page, 30))
    names = {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(
        session=db, ids=[a.enterprise_id for a in paged.items])}
    return render(request, "incidents/accidents.html", {"paged": paged, "names": names, "year": year or "",
                                                         "categories": labels.CATEGORIES, "today": utcnow().date(),
                                                         "summary": service.summary})


@router.get("/accidents/new")
def new_accident(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "incidents.write")
    return render(request, "incidents/accident_form.html", {"values": {}, "causes": labels.CAUSES})


@router.post("/accidents/new")
async def create_accident(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    form = await request.form()
    values = {k: str(v) for k, v in form.items()}
    victims = []
    for outcome in ("fatal", "serious", "light"):
        count = values.get(f"victims_{outcome}", "0")
        victims += [{"outcome": outcome}] * (int(count) if count.isdigit() else 0)
    try:
        accident_in = AccidentIn.model_validate({
            "enterprise_id": int(values.get("enterprise_id", "0") or 0),
            "occurred_on": date.fromisoformat(values.get("occurred_on", "")) if values.get("occurred_on") else None,
            "description": values.get("description", ""), "cause": values.get("cause", "unknown"),
            "source": "employer" if user.role == "employer_safety_manager" else "union_inspector",
            "victims": victims}, strict=False)
        accident = service.record(session=db, actor=user, accident_in=accident_in)
        db.commit()
    except (ValidationError, ValueError) as error:
        message = _("Give the enterprise, the date and at least one victim.")
        if isinstance(error, ValidationError):
            message += f" ({error.errors()[0]['loc'][0]})"
        return render(request, "incidents/accident_form.html", {"values": values, "causes": labels.CAUSES,
                                                                 "error": message}, status_code=422)
    except AppError as error:
        db.rollback()
        return render(request, "incidents/accident_form.html", {"values": values, "causes": labels.CAUSES,
                                                                 "error": _(error.message)}, status_code=error.status)
    return RedirectResponse(f"/incidents/accidents/{accident.id}", status_code=303)


@router.get("/accidents/{accident_id}")
def accident_page(request: Request, accident_id: IdPath, user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    accident = service.get(session=db, actor=user, accident_id=accident_id)
    return render(request, "incidents/accident.html", {
        "a": accident, "enterprise": registry.enterprise_by_id(session=db, enterprise_id=accident.enterprise_id),
        "categories": labels.CATEGORIES, "commissions": labels.COMMISSION_LEVELS, "causes": labels.CAUSES,
        "outcomes": labels.OUTCOMES, "today": utcnow().date(), "can_write": policy.allowed(user, "incidents.write")})


@router.post("/accidents/{accident_id}/act")
def record_act(accident_id: IdPath, act_on: date = Form(...), employer_fault_percent: int = Form(..., ge=0, le=100),
               worker_fault_percent: int = Form(0, ge=0, le=100), dissent: str = Form("", max_length=5000),
               user: User = Depends(require_user), db: Session = Depends(get_db)):
    service.close_investigation(session=db, actor=user, accident_id=accident_id, act_on=act_on,
                                employer_fault_percent=employer_fault_percent,
                                worker_fault_percent=worker_fault_percent, dissent=dissent)
    db.commit()
    return RedirectResponse(f"/incidents/accidents/{accident_id}", status_code=303)


@router.get("/under-reporting")
def under_reporting(request: Request, year: int = Query(0, ge=0, le=2100), user: User = Depends(require_user),
                    db: Session = Depends(get_db)):
    year = year or utcnow().year - 1
    result = service.under_reporting(session=db, actor=user, year=year)
    return render(request, "incidents/under_reporting.html", {"r": result, "year": year})
