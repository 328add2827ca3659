"""Pages for changing sensors (edit, calibrate, move, deactivate, with their history) and for site plans with
zone outlines; mounted under /monitoring by views.py."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.charts import figure_json
from qorgau.core.deps import get_db, require_user
from qorgau.core.errors import AppError, ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.monitoring import changes, service
from qorgau.registry.maps import outlines
from qorgau.registry.models import Enterprise, Site

router = APIRouter()
STATE_FILL = {"ok": "#2e7d32", "warning": "#ef8f00", "alarm": "#c62828", "stale": "#757575", "idle": "#9e9e9e"}


def location_map(enterprise: Enterprise, label: str, height: int = 320) -> str:
    """The enterprise's region highlighted on the map of Kazakhstan's regions (no site plan uploaded yet)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for kato, (lon, lat) in outlines().items():
        mine = kato == enterprise.region_kato
        figure.add_scatter(x=lon, y=lat, fill="toself", fillcolor="#e0622b" if mine else "#eeeeee", mode="lines",
                           line={"color": "white", "width": 1}, hoverinfo="text" if mine else "skip",
                           text=label if mine else "", showlegend=False)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.5)
    figure.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=height, plot_bgcolor="rgba(0,0,0,0)",
                         paper_bgcolor="rgba(0,0,0,0)")
    return figure_json(figure)


def plan_context(db: Session, user: User, enterprise_id: int) -> dict:
    """Site plans of the enterprise with the polygon points written for SVG."""
    plans = changes.site_plans(session=db, actor=user, enterprise_id=enterprise_id)
    drawn = {site_id: {int(zone): " ".join(f"{x:g},{y:g}" for x, y in points)
                       for zone, points in plan.outlines.items()} for site_id, plan in plans.items()}
    return {"site_plans": plans, "plan_points": drawn, "state_fill": STATE_FILL,
            "can_write": policy.allowed(user, "monitoring.write")}


def _number(text: str, field: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed(N_("Enter a number."), field=field) from None
    if not math.isfinite(value):
        raise ValidationFailed(N_("Enter a number."), field=field)
    return value


def _day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(N_("A date is written YYYY-MM-DD."), field=field) from None


def _sensor_page(request: Request, db: Session, user: User, sensor_id: int, error: AppError | None = None):
    data = changes.history(session=db, actor=user, sensor_id=sensor_id)
    sensor = data["sensor"]
    zones = [z for site in db.get(Enterprise, sensor.enterprise_id).sites for z in site.zones]
    return render(request, "monitoring/sensor.html", {
        **data, "zones": zones, "can_write": policy.allowed(user, "monitoring.write"),
        "datetime_of": lambda ts: datetime.fromtimestamp(ts, UTC),
        "error": _(error.message, **error.params) if error else "", "error_field": error.field if error else None},
        status_code=error.status if error else 200)


@router.get("/sensors/{sensor_id}")
def sensor_page(request: Request, sensor_id: IdPath, user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    return _sensor_page(request, db, user, sensor_id)


def _act(request: Request, db: Session, user: User, sensor_id: int, action) -> Response:
    try:
        action()
        db.commit()
    except AppError as error:
        if error.status in (403, 404):
            raise
        db.rollback()
        return _sensor_page(request, db, user, sensor_id, error=error)
    return RedirectResponse(f"/monitoring/sensors/{sensor_id}", status_code=303)


@router.post("/sensors/{sensor_id}/edit")
def edit_sensor(request: Request, sensor_id: IdPath, label: str = Form("", max_length=200),
                a1: str = Form("", max_length=40), a2: str = Form("", max_length=40),
                silent_after_s: str = Form("300", max_length=40), latching: str = Form("", max_length=5),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        silent = _number(silent_after_s, "silent_after_s")
        changes.update_sensor(session=db, actor=user, sensor_id=sensor_id, changes={
            "label": label, "a1": _number(a1, "a1"), "a2": _number(a2, "a2"),
            "silent_after_s": 300.0 if silent is None else silent, "latching": latching == "1"})

    return _act(request, db, user, sensor_id, action)


@router.post("/sensors/{sensor_id}/calibrations")
def calibrate_sensor(request: Request, sensor_id: IdPath, calibrated_on: str = Form("", max_length=10),
                     reference: str = Form("", max_length=300), performed_by: str = Form("", max_length=200),
                     certificate: str = Form("", max_length=100), next_due_on: str = Form("", max_length=10),
                     note: str = Form("", max_length=2000), user: User = Depends(require_user),
                     db: Session = Depends(get_db)):
    def action():
        day = _day(calibrated_on, "calibrated_on")
        if day is None:
            raise ValidationFailed(N_("Give the date of calibration."), field="calibrated_on")
        changes.record_calibration(session=db, actor=user, sensor_id=sensor_id, calibrated_on=day,
                                   reference=reference, performed_by=performed_by, certificate=certificate,
                                   next_due_on=_day(next_due_on, "next_due_on"), note=note)

    return _act(request, db, user, sensor_id, action)


@router.post("/sensors/{sensor_id}/move")
def move_sensor(request: Request, sensor_id: IdPath, zone_id: int = Form(..., ge=1, le=2_147_483_647),
                reason: str = Form("", max_length=2000), user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    moved = []

    def action():
        moved.append(changes.move_sensor(session=db, actor=user, sensor_id=sensor_id, zone_id=zone_id,
                                         reason=reason))

    response = _act(request, db, user, sensor_id, action)
    for move in moved:
        service.forget_gateways(move.from_zone_id)
        service.forget_gateways(move.to_zone_id)
    return response


@router.post("/sensors/{sensor_id}/deactivate")
def deactivate_sensor(request: Request, sensor_id: IdPath, reason: str = Form("", max_length=2000),
                      user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, sensor_id, lambda: changes.deactivate_sensor(
        session=db, actor=user, sensor_id=sensor_id, reason=reason))


@router.get("/sites/{site_id}/plan")
def site_plan_image(site_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    data = changes.site_plan_image(session=db, actor=user, site_id=site_id)
    media_type = "image/jpeg" if data[:2] == b"\xff\xd8" else "image/png"
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, max-age=300"})


def parse_outlines(text: str) -> dict[int, list[list[float]]]:
    """Lines 'zone id: x,y x,y x,y ...' (an empty outline removes the zone's)."""
    out = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        zone, _sep, points = line.partition(":")
        if not zone.strip().isdigit():
            raise ValidationFailed(N_("Line %(line)s: write the zone number, a colon, then the points x,y."),
                                   field="outlines", params={"line": number})
        out[int(zone)] = changes.parse_outline(points, field="outlines")
    return out


@router.post("/sites/{site_id}/plan")
def save_site_plan(request: Request, site_id: IdPath, image: UploadFile | None = File(None),
                   outlines_text: str = Form("", alias="outlines", max_length=50_000),
                   user: User = Depends(require_user), db: Session = Depends(get_db)):
    """Upload a site plan picture (re-encoded from its pixels) and the outlines of its zones."""
    site = db.get(Site, site_id)
    try:
        content = image.file.read(changes.MAX_PLAN_BYTES + 1) if image is not None and image.filename else None
        changes.save_site_plan(session=db, actor=user, site_id=site_id, image=content,
                               outlines=parse_outlines(outlines_text))
        db.commit()
    except AppError as error:
        if error.status in (403, 404) or site is None:
            raise
        db.rollback()
        from qorgau.monitoring.views import zones_page_context

        context = {**zones_page_context(db, user, site.enterprise_id), "plan_error": _(error.message, **error.params)}
        return render(request, "monitoring/zones.html", context, status_code=error.status)
    return RedirectResponse(f"/monitoring/enterprises/{site.enterprise_id}#site-plans", status_code=303)
