"""Monitoring services: sensors in zones, live status, alarm inbox, HTTP ingest, presence, violations.

Plain keyword-only functions over a Session; they never commit. Every read asks `monitoring.read` and
the enterprise scope (outside it reads as 404), acknowledging asks `monitoring.ack`, registering
sensors and sending telemetry ask `monitoring.write`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from qorgau.core import audit, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import Notification, User
from qorgau.monitoring import alarms as alarm_model
from qorgau.monitoring import codec, notices, states
from qorgau.monitoring import pipeline as pipeline_model
from qorgau.monitoring import sensors as sensor_model
from qorgau.monitoring import sink as sink_model
from qorgau.monitoring import substances as substance_model
from qorgau.monitoring import units as unit_model
from qorgau.monitoring.limits import catalogue_for
from qorgau.monitoring.models import (
    Alarm,
    AlarmEvent,
    Calibration,
    DeadLetter,
    Presence,
    Reading,
    Rollup,
    Sensor,
    SensorState,
)
from qorgau.monitoring.pipeline import Pipeline
from qorgau.monitoring.sensors import SensorConfigError, SensorRegistry
from qorgau.monitoring.sink import PERSISTENT_TYPES, DatabaseSink, SensorInfo, sensor_config, zone_code
from qorgau.monitoring.states import ACTIVE_STATUSES, OPEN_STATUSES, UNACKNOWLEDGED_STATUSES, AlarmStatus
from qorgau.monitoring.violations import file_violation
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Site, Zone

LOCAL = ZoneInfo("Asia/Almaty")
SHIFT_MINUTES = 480  # three 8-hour shifts a day, local time 00-08, 08-16, 16-24
STALE_AFTER_S = 300.0
MAX_PAYLOAD = 4 * 1024 * 1024
ZONE_STATES = {"ok": N_("Normal"), "warning": N_("Warning (A1)"), "alarm": N_("Alarm"), "stale": N_("No data"),
               "idle": N_("No sensors")}


# -- sensors ---------------------------------------------------------------------------------------

def get_zone(*, session: Session, actor: User, zone_id: int) -> Zone:
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.read", zone.site.enterprise_id)
    return zone


def get_sensor(*, session: Session, actor: User, sensor_id: int) -> Sensor:
    sensor = session.get(Sensor, sensor_id)
    if sensor is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.read", sensor.enterprise_id)
    return sensor


def register_sensor(*, session: Session, actor: User, zone_id: int, code: str, quantity: str, label: str = "",
                    a1: float | None = None, a2: float | None = None, silent_after_s: float = 300.0,
                    latching: bool = False) -> Sensor:
    """A sensor in a zone; blank A1/A2 take the substance catalogue's defaults (docs/monitoring/alarms.md)."""
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound(N_("Not found."))
    enterprise_id = zone.site.enterprise_id
    access.require_enterprise(session, actor, "monitoring.write", enterprise_id)
    code = code.strip()
    catalogue = catalogue_for(session)
    quantity = quantity.strip().lower()
    if quantity not in catalogue:
        raise ValidationFailed(N_("Unknown substance."), field="quantity")
    if session.execute(select(Sensor.id).where(Sensor.code == code)).first() is not None:
        raise ValidationFailed(N_("A sensor with this code is already registered."), field="code")
    for name, value in (("a1", a1), ("a2", a2), ("silent_after_s", silent_after_s)):
        if value is not None and not math.isfinite(value):
            raise ValidationFailed(N_("Enter a number."), field=name)
    if silent_after_s <= 0:
        raise ValidationFailed(N_("Enter a positive number."), field="silent_after_s")
    substance = catalogue[quantity]
    sensor = Sensor(code=code, enterprise_id=enterprise_id, zone_id=zone.id, quantity=quantity, unit=substance.unit,
                    label=label.strip(), a1=a1, a2=a2, silent_after_s=silent_after_s, latching=latching)
    if a1 is not None and a2 is not None:
        rising = substance.direction == "rising"
        if (a2 < a1) if rising else (a2 > a1):
            raise ValidationFailed(N_("The alarm level A2 must be beyond the warning level A1."), field="a2")
    try:
        sensor_config(sensor, zone.site.enterprise.bin, catalogue)
    except SensorConfigError as error:
        raise ValidationFailed(N_("Invalid sensor code: no spaces, '/', '+' or '#', at most 200 bytes."),
                               field="code") from error
    session.add(sensor)
    session.flush()
    return sensor


def sensors_of_zone(session: Session, zone_id: int) -> list[Sensor]:
    return list(session.execute(select(Sensor).where(Sensor.zone_id == zone_id).order_by(Sensor.code)).scalars())


# -- live status -------------------------------------------------------------------------------------

@dataclass
class SensorStatus:
    sensor: Sensor
    value: float | None
    at: datetime | None
    level: str  # ok, warning, alarm, stale
    a1: float
    a2: float


def _level(cfg, value: float | None, ts: float | None, now: float, alarmed: bool) -> str:
    if alarmed:
        return "alarm"
    if value is None or ts is None or now - ts > max(STALE_AFTER_S, cfg.silent_after_s):
        return "stale"
    sign = 1.0 if cfg.direction == "rising" else -1.0
    if math.isfinite(cfg.a2) and sign * value >= sign * cfg.a2:
        return "alarm"
    if math.isfinite(cfg.a1) and sign * value >= sign * cfg.a1:
        return "warning"
    return "ok"


def sensor_statuses(session: Session, sensors: list[Sensor], now: float | None = None) -> list[SensorStatus]:
    if not sensors:
        return []
    now = time.time() if now is None else now
    ids = [s.id for s in sensors]
    states = {r.sensor_id: r for r in session.execute(select(SensorState).where(SensorState.sensor_id.in_(ids)))
              .scalars()}
    alarmed = set(session.execute(select(Alarm.sensor_id).where(
        Alarm.sensor_id.in_(ids), Alarm.status.in_(ACTIVE_STATUSES),
        Alarm.severity.in_(("MAJOR", "CRITICAL")))).scalars())
    catalogue = catalogue_for(session)
    out = []
    for sensor in sensors:
        cfg = sensor_config(sensor, "", catalogue)
        state = states.get(sensor.id)
        value, ts = (state.last_value, state.last_ts) if state else (None, None)
        out.append(SensorStatus(sensor, value, datetime.fromtimestamp(ts, UTC) if ts is not None else None,
                                _level(cfg, value, ts, now, sensor.id in alarmed), cfg.a1, cfg.a2))
    return out


def headcounts(session: Session, zone_ids: list[int]) -> dict[int, int]:
    if not zone_ids:
        return {}
    rows = session.execute(select(Presence.zone_id, func.count()).where(Presence.zone_id.in_(zone_ids),
                                                                        Presence.exited_at.is_(None))
                           .group_by(Presence.zone_id))
    return {zone_id: count for zone_id, count in rows}


def zone_overview(*, session: Session, actor: User, enterprise_id: int) -> list[dict]:
    """Every zone of the enterprise: its sensors' latest values, worst state, open alarms, people inside."""
    access.require_enterprise(session, actor, "monitoring.read", enterprise_id)
    zones = list(session.execute(select(Zone).join(Site).where(Site.enterprise_id == enterprise_id)
                                 .order_by(Site.id, Zone.id)).scalars())
    zone_ids = [z.id for z in zones]
    sensors = list(session.execute(select(Sensor).where(Sensor.zone_id.in_(zone_ids), Sensor.active.is_(True))
                                   .order_by(Sensor.code)).scalars()) if zone_ids else []
    statuses = sensor_statuses(session, sensors)
    open_alarms = dict(session.execute(select(Alarm.zone_id, func.count()).where(
        Alarm.zone_id.in_(zone_ids), Alarm.status.in_(OPEN_STATUSES)).group_by(Alarm.zone_id)).all()) \
        if zone_ids else {}
    people = headcounts(session, zone_ids)
    rank = {"idle": 0, "ok": 1, "stale": 2, "warning": 3, "alarm": 4}
    out = []
    for zone in zones:
        mine = [s for s in statuses if s.sensor.zone_id == zone.id]
        state = max((s.level for s in mine), key=rank.__getitem__, default="idle")
        inside = people.get(zone.id, 0)
        out.append({"zone": zone, "sensors": mine, "state": state, "open_alarms": open_alarms.get(zone.id, 0),
                    "people": inside, "max_headcount": zone.max_headcount,
                    "over_headcount": zone.max_headcount is not None and inside > zone.max_headcount})
    return out


def monitored_enterprises(*, session: Session, actor: User) -> list[dict]:
    """Enterprises in scope that have sensors, with their sensor and open-alarm counts."""
    policy.require(actor, "monitoring.read")
    sensors = select(Sensor.enterprise_id, func.count().label("n")).where(Sensor.active.is_(True)) \
        .group_by(Sensor.enterprise_id).subquery()
    alarms = select(Alarm.enterprise_id, func.count().label("n")).where(Alarm.status.in_(OPEN_STATUSES)) \
        .group_by(Alarm.enterprise_id).subquery()
    rows = session.execute(select(Enterprise, sensors.c.n, func.coalesce(alarms.c.n, 0))
                           .join(sensors, sensors.c.enterprise_id == Enterprise.id)
                           .outerjoin(alarms, alarms.c.enterprise_id == Enterprise.id)
                           .where(access.scoped(session, actor, Enterprise.id)).order_by(Enterprise.id))
    return [{"enterprise": e, "sensors": n, "open_alarms": a} for e, n, a in rows]


def series(*, session: Session, actor: User, sensor_id: int, hours: int = 24, now: datetime | None = None) -> dict:
    """Per-minute mean and maximum of one sensor over the last `hours`, with its A1/A2 levels."""
    sensor = get_sensor(session=session, actor=actor, sensor_id=sensor_id)
    end = (now or utcnow()).timestamp()
    rows = session.execute(select(Rollup.minute, Rollup.vsum, Rollup.n, Rollup.vmax)
                           .where(Rollup.sensor_id == sensor.id, Rollup.minute >= int((end - hours * 3600) // 60))
                           .order_by(Rollup.minute)).all()
    cfg = sensor_config(sensor, "", catalogue_for(session))
    return {"sensor": sensor, "times": [datetime.fromtimestamp(m * 60, UTC) for m, *_ in rows],
            "mean": [s / n for _m, s, n, _x in rows], "max": [x for *_r, x in rows],
            "a1": cfg.a1 if math.isfinite(cfg.a1) else None, "a2": cfg.a2 if math.isfinite(cfg.a2) else None,
            "stel": cfg.stel_limit if math.isfinite(cfg.stel_limit) else None}


# -- alarms ----------------------------------------------------------------------------------------

def alarms_query(*, session: Session, actor: User, state: str = "open", enterprise_id: int | None = None,
                 zone_id: int | None = None) -> Select:
    """Alarms in scope, newest first: state 'open' (active or unacknowledged), 'unacknowledged' or 'all'."""
    policy.require(actor, "monitoring.read")
    query = select(Alarm).where(access.scoped(session, actor, Alarm.enterprise_id)) \
        .order_by(Alarm.started_at.desc(), Alarm.id.desc())
    if state == "open":
        query = query.where(Alarm.status.in_(OPEN_STATUSES))
    elif state == "unacknowledged":
        query = query.where(Alarm.status.in_(UNACKNOWLEDGED_STATUSES))
    if enterprise_id is not None:
        query = query.where(Alarm.enterprise_id == enterprise_id)
    if zone_id is not None:
        query = query.where(Alarm.zone_id == zone_id)
    return query


def open_zone_alarms(*, session: Session, actor: User, zone_id: int, limit: int = 50) -> list[Alarm]:
    """The zone's open alarms, newest first, at most `limit`."""
    query = alarms_query(session=session, actor=actor, state="open", zone_id=zone_id).limit(limit)
    return list(session.execute(query).scalars())


def get_alarm(*, session: Session, actor: User, alarm_id: int) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.read", alarm.enterprise_id)
    return alarm


def acknowledge(*, session: Session, actor: User, alarm_id: int, note: str = "") -> Alarm:
    """Acknowledge with a note: reminders and escalation stop; the ingest worker is told on its next unit."""
    alarm = get_alarm(session=session, actor=actor, alarm_id=alarm_id)
    access.require_enterprise(session, actor, "monitoring.ack", alarm.enterprise_id)
    if AlarmStatus(alarm.status).acknowledged:
        raise ValidationFailed(N_("This alarm is already acknowledged."), field="note")
    note = note.strip()
    if len(note) > 2000:
        raise ValidationFailed(N_("The note is too long (at most 2000 characters)."), field="note")
    now = utcnow()
    alarm.status = states.acknowledged(alarm.status)
    alarm.acknowledged_at, alarm.acknowledged_by_id = now, actor.id
    alarm.acknowledged_by = f"user:{actor.username}"
    alarm.ack_note, alarm.ack_pending, alarm.last_event_at = note, True, now
    session.add(AlarmEvent(alarm=alarm, kind=alarm_model.ACKNOWLEDGED, at=now, severity=alarm.severity,
                           status=alarm.status, escalation=alarm.escalation, by=alarm.acknowledged_by, note=note))
    session.flush()
    return alarm


def raise_violation(*, session: Session, actor: User, alarm_id: int) -> int:
    """A person files the violation for an exceedance (or overrides the automatic judgement)."""
    alarm = get_alarm(session=session, actor=actor, alarm_id=alarm_id)
    access.require_enterprise(session, actor, "monitoring.ack", alarm.enterprise_id)
    return file_violation(session=session, actor=actor, alarm=alarm)


def open_alarm_counts(*, session: Session, actor: User) -> dict[str, int]:
    rows = session.execute(select(Alarm.status, func.count()).where(
        access.scoped(session, actor, Alarm.enterprise_id), Alarm.status.in_(OPEN_STATUSES)).group_by(Alarm.status))
    return dict(rows.all())


def dead_letters_query(*, session: Session, actor: User, enterprise_id: int) -> Select:
    access.require_enterprise(session, actor, "monitoring.read", enterprise_id)
    return select(DeadLetter).where(DeadLetter.enterprise_id == enterprise_id) \
        .order_by(DeadLetter.received_at.desc(), DeadLetter.id.desc())


# -- HTTP ingest ------------------------------------------------------------------------------------

@dataclass
class _Gateway:
    pipeline: Pipeline
    sink: DatabaseSink
    stamp: tuple


_GATEWAYS: dict[tuple[str, int], _Gateway] = {}
_GATEWAY_LOCK = threading.Lock()


def _zone_for_telemetry(session: Session, actor: User, enterprise_bin: str, zone_id: int) -> Zone:
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.write", zone.site.enterprise_id)
    if zone.site.enterprise.bin != enterprise_bin:
        raise NotFound(N_("Not found."))
    return zone


def _gateway(session: Session, zone: Zone) -> _Gateway:
    """The zone's HTTP pipeline, kept in this process so rule state (hysteresis, STEL windows) carries on."""
    sensors = sensors_of_zone(session, zone.id)
    stamp = tuple((s.id, s.updated_at, s.active) for s in sensors)
    key = (str(session.get_bind().url), zone.id)
    gateway = _GATEWAYS.get(key)
    if gateway is None or gateway.stamp != stamp:
        catalogue = catalogue_for(session)
        active = [s for s in sensors if s.active]
        registry = SensorRegistry(sensor_config(s, zone.site.enterprise.bin, catalogue) for s in active)
        directory = {s.code: SensorInfo(s.id, s.zone_id, s.enterprise_id) for s in active}
        sink = DatabaseSink(session, registry, directory, commit=False)
        gateway = _Gateway(Pipeline(registry, sink), sink, stamp)
        _GATEWAYS[key] = gateway
    return gateway


def ingest_http(*, session: Session, actor: User, enterprise_bin: str, zone_id: int, payload: bytes,
                sensor_code: str | None = None, received_at: float | None = None) -> dict[str, int]:
    """One gateway POST, through the same codec, rules and sink as MQTT; returns what became of it."""
    zone = _zone_for_telemetry(session, actor, enterprise_bin, zone_id)
    topic = codec.sensor_topic(enterprise_bin, zone_code(zone.id), sensor_code) if sensor_code else \
        codec.zone_topic(enterprise_bin, zone_code(zone.id))
    now = time.time() if received_at is None else received_at
    with _GATEWAY_LOCK:
        gateway = _gateway(session, zone)
        gateway.sink.session = session
        counters = gateway.pipeline.counters
        before = counters.as_dict()
        try:
            gateway.pipeline.submit(topic, payload, now)
            gateway.pipeline.process(now, release_all=True)
        except Exception:
            # The rule state has moved on but nothing is stored: drop it, so the gateway's retry is
            # evaluated afresh instead of being taken for duplicates.
            _GATEWAYS.pop((str(session.get_bind().url), zone.id), None)
            raise
        after = counters.as_dict()
    return {"readings": after["readings_in"] - before["readings_in"],
            "stored": after["readings_stored"] - before["readings_stored"],
            "duplicates": after["duplicates"] - before["duplicates"], "late": after["late"] - before["late"],
            "dead_letters": after["dead_letters"] - before["dead_letters"],
            "alarm_events": after["alarm_events"] - before["alarm_events"]}


def forget_gateways(zone_id: int | None = None) -> None:
    """Drop the HTTP pipelines' rule state, of one zone or all (a process restart does the same)."""
    with _GATEWAY_LOCK:
        for key in [k for k in _GATEWAYS if zone_id is None or k[1] == zone_id]:
            del _GATEWAYS[key]


# -- people in zones --------------------------------------------------------------------------------

def record_presence(*, session: Session, actor: User, enterprise_bin: str, zone_id: int,
                    events: list[dict]) -> dict[str, int]:
    """Badge entries and exits of a zone ({"badge", "event": "enter"|"exit", "ts"}); returns counts.

    Entering a zone closes an open stay of that badge in another zone of the enterprise (the exit was
    missed); an exit without an entry is refused with the row named.
    """
    zone = _zone_for_telemetry(session, actor, enterprise_bin, zone_id)
    enterprise_id = zone.site.enterprise_id
    before = headcounts(session, [zone.id]).get(zone.id, 0)
    entered = exited = 0
    for row, item in enumerate(sorted(events, key=lambda e: e["ts"])):
        at = item["ts"]
        open_stay = session.execute(select(Presence).where(Presence.enterprise_id == enterprise_id,
                                                           Presence.badge == item["badge"],
                                                           Presence.exited_at.is_(None))).scalar()
        if item["event"] == "enter":
            if open_stay is not None:
                if open_stay.zone_id == zone.id:
                    continue
                open_stay.exited_at = at
            session.add(Presence(zone_id=zone.id, enterprise_id=enterprise_id, badge=item["badge"], entered_at=at))
            entered += 1
        else:
            if open_stay is None or open_stay.zone_id != zone.id:
                raise ValidationFailed(N_("Row %(row)s: this badge did not enter the zone."), field="events",
                                       params={"row": row + 1})
            open_stay.exited_at = at
            exited += 1
        session.flush()
    inside = headcounts(session, [zone.id]).get(zone.id, 0)
    if zone.max_headcount is not None and before <= zone.max_headcount < inside:
        # Crossing the zone's limit is told once; it is told again only after the count fell back.
        notices.tell_enterprise(session, zone.site.enterprise, kind="monitoring.headcount", urgent=True,
                                title=N_("%(zone)s: %(inside)s people inside, the limit is %(limit)s"),
                                link=f"/monitoring/zones/{zone.id}", zone=zone.name, inside=inside,
                                limit=zone.max_headcount)
    return {"entered": entered, "exited": exited, "inside": inside}


def watch_lone_workers(*, session: Session, now: datetime | None = None, minutes: int = 60) -> list[Presence]:
    """Zones where one person has been alone longer than `minutes`: the people at the enterprise are told
    once per stay (run it every few minutes: `qorgau monitoring watch-lone-workers`)."""
    now = now or utcnow()
    alone = session.execute(select(Presence.zone_id).where(Presence.exited_at.is_(None))
                            .group_by(Presence.zone_id).having(func.count() == 1)).scalars().all()
    told = []
    for stay in session.execute(select(Presence).where(Presence.zone_id.in_(alone), Presence.exited_at.is_(None))
                                ).scalars():
        if (now - stay.entered_at).total_seconds() < minutes * 60:
            continue
        link = f"/monitoring/zones/{stay.zone_id}?lone={stay.id}"
        if session.execute(select(Notification.id).where(Notification.link == link).limit(1)).first():
            continue
        zone = session.get(Zone, stay.zone_id)
        notices.tell_enterprise(session, zone.site.enterprise, kind="monitoring.lone_worker", urgent=True, link=link,
                                title=N_("%(zone)s: badge %(badge)s has been alone for over %(minutes)s minutes"),
                                zone=zone.name, badge=stay.badge, minutes=minutes)
        told.append(stay)
    session.flush()
    return told


def people_in_zone(*, session: Session, actor: User, zone_id: int) -> list[Presence]:
    zone = get_zone(session=session, actor=actor, zone_id=zone_id)
    return list(session.execute(select(Presence).where(Presence.zone_id == zone.id, Presence.exited_at.is_(None))
                                .order_by(Presence.entered_at)).scalars())


# -- for the Safety Index --------------------------------------------------------------------------

def _epoch_minute(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=LOCAL).timestamp() // 60)


def shift_of_minute(minute: int) -> int:
    """Index of the 8-hour shift (local time, Asia/Almaty = UTC+5) an epoch minute falls in."""
    return (minute + 300) // SHIFT_MINUTES


def counts_for_enterprises(*, session: Session, start: date, end: date) -> list[dict]:
    """Per enterprise, in [start, end): zone-shifts monitored (a zone with readings in an 8-hour shift)
    and zone-shifts with an exposure limit exceeded (a STEL or TWA-8h alarm raised in them).

    A system read for the index (no actor): aggregates only, no readings leave the package.
    """
    lo, hi = _epoch_minute(start), _epoch_minute(end)
    shift = ((Rollup.minute + 300) // SHIFT_MINUTES).label("shift")
    monitored = select(Sensor.enterprise_id, Sensor.zone_id, shift).join(Sensor, Sensor.id == Rollup.sensor_id) \
        .where(Rollup.minute >= lo, Rollup.minute < hi).distinct().subquery()
    shifts = dict(session.execute(select(monitored.c.enterprise_id, func.count())
                                  .group_by(monitored.c.enterprise_id)).all())
    start_at = datetime(start.year, start.month, start.day, tzinfo=LOCAL)
    end_at = datetime(end.year, end.month, end.day, tzinfo=LOCAL)
    exceeded: dict[int, set] = {}
    for enterprise_id, zone_id, started in session.execute(
            select(Alarm.enterprise_id, Alarm.zone_id, Alarm.started_at).where(
                Alarm.alarm_type.in_(PERSISTENT_TYPES), Alarm.started_at >= start_at, Alarm.started_at < end_at)):
        exceeded.setdefault(enterprise_id, set()).add((zone_id, shift_of_minute(int(started.timestamp() // 60))))
    return [{"enterprise_id": e, "zone_shifts": int(n), "exceedance_shifts": len(exceeded.get(e, ()))}
            for e, n in sorted(shifts.items())]


# -- retention -------------------------------------------------------------------------------------

def prune_readings(*, session: Session, keep_days: int, around_alarms_s: float = 3600.0,
                   now: datetime | None = None) -> dict:
    """Delete raw readings older than `keep_days`, except those within `around_alarms_s` of an alarm of
    their sensor (the evidence of what happened). Minute rollups, alarms and dead letters are kept."""
    if keep_days < 1:
        raise ValidationFailed(N_("Keep at least one day of readings."), field="keep_days")
    cutoff = (now or utcnow()).timestamp() - keep_days * 86400.0
    protected: dict[int, list[tuple[float, float]]] = {}
    for sensor_id, started in session.execute(
            select(Alarm.sensor_id, Alarm.started_at)
            .where(Alarm.started_at < datetime.fromtimestamp(cutoff + around_alarms_s, UTC))):
        at = started.timestamp()
        protected.setdefault(sensor_id, []).append((at - around_alarms_s, at + around_alarms_s))
    oldest = dict(session.execute(select(Reading.sensor_id, func.min(Reading.ts)).where(Reading.ts < cutoff)
                                  .group_by(Reading.sensor_id)).all())
    ranges = []  # (sensor, from, to): the stretches below the cutoff outside every protected window
    for sensor_id, start in oldest.items():
        position = start
        for low, high in sorted(protected.get(sensor_id, [])):
            if low > position:
                ranges.append({"sensor": sensor_id, "low": position, "high": min(low, cutoff)})
            position = max(position, high)
            if position >= cutoff:
                break
        if position < cutoff:
            ranges.append({"sensor": sensor_id, "low": position, "high": cutoff})
    table = Reading.__table__
    deleted = 0
    if ranges:
        statement = table.delete().where(table.c.sensor_id == bindparam("sensor"), table.c.ts >= bindparam("low"),
                                         table.c.ts < bindparam("high"))
        deleted = session.connection().execute(statement, ranges).rowcount or 0
    audit.record(session, action="monitoring.prune", object_type="monitoring_reading",
                 after={"keep_days": keep_days, "around_alarms_s": around_alarms_s, "deleted": deleted,
                        "before": datetime.fromtimestamp(cutoff, UTC).isoformat()})
    return {"deleted": deleted, "cutoff": datetime.fromtimestamp(cutoff, UTC).isoformat(),
            "sensors": len(oldest), "protected_windows": sum(len(v) for v in protected.values())}


# -- published interface for plant connectors (qorgau.connectors) ------------------------------------------------
# Connectors turn a plant's protocols into readings and detector conditions and hand them to this package's
# own ingestion: the pipeline and rule engine, the database sink, the zone-topic codec, units and substances.
# These names are that interface; connectors import nothing else of monitoring.

Severity = alarm_model.Severity
"""Alarm severities (ISA-18.2 / IEC 62682 order)."""
AlarmChange = alarm_model.AlarmEvent
"""A change to an alarm as the rule engine emits it (before the sink stores it as an `AlarmEvent` row)."""
DETECTOR_ALARM, DETECTOR_FAULT, CALIBRATION_DUE, BUMP_FAILED, OFFLINE = (
    alarm_model.DETECTOR_ALARM, alarm_model.DETECTOR_FAULT, alarm_model.CALIBRATION_DUE, alarm_model.BUMP_FAILED,
    alarm_model.OFFLINE)
"""The alarm types of a gas detector's own status, reported through a connector."""
RejectedInput = codec.DeadLetter
"""Input that could not become a reading, kept with why (the sink stores it as a `DeadLetter` row)."""
zone_topic = codec.zone_topic
"""The MQTT zone topic whose JSON batch the pipeline reads."""
UnitError = unit_model.UnitError
canonical_unit = unit_model.canonical_unit
convert_unit = unit_model.convert
"""Units of measure: a unit's canonical spelling, and conversion between them (molar mass for ppm and mg/m3)."""
ReadingBatch = pipeline_model.ReadingBatch
RollupBatch = pipeline_model.RollupBatch
"""What the pipeline hands its sink; `Pipeline`, `SensorRegistry` and `DatabaseSink` (above) are published too."""
SensorConfig = sensor_model.SensorConfig
"""One sensor's rule settings, as the pipeline's `SensorRegistry` holds them."""
load_registry = sink_model.load_registry
"""The sensor registry and directory from the database, for a `Pipeline` feeding a `DatabaseSink`."""
zones_of = sink_model.zones_of
"""An enterprise's zones, by id."""
default_catalogue = substance_model.default_catalogue
"""The shipped substance catalogue; `catalogue_for(session)` (above) merges in the platform's entered limits."""


def sensors_by_code(session: Session, codes: set[str]) -> dict[str, Sensor]:
    """The sensors with these codes, by code (any enterprise: the caller checks whose they are)."""
    if not codes:
        return {}
    return {s.code: s for s in session.execute(select(Sensor).where(Sensor.code.in_(codes))).scalars()}


def sensors_by_id(session: Session, ids: set[int] | list[int]) -> dict[int, Sensor]:
    """The sensors with these ids, by id."""
    if not ids:
        return {}
    return {s.id: s for s in session.execute(select(Sensor).where(Sensor.id.in_(ids))).scalars()}


def sensors_of_enterprise(session: Session, enterprise_id: int, *, active_only: bool = False) -> list[Sensor]:
    """The enterprise's sensors: all of them by id, or the active ones by code."""
    query = select(Sensor).where(Sensor.enterprise_id == enterprise_id)
    if active_only:
        return list(session.execute(query.where(Sensor.active.is_(True)).order_by(Sensor.code)).scalars())
    return list(session.execute(query.order_by(Sensor.id)).scalars())


def sensors_stamp(session: Session) -> tuple:
    """(number of sensors, latest change): a cache built from the sensor table is stale once this differs."""
    return tuple(session.execute(select(func.count(Sensor.id), func.max(Sensor.updated_at))).one())


def last_reading_ts(session: Session, sensor_ids: set[int] | list[int]) -> dict[int, float]:
    """When each of these sensors was last heard from (epoch seconds); never heard from: absent."""
    if not sensor_ids:
        return {}
    return dict(session.execute(select(SensorState.sensor_id, SensorState.last_ts)
                                .where(SensorState.sensor_id.in_(sensor_ids))).all())


def reading_counts(session: Session, sensor_ids: list[int], start: float, end: float) -> dict[int, int]:
    """Readings stored per sensor with start <= ts < end (epoch seconds); none: absent."""
    if not sensor_ids:
        return {}
    return dict(session.execute(select(Reading.sensor_id, func.count()).where(
        Reading.sensor_id.in_(sensor_ids), Reading.ts >= start, Reading.ts < end).group_by(Reading.sensor_id)).all())


def calibration_due_on(session: Session, sensor_ids: list[int]) -> dict[int, date | None]:
    """Each calibrated sensor's latest next-due date."""
    if not sensor_ids:
        return {}
    return dict(session.execute(select(Calibration.sensor_id, func.max(Calibration.next_due_on))
                                .where(Calibration.sensor_id.in_(sensor_ids)).group_by(Calibration.sensor_id)).all())


def seed_sensor(session: Session, *, code: str, enterprise_id: int, zone_id: int, quantity: str, unit: str,
                label: str) -> Sensor:
    """A sensor added by demo data generation (no actor, no audit: nobody registered it)."""
    sensor = Sensor(code=code, enterprise_id=enterprise_id, zone_id=zone_id, quantity=quantity, unit=unit, label=label)
    session.add(sensor)
    session.flush()
    return sensor


async def read_payload(chunks: AsyncIterable[bytes]) -> bytes:
    """A telemetry request body, refused beyond 4 MiB without reading the rest (as monitoring's own routes)."""
    out, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_PAYLOAD:
            raise ValidationFailed(N_("The payload is larger than 4 MiB."), field="body")
        out.append(chunk)
    return b"".join(out)
