"""JSON routes of monitoring under /api/v1/monitoring: gateway ingest, presence, zones, alarms."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from qorgau.core.deps import get_db, require_scope, require_user, writer
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.types import IdPath
from qorgau.monitoring import changes, service
from qorgau.monitoring.schemas import (
    AcknowledgeIn,
    AlarmOut,
    CalibrationIn,
    CalibrationOut,
    DeactivateIn,
    IngestOut,
    MoveIn,
    MoveOut,
    PresenceIn,
    PresenceOut,
    SensorIn,
    SensorOut,
    SensorUpdateIn,
    ZoneOut,
    ZoneReading,
)

router = APIRouter()
MAX_BODY = 4 * 1024 * 1024
BinPath = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="The enterprise's BIN (12 digits)")]
SensorCodePath = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[^/+#\s]+$",
                                     description="The sensor's code, as registered")]
RAW_BODY = {"requestBody": {"required": True, "description": "A reading, a batch (JSON) or a binary QGB1 batch: "
                                                             "docs/monitoring/mqtt.md",
                            "content": {"application/json": {"schema": {}},
                                        "application/octet-stream": {"schema": {"type": "string",
                                                                                "format": "binary"}}}}}


def telemetry_user(request: Request, user: User = Depends(require_user)) -> User:
    """The caller of a telemetry route: an API token needs the telemetry scope."""
    require_scope(request, "telemetry")
    return user


def reader(request: Request, user: User = Depends(require_user)) -> User:
    """The caller of a read route: an API token needs the read (or write) scope, so a gateway's
    telemetry token cannot read what it sends."""
    require_scope(request, "read")
    return user


async def raw_body(request: Request) -> bytes:
    """The request body, refused beyond 4 MiB without reading the rest."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ValidationFailed(N_("The payload is larger than 4 MiB."), field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def _commit_ingest(db: Session, zone_id: int) -> None:
    """Commit a gateway batch; if that fails, the zone's rule state is dropped so the retry counts."""
    try:
        db.commit()
    except Exception:
        service.forget_gateways(zone_id)
        raise


@router.post("/ingest/{enterprise_bin}/{zone_id}/readings", response_model=IngestOut, openapi_extra=RAW_BODY)
def ingest_zone(enterprise_bin: BinPath, zone_id: IdPath, user: User = Depends(telemetry_user),
                db: Session = Depends(get_db), payload: bytes = Depends(raw_body)):
    """A gateway's batch for sensors of one zone (the MQTT zone topic's payloads); bad rows become dead letters."""
    out = service.ingest_http(session=db, actor=user, enterprise_bin=enterprise_bin, zone_id=zone_id, payload=payload)
    _commit_ingest(db, zone_id)
    return out


@router.post("/ingest/{enterprise_bin}/{zone_id}/{sensor_code}/readings", response_model=IngestOut,
             openapi_extra=RAW_BODY)
def ingest_sensor(enterprise_bin: BinPath, zone_id: IdPath, sensor_code: SensorCodePath,
                  user: User = Depends(telemetry_user), db: Session = Depends(get_db),
                  payload: bytes = Depends(raw_body)):
    """One sensor's reading or batch (the MQTT sensor topic's payloads)."""
    out = service.ingest_http(session=db, actor=user, enterprise_bin=enterprise_bin, zone_id=zone_id,
                              sensor_code=sensor_code, payload=payload)
    _commit_ingest(db, zone_id)
    return out


@router.post("/presence/{enterprise_bin}/{zone_id}", response_model=PresenceOut)
def presence(enterprise_bin: BinPath, zone_id: IdPath, body: PresenceIn, user: User = Depends(telemetry_user),
             db: Session = Depends(get_db)):
    """Badge entries and exits of a zone (badge codes only, no names)."""
    out = service.record_presence(session=db, actor=user, enterprise_bin=enterprise_bin, zone_id=zone_id,
                                  events=[e.model_dump() for e in body.events])
    db.commit()
    return out


def _sensor_out(status: service.SensorStatus) -> dict:
    s = status.sensor
    return {"id": s.id, "code": s.code, "enterprise_id": s.enterprise_id, "zone_id": s.zone_id,
            "quantity": s.quantity, "unit": s.unit, "label": s.label, "a1": s.a1, "a2": s.a2,
            "last_value": status.value, "last_at": status.at, "level": status.level}


@router.get("/enterprises/{enterprise_id}/zones", response_model=list[ZoneOut])
def zones(enterprise_id: IdPath, db: Session = Depends(get_db), user: User = Depends(reader)):
    """The enterprise's zones with each sensor's latest value and level, open alarms and people inside."""
    rows = service.zone_overview(session=db, actor=user, enterprise_id=enterprise_id)
    return [{"zone_id": r["zone"].id, "name": r["zone"].name, "state": r["state"], "open_alarms": r["open_alarms"],
             "people": r["people"], "max_headcount": r["max_headcount"],
             "sensors": [_sensor_out(s) for s in r["sensors"]]} for r in rows]


@router.post("/zones/{zone_id}/sensors", response_model=SensorOut, status_code=201)
def register_sensor(zone_id: IdPath, body: SensorIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Register a sensor in a zone; blank A1/A2 take the substance catalogue's defaults."""
    sensor = service.register_sensor(session=db, actor=user, zone_id=zone_id, **body.model_dump())
    db.commit()
    return _sensor_out(service.sensor_statuses(db, [sensor])[0])


def _alarm_out(alarm) -> dict:
    return {**{k: getattr(alarm, k) for k in AlarmOut.model_fields if k != "sensor_code"},
            "sensor_code": alarm.sensor.code}


@router.get("/alarms", response_model=list[AlarmOut])
def alarms(state: str = Query("open", max_length=16, description="open, unacknowledged or all"),
           params: PageParams = Depends(page_params), db: Session = Depends(get_db), user: User = Depends(reader)):
    """Alarms in your scope, newest first: state open (default), unacknowledged or all."""
    if state not in ("open", "unacknowledged", "all"):
        raise ValidationFailed(N_("Unknown state."), field="state")
    paged = paginate(db, service.alarms_query(session=db, actor=user, state=state), params)
    return [_alarm_out(a) for a in paged.items]


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmOut)
def acknowledge(alarm_id: IdPath, body: AcknowledgeIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Acknowledge an alarm with a note: reminders and escalation stop."""
    alarm = service.acknowledge(session=db, actor=user, alarm_id=alarm_id, note=body.note)
    db.commit()
    return _alarm_out(alarm)


@router.patch("/sensors/{sensor_id}", response_model=SensorOut)
def update_sensor(sensor_id: IdPath, body: SensorUpdateIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Change a sensor's label, levels, hysteresis, silence timeout or latching (only the fields sent)."""
    sensor = changes.update_sensor(session=db, actor=user, sensor_id=sensor_id,
                                   changes=body.model_dump(exclude_unset=True))
    db.commit()
    return _sensor_out(service.sensor_statuses(db, [sensor])[0])


@router.post("/sensors/{sensor_id}/calibrations", response_model=CalibrationOut, status_code=201)
def record_calibration(sensor_id: IdPath, body: CalibrationIn, db: Session = Depends(get_db),
                       user: User = Depends(writer)):
    """Record a calibration of the sensor (reference, who, certificate, next due date)."""
    row = changes.record_calibration(session=db, actor=user, sensor_id=sensor_id, **body.model_dump())
    db.commit()
    return row


@router.post("/sensors/{sensor_id}/move", response_model=MoveOut, status_code=201)
def move_sensor(sensor_id: IdPath, body: MoveIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Move the sensor to another zone of its enterprise from now on; its earlier readings stay in the old zone."""
    move = changes.move_sensor(session=db, actor=user, sensor_id=sensor_id, zone_id=body.zone_id,
                               reason=body.reason)
    db.commit()
    service.forget_gateways(move.from_zone_id)
    service.forget_gateways(move.to_zone_id)
    return move


@router.post("/sensors/{sensor_id}/deactivate", response_model=SensorOut)
def deactivate_sensor(sensor_id: IdPath, body: DeactivateIn, db: Session = Depends(get_db),
                      user: User = Depends(writer)):
    """Deactivate the sensor with a reason; its readings and alarms are kept."""
    sensor = changes.deactivate_sensor(session=db, actor=user, sensor_id=sensor_id, reason=body.reason)
    db.commit()
    service.forget_gateways(sensor.zone_id)
    return _sensor_out(service.sensor_statuses(db, [sensor])[0])


@router.get("/zones/{zone_id}/readings", response_model=list[ZoneReading])
def zone_readings(zone_id: IdPath, start: float | None = Query(None, ge=0, le=1e11, description="epoch seconds"),
                  end: float | None = Query(None, ge=0, le=1e11, description="epoch seconds"),
                  db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Readings taken in the zone (default: the last 24 hours), by every sensor that was there at the time
    (moved sensors included)."""
    end = time.time() if end is None else end
    start = end - 86_400 if start is None else start
    rows = changes.readings_in_zone(session=db, actor=user, zone_id=zone_id, start=start, end=end)
    return [{"sensor_id": s, "ts": t, "value": v} for s, t, v in rows]
