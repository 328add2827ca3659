"""What the monitoring pages show beside a record: labels and tones, the live zone tiles, site plans and the
location map. Shared by views.py and sensor_views.py, so neither imports the other."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qorgau.core import i18n, policy
from qorgau.core.charts import figure_json
from qorgau.core.models import User
from qorgau.monitoring import alarms as alarm_model
from qorgau.monitoring import changes, service
from qorgau.monitoring.limits import catalogue_for
from qorgau.monitoring.states import STATUS_LABELS, UNACKNOWLEDGED_STATUSES
from qorgau.registry import service as registry
from qorgau.registry.maps import outlines
from qorgau.registry.models import Enterprise

LEVEL_TONES = {"ok": "ok", "warning": "warn", "alarm": "danger", "stale": "", "idle": ""}
SEVERITY_TONES = {"CRITICAL": "danger", "MAJOR": "danger", "MINOR": "warn", "WARNING": "warn", "INDETERMINATE": ""}
STATE_FILL = {"ok": "#2e7d32", "warning": "#ef8f00", "alarm": "#c62828", "stale": "#757575", "idle": "#9e9e9e"}
LIVE_REFRESH_S = 5


def labels() -> dict:
    return {"states": service.ZONE_STATES, "tones": LEVEL_TONES, "severity_tones": SEVERITY_TONES,
            "types": alarm_model.ALARM_TYPES, "statuses": STATUS_LABELS, "unacknowledged": UNACKNOWLEDGED_STATUSES,
            "events": alarm_model.EVENT_LABELS,
            "severities": {s.name: label for s, label in alarm_model.SEVERITY_LABELS.items()}}


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


def zones_context(db: Session, user: User, enterprise_id: int) -> dict:
    """The zone tiles (zone_overview checks the reader's scope before the enterprise is shown)."""
    return {"zones": service.zone_overview(session=db, actor=user, enterprise_id=enterprise_id),
            "enterprise": registry.enterprise_by_id(session=db, enterprise_id=enterprise_id),
            "refresh_s": LIVE_REFRESH_S, "catalogue": catalogue_for(db), **labels(),
            **plan_context(db, user, enterprise_id)}


def zones_page_context(db: Session, user: User, enterprise_id: int) -> dict:
    """The live page: zone tiles, site plans, and the enterprise's region on the map when no plan is uploaded."""
    context = zones_context(db, user, enterprise_id)
    enterprise = context["enterprise"]
    if not context["site_plans"]:
        context["location_map"] = location_map(enterprise, f"{i18n.localized(enterprise, 'name')}, "
                                                           f"{enterprise.town}")
    return context
