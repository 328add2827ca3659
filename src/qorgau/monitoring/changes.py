"""Sensors and zones change: a sensor is edited, recalibrated (with the calibration record), moved to another
zone of the same enterprise or deactivated, and the history is kept so past readings keep their meaning.

A reading belongs to the zone its sensor was in when it was taken: the `from_zone` of the first move after
the reading, else the sensor's zone now (`zone_intervals`). Alarms already carry the zone they were raised
in. Site plans (an uploaded picture with each zone's outline) let the live view show zones where they are.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from qorgau.core import audit
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.media import clean_photo
from qorgau.core.models import User
from qorgau.monitoring.models import Calibration, Reading, Sensor, SensorMove, SitePlan
from qorgau.registry import access
from qorgau.registry.models import Site, Zone

EDITABLE = ("label", "a1", "a2", "hysteresis", "silent_after_s", "latching")
MAX_PLAN_BYTES = 10 * 1024 * 1024


def _sensor_for_write(session: Session, actor: User, sensor_id: int) -> Sensor:
    sensor = session.get(Sensor, sensor_id)
    if sensor is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.write", sensor.enterprise_id)
    return sensor


def update_sensor(*, session: Session, actor: User, sensor_id: int, changes: dict) -> Sensor:
    """Change a sensor's label, levels, silence timeout or latching (the audit keeps before and after)."""
    sensor = _sensor_for_write(session, actor, sensor_id)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(N_("This field cannot be changed."), field=unknown[0])
    for name, value in changes.items():
        if name in ("a1", "a2", "hysteresis", "silent_after_s") and value is not None and not math.isfinite(value):
            raise ValidationFailed(N_("Enter a number."), field=name)
    if changes.get("silent_after_s") is not None and changes["silent_after_s"] <= 0:
        raise ValidationFailed(N_("Enter a positive number."), field="silent_after_s")
    a1, a2 = changes.get("a1", sensor.a1), changes.get("a2", sensor.a2)
    if a1 is not None and a2 is not None and a1 == a2:
        raise ValidationFailed(N_("The alarm level A2 must be beyond the warning level A1."), field="a2")
    for name, value in changes.items():
        setattr(sensor, name, value.strip() if isinstance(value, str) else value)
    session.flush()
    return sensor


def record_calibration(*, session: Session, actor: User, sensor_id: int, calibrated_on: date, reference: str,
                       performed_by: str, certificate: str = "", next_due_on: date | None = None,
                       note: str = "", today: date | None = None) -> Calibration:
    """Record a calibration: against what reference, by whom, its certificate and when the next one is due."""
    sensor = _sensor_for_write(session, actor, sensor_id)
    today = today or utcnow().date()
    if calibrated_on > today:
        raise ValidationFailed(N_("The date of calibration cannot be in the future."), field="calibrated_on")
    if len(reference.strip()) < 3:
        raise ValidationFailed(N_("Name the reference the sensor was calibrated against (gas, concentration)."),
                               field="reference")
    if len(performed_by.strip()) < 3:
        raise ValidationFailed(N_("Say who calibrated the sensor."), field="performed_by")
    if next_due_on is not None and next_due_on <= calibrated_on:
        raise ValidationFailed(N_("The next calibration is due after this one."), field="next_due_on")
    row = Calibration(sensor_id=sensor.id, calibrated_on=calibrated_on, reference=reference.strip(),
                      performed_by=performed_by.strip(), certificate=certificate.strip(), next_due_on=next_due_on,
                      note=note.strip(), recorded_by_id=actor.id)
    session.add(row)
    session.flush()
    return row


def move_sensor(*, session: Session, actor: User, sensor_id: int, zone_id: int, reason: str,
                at: datetime | None = None) -> SensorMove:
    """Take a sensor to another zone of its enterprise from now on; earlier readings stay in the old zone."""
    sensor = _sensor_for_write(session, actor, sensor_id)
    zone = session.get(Zone, zone_id)
    if zone is None or zone.site.enterprise_id != sensor.enterprise_id:
        raise ValidationFailed(N_("Choose a zone of the same enterprise."), field="zone_id")
    if zone.id == sensor.zone_id:
        raise ValidationFailed(N_("The sensor is already in this zone."), field="zone_id")
    if len(reason.strip()) < 5:
        raise ValidationFailed(N_("Say why the sensor is moved."), field="reason")
    ts = (at or utcnow()).timestamp()
    last = session.execute(select(SensorMove.ts).where(SensorMove.sensor_id == sensor.id)
                           .order_by(SensorMove.ts.desc())).scalar()
    if last is not None and ts <= last:
        raise ValidationFailed(N_("A sensor cannot be moved before its last move."), field="at")
    move = SensorMove(sensor_id=sensor.id, from_zone_id=sensor.zone_id, to_zone_id=zone.id, ts=ts,
                      reason=reason.strip(), moved_by_id=actor.id)
    session.add(move)
    sensor.zone_id = zone.id
    session.flush()
    return move


def deactivate_sensor(*, session: Session, actor: User, sensor_id: int, reason: str) -> Sensor:
    """Stop a sensor (its readings and alarms stay); telemetry from it is refused from then on."""
    sensor = _sensor_for_write(session, actor, sensor_id)
    if not sensor.active:
        raise ValidationFailed(N_("The sensor is already deactivated."), field="active")
    if len(reason.strip()) < 5:
        raise ValidationFailed(N_("Say why the sensor is deactivated."), field="reason")
    sensor.active, sensor.deactivated_reason = False, reason.strip()
    audit.record(session, action="monitoring.sensor.deactivate", object_type="monitoring_sensor",
                 object_id=sensor.id, reason=reason.strip())
    session.flush()
    return sensor


@dataclass(frozen=True)
class Interval:
    zone_id: int
    start: float  # epoch seconds, inclusive (-inf: since the sensor was registered)
    end: float  # exclusive (inf: still there)


def zone_intervals(sensor: Sensor, moves: list[SensorMove]) -> list[Interval]:
    """Where a sensor was, and when, from its moves (oldest first) and its zone now."""
    out, start = [], -math.inf
    for move in sorted(moves, key=lambda m: m.ts):
        out.append(Interval(move.from_zone_id, start, move.ts))
        start = move.ts
    out.append(Interval(sensor.zone_id, start, math.inf))
    return out


def readings_in_zone(*, session: Session, actor: User, zone_id: int, start: float, end: float,
                     limit: int = 100_000) -> list[tuple[int, float, float]]:
    """(sensor id, ts, value) of the readings taken in a zone between `start` and `end` (epoch seconds),
    by every sensor that was there at the time, including sensors moved away since."""
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.read", zone.site.enterprise_id)
    ids = set(session.execute(select(Sensor.id).where(Sensor.zone_id == zone_id)).scalars())
    ids |= set(session.execute(select(SensorMove.sensor_id).where(
        or_(SensorMove.from_zone_id == zone_id, SensorMove.to_zone_id == zone_id))).scalars())
    conditions = []
    for sensor in session.execute(select(Sensor).where(Sensor.id.in_(ids))).scalars():
        moves = list(session.execute(select(SensorMove).where(SensorMove.sensor_id == sensor.id)).scalars())
        for interval in zone_intervals(sensor, moves):
            low, high = max(interval.start, start), min(interval.end, end)
            if interval.zone_id == zone_id and low < high:
                conditions.append(and_(Reading.sensor_id == sensor.id, Reading.ts >= low, Reading.ts < high))
    query = (select(Reading.sensor_id, Reading.ts, Reading.value).where(or_(false(), *conditions))
             .order_by(Reading.ts, Reading.sensor_id).limit(limit))
    return [tuple(row) for row in session.execute(query)]


def history(*, session: Session, actor: User, sensor_id: int) -> dict:
    """A sensor's moves and calibrations, newest first."""
    sensor = session.get(Sensor, sensor_id)
    if sensor is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.read", sensor.enterprise_id)
    moves = list(session.execute(select(SensorMove).where(SensorMove.sensor_id == sensor.id)
                                 .order_by(SensorMove.ts.desc())).scalars())
    calibrations = list(session.execute(select(Calibration).where(Calibration.sensor_id == sensor.id)
                                        .order_by(Calibration.calibrated_on.desc(), Calibration.id.desc())).scalars())
    zone_ids = {m.from_zone_id for m in moves} | {m.to_zone_id for m in moves} | {sensor.zone_id}
    names = dict(session.execute(select(Zone.id, Zone.name).where(Zone.id.in_(zone_ids))).all())
    return {"sensor": sensor, "moves": moves, "calibrations": calibrations, "zone_names": names}


# ---- site plans --------------------------------------------------------------------------------------


def parse_outline(text: str, *, field: str) -> list[list[float]]:
    """'x,y x,y x,y ...' (pixels of the plan) as a polygon of at least three points."""
    points = []
    for number, pair in enumerate(text.split(), start=1):
        try:
            x, y = (float(v) for v in pair.split(","))
        except ValueError:
            raise ValidationFailed(N_("Point %(n)s of the outline is not written x,y."), field=field,
                                   params={"n": number}) from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValidationFailed(N_("Point %(n)s of the outline is not written x,y."), field=field,
                                   params={"n": number})
        points.append([x, y])
    if points and len(points) < 3:
        raise ValidationFailed(N_("An outline needs at least three points."), field=field)
    return points


def save_site_plan(*, session: Session, actor: User, site_id: int, image: bytes | None,
                   outlines: dict[int, list[list[float]]]) -> SitePlan:
    """Upload (or replace) a site's plan picture and set the outlines of its zones (pixels of the picture)."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.write", site.enterprise_id)
    plan = session.get(SitePlan, site.id)
    if image is not None:
        if len(image) > MAX_PLAN_BYTES:
            raise ValidationFailed(N_("The plan picture is larger than 10 MB."), field="image")
        from PIL import Image

        data, _media_type = clean_photo(image)
        with Image.open(io.BytesIO(data)) as picture:
            width, height = picture.size
        if plan is None:
            plan = SitePlan(site_id=site.id, image=data, width=width, height=height, outlines={})
            session.add(plan)
        plan.image, plan.width, plan.height = data, width, height
        plan.uploaded_by_id, plan.uploaded_at = actor.id, utcnow()
    if plan is None:
        raise ValidationFailed(N_("Upload the plan picture first."), field="image")
    zones = {z.id for z in site.zones}
    kept = dict(plan.outlines or {})
    for zone_id, points in outlines.items():
        if zone_id not in zones:
            raise ValidationFailed(N_("Unknown zone."), field=f"outline_{zone_id}")
        for x, y in points:
            if not (0 <= x <= plan.width and 0 <= y <= plan.height):
                raise ValidationFailed(N_("The outline goes outside the picture (%(w)s × %(h)s pixels)."),
                                       field=f"outline_{zone_id}", params={"w": plan.width, "h": plan.height})
        if points:
            kept[str(zone_id)] = points
        else:
            kept.pop(str(zone_id), None)
    plan.outlines = kept
    session.flush()
    return plan


def site_enterprise_id(*, session: Session, site_id: int) -> int:
    """The enterprise a site belongs to (to go back to its page); NotFound when there is no such site."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(N_("Not found."))
    return site.enterprise_id


def site_plans(*, session: Session, actor: User, enterprise_id: int) -> dict[int, SitePlan]:
    """The plans of an enterprise's sites, by site id."""
    access.require_enterprise(session, actor, "monitoring.read", enterprise_id)
    rows = session.execute(select(SitePlan).join(Site, Site.id == SitePlan.site_id)
                           .where(Site.enterprise_id == enterprise_id)).scalars()
    return {plan.site_id: plan for plan in rows}


def site_plan_image(*, session: Session, actor: User, site_id: int) -> bytes:
    site = session.get(Site, site_id)
    plan = session.get(SitePlan, site_id) if site is not None else None
    if plan is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.read", site.enterprise_id)
    return plan.image
