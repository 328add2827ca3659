"""Monitoring pages: zones with live values (HTMX polling), zone detail with trend chart, alarm inbox."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from qorgau.core import forms, i18n, policy
from qorgau.core.charts import figure_json
from qorgau.core.deps import get_db, require_user
from qorgau.core.errors import AppError
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.monitoring import limits, sensor_views, service
from qorgau.monitoring.codec import REASONS
from qorgau.monitoring.limits import catalogue_for
from qorgau.monitoring.pages import SEVERITY_TONES, labels, zones_context, zones_page_context
from qorgau.monitoring.substances import KIND_LABELS, KINDS, SOURCES
from qorgau.registry import service as registry

router = APIRouter(prefix="/monitoring")
NAV = [NavItem(N_("Monitoring"), "/monitoring/", "monitoring.read"),
       NavItem(N_("Alarms"), "/monitoring/alarms", "monitoring.read")]


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "monitoring.read"):
        return []
    query = service.alarms_query(session=db, actor=user, state="unacknowledged")
    paged = paginate(db, query, PageParams(1, 5))
    types = labels()["types"]
    items = [PanelItem(f"{a.sensor.code} · {_(types.get(a.alarm_type, a.alarm_type))}",
                       f"/monitoring/alarms/{a.id}", i18n.format_datetime(a.started_at),
                       SEVERITY_TONES.get(a.severity, "")) for a in paged.items]
    return [Panel(title=_("Unacknowledged alarms"), order=25, figure=i18n.format_number(paged.total), items=items,
                  link="/monitoring/alarms", link_label=_("Alarm inbox"), empty=_("No unacknowledged alarms."))]


@router.get("/")
def index(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    rows = service.monitored_enterprises(session=db, actor=user)
    if len(rows) == 1:
        return RedirectResponse(f"/monitoring/enterprises/{rows[0]['enterprise'].id}", status_code=303)
    return render(request, "monitoring/index.html", {"rows": rows})


@router.get("/substances")
def substances(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
               error: str = "", status_code: int = 200):
    """The substance catalogue: effective limits with their sources, and the limits entered on the platform."""
    catalogue = catalogue_for(db)
    rows = [{"substance": s, "limits": {kind: s.limit(kind) for kind in KINDS}} for s in catalogue.values()]
    return render(request, "monitoring/substances.html", {
        "rows": rows, "entered": limits.entered_limits(session=db, actor=user), "kinds": KIND_LABELS,
        "sources": SOURCES, "can_edit": policy.allowed(user, "monitoring.catalogue"), "error": error,
        "units": sorted({s.unit for s in catalogue.values()} | {"ppm", "ppb", "mg/m3"})},
        status_code=status_code)


@router.post("/substances/limits")
def add_limit(request: Request, code: str = Form(..., max_length=32), source: str = Form(..., max_length=16),
              kind: str = Form(..., max_length=16), value: float = Form(..., gt=0, lt=1e9),
              unit: str = Form(..., max_length=16), reference: str = Form("", max_length=300),
              user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        limits.add_limit(session=db, actor=user, code=code, source=source, kind=kind, value=value, unit=unit,
                         reference=reference)
        db.commit()

    return forms.submit(db, action, done=lambda _done: RedirectResponse("/monitoring/substances", status_code=303),
                        again=lambda message, _field: substances(request, user, db, error=message))


@router.post("/substances/limits/{substance_limit_id}/withdraw")
def withdraw_limit(substance_limit_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    limits.withdraw_limit(session=db, actor=user, limit_id=substance_limit_id)
    db.commit()
    return RedirectResponse("/monitoring/substances", status_code=303)


@router.get("/enterprises/{enterprise_id}")
def enterprise_zones(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
                     db: Session = Depends(get_db)):
    return render(request, "monitoring/zones.html", zones_page_context(db, user, enterprise_id))


@router.get("/enterprises/{enterprise_id}/live")
def enterprise_live(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
                    db: Session = Depends(get_db)):
    """The zone tiles alone, for HTMX polling."""
    return render(request, "monitoring/_zone_tiles.html", zones_context(db, user, enterprise_id))


def _chart(data: list[dict]) -> str:
    import plotly.graph_objects as go

    figure = go.Figure()
    for d in data:
        if not d["times"]:
            continue
        label = f"{d['sensor'].label or d['sensor'].quantity} ({d['sensor'].unit})"
        times = [t.astimezone(service.LOCAL).replace(tzinfo=None) for t in d["times"]]  # as the page: Almaty time
        figure.add_trace(go.Scatter(x=times, y=d["mean"], mode="lines", name=label))
        for level, name, dash in (("a1", "A1", "dot"), ("a2", "A2", "dash"), ("stel", "STEL", "longdash")):
            if d[level] is not None:
                figure.add_trace(go.Scatter(x=[times[0], times[-1]], y=[d[level], d[level]], mode="lines",
                                            name=f"{label} {name}", line={"dash": dash, "width": 1}))
    figure.update_layout(margin={"l": 40, "r": 10, "t": 10, "b": 30}, height=360,
                         legend={"orientation": "h", "y": -0.2})
    return figure_json(figure)


def _zone_page(request: Request, db: Session, user: User, zone_id: int, error: str = "", values: dict | None = None,
               status_code: int = 200):
    zone = service.get_zone(session=db, actor=user, zone_id=zone_id)
    sensors = service.sensors_of_zone(db, zone.id)
    statuses = service.sensor_statuses(db, sensors)
    sensor_id = request.query_params.get("sensor")
    chosen = [s for s in sensors if str(s.id) == sensor_id] or sensors
    data = [service.series(session=db, actor=user, sensor_id=s.id) for s in chosen]
    alarms = service.open_zone_alarms(session=db, actor=user, zone_id=zone.id)
    catalogue = catalogue_for(db)
    return render(request, "monitoring/zone.html", {
        "zone": zone, "sensor_rows": statuses, "chart": _chart(data) if any(d["times"] for d in data) else "",
        "alarms": alarms, "people": service.people_in_zone(session=db, actor=user, zone_id=zone.id),
        "can_write": policy.allowed(user, "monitoring.write"), "error": error, "values": values or {},
        "substances": [(code, (f"{s.formula} · " if s.formula else "") + f"{_(s.name)} ({s.unit})") for code, s in catalogue.items()],
        "chosen": sensor_id or "", **labels()}, status_code=status_code)


@router.get("/zones/{zone_id}")
def zone_page(request: Request, zone_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _zone_page(request, db, user, zone_id)


def _float_or_none(text: str, field: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise AppError(N_("Enter a number."), field=field) from None


@router.post("/zones/{zone_id}/sensors")
def register_sensor(request: Request, zone_id: IdPath, code: str = Form("", max_length=200),
                    quantity: str = Form("", max_length=32), label: str = Form("", max_length=200),
                    a1: str = Form("", max_length=40), a2: str = Form("", max_length=40),
                    silent_after_s: str = Form("300", max_length=40), latching: str = Form("", max_length=5),
                    user: User = Depends(require_user), db: Session = Depends(get_db)):
    values = {"code": code, "quantity": quantity, "label": label, "a1": a1, "a2": a2,
              "silent_after_s": silent_after_s, "latching": latching}

    def action():
        if not code.strip():
            raise AppError(N_("Give the sensor's code."), field="code")
        silent = _float_or_none(silent_after_s, "silent_after_s")
        service.register_sensor(session=db, actor=user, zone_id=zone_id, code=code, quantity=quantity, label=label,
                                a1=_float_or_none(a1, "a1"), a2=_float_or_none(a2, "a2"),
                                silent_after_s=300.0 if silent is None else silent, latching=latching == "1")
        db.commit()

    return forms.submit(
        db, action, done=lambda _done: RedirectResponse(f"/monitoring/zones/{zone_id}", status_code=303),
        again=lambda message, field: _zone_page(request, db, user, zone_id, values=values,
                                                error=message + (f" ({field})" if field else "")))


@router.get("/alarms")
def alarm_inbox(request: Request, state: str = Query("open", max_length=16), page: int = Query(1, ge=1, le=100000),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    if state not in ("open", "unacknowledged", "all"):
        state = "open"
    paged = paginate(db, service.alarms_query(session=db, actor=user, state=state), PageParams(page, 50))
    return render(request, "monitoring/alarms.html", {"paged": paged, "state": state,
                                                      "counts": service.open_alarm_counts(session=db, actor=user),
                                                      **labels()})


@router.get("/alarms/{alarm_id}")
def alarm_page(request: Request, alarm_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
               error: str = ""):
    alarm = service.get_alarm(session=db, actor=user, alarm_id=alarm_id)
    return render(request, "monitoring/alarm.html", {
        "alarm": alarm, "can_ack": policy.allowed(user, "monitoring.ack"), "error": error,
        "chart": _chart([service.series(session=db, actor=user, sensor_id=alarm.sensor_id)]),
        **labels()})


@router.post("/alarms/{alarm_id}/acknowledge")
def acknowledge(request: Request, alarm_id: IdPath, note: str = Form("", max_length=2000),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        service.acknowledge(session=db, actor=user, alarm_id=alarm_id, note=note)
        db.commit()

    return forms.submit(db, action, done=lambda _done: RedirectResponse(f"/monitoring/alarms/{alarm_id}", 303),
                        again=lambda message, _field: alarm_page(request, alarm_id, user, db, error=message))


@router.post("/alarms/{alarm_id}/violation")
def raise_violation(request: Request, alarm_id: IdPath, user: User = Depends(require_user),
                    db: Session = Depends(get_db)):
    def action():
        service.raise_violation(session=db, actor=user, alarm_id=alarm_id)
        db.commit()

    return forms.submit(db, action, done=lambda _done: RedirectResponse(f"/monitoring/alarms/{alarm_id}", 303),
                        again=lambda message, _field: alarm_page(request, alarm_id, user, db, error=message))


@router.get("/enterprises/{enterprise_id}/dead-letters")
def dead_letters(request: Request, enterprise_id: IdPath, page: int = Query(1, ge=1, le=100000),
                 user: User = Depends(require_user), db: Session = Depends(get_db)):
    paged = paginate(db, service.dead_letters_query(session=db, actor=user, enterprise_id=enterprise_id),
                     PageParams(page, 50))
    return render(request, "monitoring/dead_letters.html", {"paged": paged, "reasons": REASONS,
                                                            "enterprise": registry.enterprise_by_id(
                                                                session=db, enterprise_id=enterprise_id)})


router.include_router(sensor_views.router)  # sensor changes and site plans, under /monitoring
