"""Connector services: connectors and their point mappings per enterprise and site, credentials kept
encrypted, SenML pushed over HTTP, edge agents' reports, connection health and the Ministry's roll-out.

Keyword-only functions over a Session; they never commit. Reading asks `connectors.read`, changing a
connector `connectors.manage`, the roll-out plan `connectors.rollout`, pushing readings `monitoring.write`
(the telemetry scope of an API token); every one within the enterprise scope (outside it: 404).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qorgau.connectors.feed import Feed
from qorgau.connectors.mapping import Batch, LinkChange, MappingError, PointSpec, StatusChange
from qorgau.connectors.models import (
    CONNECTOR_MOVES,
    MANDATORY_BY,
    Connector,
    ConnectorStatus,
    EdgeReport,
    EdgeStatus,
    Point,
    Protocol,
    Rollout,
    SensorLink,
    Stage,
)
from qorgau.connectors.senml import SenmlTopic
from qorgau.connectors.sources import ConnectorConfig, check_options
from qorgau.core import audit, crypto, i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.imports import CellError, FileProblems, parse_number, read_table
from qorgau.core.models import User
from qorgau.monitoring import service as monitoring
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Site, Zone

MAX_POINTS = 2000
ONLINE_WITHIN_S = 900.0  # a sensor heard from within 15 minutes counts as reporting now
CREDENTIAL_KEYS = ("username", "password")


def _problem(error: MappingError, row: int | None = None) -> ValidationFailed:
    """The mapping's own message, in the reader's language, with the row it is about."""
    if row is None:
        return ValidationFailed(error.message, field=error.field, params=error.params)
    problem = i18n.fill(i18n.translate(error.message, "connectors"), error.params)
    return ValidationFailed(N_("Row %(row)s: %(problem)s"), field=error.field, params={"row": row, "problem": problem})


# -- connectors ----------------------------------------------------------------------------------

def get_connector(*, session: Session, actor: User, connector_id: int, permission: str = "connectors.read"
                  ) -> Connector:
    connector = session.get(Connector, connector_id)
    if connector is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, permission, connector.enterprise_id)
    return connector


def connectors_of(*, session: Session, actor: User, enterprise_id: int) -> list[Connector]:
    access.require_enterprise(session, actor, "connectors.read", enterprise_id)
    return list(session.execute(select(Connector).where(Connector.enterprise_id == enterprise_id)
                                .order_by(Connector.id)).scalars())


def _clean(protocol: str, address: str, options: dict, credentials: dict) -> tuple[str, dict, dict]:
    try:
        Protocol(protocol)
    except ValueError:
        raise ValidationFailed(N_("Unknown protocol."), field="protocol") from None
    address = address.strip()
    if len(address) > 500:
        raise ValidationFailed(N_("The address is too long (at most 500 characters)."), field="address")
    if protocol == "senml_http":
        address = ""
    try:
        check_options(protocol, address, options)
    except MappingError as error:
        raise _problem(error) from error
    unknown = set(credentials) - set(CREDENTIAL_KEYS)
    if unknown:
        raise ValidationFailed(N_("Credentials are a user name and a password."), field="credentials")
    return address, dict(options), {k: str(v) for k, v in credentials.items() if v}


def create_connector(*, session: Session, actor: User, enterprise_id: int, name: str, protocol: str,
                     address: str = "", site_id: int | None = None, options: dict | None = None,
                     credentials: dict | None = None, expected_interval_s: float = 10.0) -> Connector:
    access.require_enterprise(session, actor, "connectors.manage", enterprise_id)
    if session.get(Enterprise, enterprise_id) is None:
        raise NotFound(N_("Not found."))
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed(N_("Enter a name (at most 200 characters)."), field="name")
    if site_id is not None:
        site = session.get(Site, site_id)
        if site is None or site.enterprise_id != enterprise_id:
            raise ValidationFailed(N_("The site is not one of this enterprise's."), field="site_id")
    if not 0.1 <= expected_interval_s <= 86400:
        raise ValidationFailed(N_("The expected interval is between 0.1 s and one day."), field="expected_interval_s")
    address, options, credentials = _clean(protocol, address, options or {}, credentials or {})
    connector = Connector(enterprise_id=enterprise_id, site_id=site_id, name=name, protocol=protocol,
                          address=address, options=options, status=ConnectorStatus.DRAFT,
                          expected_interval_s=expected_interval_s, created_by_id=actor.id,
                          credentials_encrypted=crypto.encrypt_bytes(orjson.dumps(credentials)) if credentials
                          else None)
    session.add(connector)
    session.flush()
    audit.record(session, action="connectors.create", object_type="connectors_connector", object_id=connector.id,
                 after={"name": name, "protocol": protocol, "address": address, "options": options,
                        "credentials": sorted(credentials)})
    return connector


def update_connector(*, session: Session, actor: User, connector_id: int, changes: dict) -> Connector:
    """Change name, address, options, credentials (a new value replaces the old; never shown back)."""
    connector = get_connector(session=session, actor=actor, connector_id=connector_id, permission="connectors.manage")
    before = {"name": connector.name, "address": connector.address, "options": connector.options}
    changes = {key: value for key, value in changes.items() if value is not None}  # null: leave it as it is
    if "name" in changes:
        name = str(changes["name"]).strip()
        if not name or len(name) > 200:
            raise ValidationFailed(N_("Enter a name (at most 200 characters)."), field="name")
        connector.name = name
    address, options, credentials = _clean(connector.protocol, changes.get("address", connector.address),
                                           changes.get("options", connector.options),
                                           changes.get("credentials") or {})
    connector.address, connector.options = address, options
    if changes.get("credentials") is not None:
        connector.credentials_encrypted = crypto.encrypt_bytes(orjson.dumps(credentials)) if credentials else None
    if "expected_interval_s" in changes:
        connector.expected_interval_s = float(changes["expected_interval_s"])
    session.flush()
    audit.record(session, action="connectors.update", object_type="connectors_connector", object_id=connector.id,
                 before=before, after={"name": connector.name, "address": address, "options": options,
                                       "credentials_changed": changes.get("credentials") is not None})
    return connector


def set_status(*, session: Session, actor: User, connector_id: int, status: str) -> Connector:
    connector = get_connector(session=session, actor=actor, connector_id=connector_id, permission="connectors.manage")
    target = CONNECTOR_MOVES.parse(status)
    if target == ConnectorStatus.ACTIVE and not connector.points and connector.protocol != "senml_http":
        raise ValidationFailed(N_("Map at least one point to a sensor before activating."), field="status")
    before = connector.status
    connector.status = CONNECTOR_MOVES.move(connector.status, target)
    session.flush()
    audit.record(session, action="connectors.status", object_type="connectors_connector", object_id=connector.id,
                 before={"status": before}, after={"status": connector.status})
    return connector


def credentials_of(connector: Connector) -> dict:
    return orjson.loads(crypto.decrypt_bytes(connector.credentials_encrypted)) if connector.credentials_encrypted \
        else {}


# -- the mapping ---------------------------------------------------------------------------------

POINT_FIELDS = ("source", "sensor", "kind", "unit", "scale", "offset", "data_type", "byte_order", "word_order",
                "flag", "bit")


def parse_mapping(text: str) -> list[dict]:
    """The mapping as CSV lines: source,sensor,kind,unit,scale,offset,data_type,byte_order,word_order,flag,bit
    (a header line with these names is allowed; trailing columns may be left out). Read by the platform's one
    reader and number parser; rows are numbered as the lines were typed."""
    text = text.strip()
    first = text.split("\n", 1)[0].split(",", 1)[0].strip().lower()
    shift = 0 if first == "source" else 1  # no header line typed: the reader is given one, not counted
    try:
        table = read_table(",".join(POINT_FIELDS) + "\n" + text if shift else text, "mapping.csv")
    except FileProblems as error:
        first_problem = error.problems[0]
        raise ValidationFailed(first_problem.message, field="mapping", params=first_problem.params) from None
    rows = []
    for number, cells in enumerate(table.rows, start=2 - shift):
        if not "".join(cells).strip():
            continue
        if len(cells) > len(POINT_FIELDS):
            raise ValidationFailed(N_("Row %(row)s: too many columns."), field="mapping", params={"row": number})
        row: dict = {"_row": number}
        for name, cell in zip(POINT_FIELDS, cells, strict=False):
            if not cell:
                continue
            if name in ("scale", "offset", "bit"):
                try:
                    row[name] = parse_number(cell, integer=name == "bit", minimum=0 if name == "bit" else None)
                except CellError:
                    raise ValidationFailed(N_("Row %(row)s, column %(column)s: enter a number."), field="mapping",
                                           params={"row": number, "column": name}) from None
            else:
                row[name] = cell
        rows.append(row)
    return rows


def set_points(*, session: Session, actor: User, connector_id: int, points: list[dict]) -> list[Point]:
    """Replace the connector's mapping; every row is checked first, so nothing is half written."""
    connector = get_connector(session=session, actor=actor, connector_id=connector_id, permission="connectors.manage")
    if len(points) > MAX_POINTS:
        raise ValidationFailed(N_("At most %(n)s points per connector."), field="mapping", params={"n": MAX_POINTS})
    codes = {str(p.get("sensor", "")).strip() for p in points}
    sensors = monitoring.sensors_by_code(session, codes)
    catalogue = monitoring.catalogue_for(session)
    made, seen = [], set()
    for index, item in enumerate(points, 1):
        row = int(item.get("_row", index))
        code = str(item.get("sensor", "")).strip()
        sensor = sensors.get(code)
        if sensor is None or sensor.enterprise_id != connector.enterprise_id:
            raise ValidationFailed(N_("Row %(row)s: no sensor %(code)s is registered at this enterprise."),
                                   field="sensor", params={"row": row, "code": code})
        substance = catalogue[sensor.quantity]
        spec = PointSpec(source=str(item.get("source", "")).strip(), sensor=code,
                         kind=str(item.get("kind") or "value"), unit=str(item.get("unit") or ""),
                         scale=float(item.get("scale", 1.0)), offset=float(item.get("offset", 0.0)),
                         data_type=str(item.get("data_type") or ""), byte_order=str(item.get("byte_order") or "big"),
                         word_order=str(item.get("word_order") or "big"), flag=str(item.get("flag") or ""),
                         bit=item.get("bit"), sensor_unit=sensor.unit, molar_mass=substance.mw)
        try:
            spec.check()
            if connector.protocol == "modbus":
                spec.address()
        except MappingError as error:
            raise _problem(error, row) from error
        key = (spec.source, spec.kind, spec.flag)
        if key in seen:
            raise ValidationFailed(N_("Row %(row)s: this source is mapped twice."), field="source", params={"row": row})
        seen.add(key)
        made.append(Point(source=spec.source, sensor_id=sensor.id, kind=spec.kind, unit=spec.unit, scale=spec.scale,
                          offset=spec.offset, data_type=spec.data_type, byte_order=spec.byte_order,
                          word_order=spec.word_order, flag=spec.flag, bit=spec.bit))
    before = len(connector.points)
    connector.points.clear()
    session.flush()
    connector.points.extend(made)
    session.flush()
    audit.record(session, action="connectors.mapping", object_type="connectors_connector", object_id=connector.id,
                 after={"points_before": before, "points": len(made)})
    return made


def runtime_config(session: Session, connector: Connector, *, with_credentials: bool = True) -> ConnectorConfig:
    """The connector as running code needs it: its points resolved to sensor codes and units."""
    catalogue = monitoring.catalogue_for(session)
    sensors = monitoring.sensors_by_id(session, [p.sensor_id for p in connector.points])
    specs = []
    for p in connector.points:
        sensor = sensors[p.sensor_id]
        specs.append(PointSpec(p.source, sensor.code, p.kind, p.unit, p.scale, p.offset, p.data_type, p.byte_order,
                               p.word_order, p.flag, p.bit, sensor.unit, catalogue[sensor.quantity].mw))
    enterprise = session.get(Enterprise, connector.enterprise_id)
    return ConnectorConfig(connector.id, connector.name, connector.protocol, connector.address,
                           dict(connector.options or {}), credentials_of(connector) if with_credentials else {},
                           specs, enterprise.bin if enterprise else "")


def edge_config(*, session: Session, actor: User, connector_ids: list[int], agent: str = "edge") -> dict:
    """What an edge agent needs: connectors with credentials, and each mapped sensor's alarm levels."""
    connectors = [get_connector(session=session, actor=actor, connector_id=i, permission="connectors.manage")
                  for i in connector_ids]
    if len({c.enterprise_id for c in connectors}) > 1:
        raise ValidationFailed(N_("An edge agent serves one enterprise."), field="connectors")
    sensor_ids = {p.sensor_id for c in connectors for p in c.points}
    sensors = []
    by_id = monitoring.sensors_by_id(session, sensor_ids)
    for s in (by_id[i] for i in sorted(by_id)):
        sensors.append({"code": s.code, "quantity": s.quantity, "zone_id": s.zone_id, "a1": s.a1, "a2": s.a2,
                        "hysteresis": s.hysteresis, "silent_after_s": s.silent_after_s, "latching": s.latching})
    audit.record(session, action="connectors.edge_config", object_type="connectors_connector",
                 object_id=",".join(str(c.id) for c in connectors), after={"agent": agent})
    enterprise = session.get(Enterprise, connectors[0].enterprise_id) if connectors else None
    return {"agent": agent, "enterprise_bin": enterprise.bin if enterprise else "",
            "connectors": [runtime_config(session, c).as_dict() for c in connectors], "sensors": sensors}


# -- pushed readings (SenML over HTTP) and edge reports -------------------------------------------

class _Pushed:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.feeds: dict[str, tuple[tuple, Feed]] = {}


_PUSHED = _Pushed()


def _feed(session: Session) -> Feed:
    """This process's Feed for pushed readings (rule state carries on between requests)."""
    key = str(session.get_bind().url)
    stamp = monitoring.sensors_stamp(session)
    held = _PUSHED.feeds.get(key)
    if held is None or held[0] != stamp:
        held = (stamp, Feed(session, commit=False))
        _PUSHED.feeds[key] = held
    feed = held[1]
    feed.session = feed.sink.session = session
    return feed


def forget_feeds() -> None:
    with _PUSHED.lock:
        _PUSHED.feeds.clear()


def push_senml(*, session: Session, actor: User, connector_id: int, payload: bytes,
               received_at: float | None = None) -> dict[str, int]:
    """A SenML pack posted by a gateway to an active SenML-over-HTTP connector."""
    connector = session.get(Connector, connector_id)
    if connector is None or connector.protocol != Protocol.SENML_HTTP:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.write", connector.enterprise_id)
    if connector.status != ConnectorStatus.ACTIVE:
        raise ValidationFailed(N_("This connector is not active."), field="connector")
    now = time.time() if received_at is None else received_at
    batch = SenmlTopic(runtime_config(session, connector, with_credentials=False).points) \
        .message(f"connectors/{connector.id}", payload, now)
    with _PUSHED.lock:
        feed = _feed(session)
        feed.connector_id = connector.id
        try:
            counts = feed.push(batch, now, source=str(connector.id))
        except Exception:
            _PUSHED.feeds.pop(str(session.get_bind().url), None)
            raise
    return {**counts, "rejected": len(batch.rejected)}


def record_edge_report(*, session: Session, actor: User, enterprise_bin: str, agent: str, drift_s: float,
                       queued: int, dropped: int, detail: dict | None = None) -> EdgeReport:
    enterprise = session.execute(select(Enterprise).where(Enterprise.bin == enterprise_bin)).scalar()
    if enterprise is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.write", enterprise.id)
    report = session.execute(select(EdgeReport).where(EdgeReport.enterprise_id == enterprise.id,
                                                      EdgeReport.agent == agent)).scalar()
    if report is None:
        report = EdgeReport(enterprise_id=enterprise.id, agent=agent)
        session.add(report)
    report.reported_at, report.drift_s, report.queued, report.dropped = utcnow(), drift_s, queued, dropped
    report.detail = detail or {}
    session.flush()
    return report


def push_edge_statuses(*, session: Session, actor: User, enterprise_bin: str, agent: str, statuses: list[dict],
                       links: list[dict], received_at: float | None = None) -> dict[str, int]:
    """Detector status and link changes an edge agent evaluated locally, with their original times, into the
    alarm lifecycle as the platform's own connectors apply them. A change at or before the last one applied
    for its sensor and flag is a resent one: counted, not applied again (a resent batch doubles nothing)."""
    enterprise = session.execute(select(Enterprise).where(Enterprise.bin == enterprise_bin)).scalar()
    if enterprise is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "monitoring.write", enterprise.id)
    codes = {c["s"] for c in statuses} | {c["s"] for c in links}
    sensors = monitoring.sensors_by_code(session, codes)
    for i, change in enumerate([*statuses, *links]):
        sensor = sensors.get(change["s"])
        if sensor is None or sensor.enterprise_id != enterprise.id:
            raise ValidationFailed(N_("Row %(row)s: no sensor %(sensor)s at this enterprise."), field="s",
                                   params={"row": i + 1, "sensor": change["s"]})
    seen = {(r.sensor_id, r.flag): r for r in session.execute(
        select(EdgeStatus).where(EdgeStatus.sensor_id.in_([s.id for s in sensors.values()]))).scalars()}
    batch, repeated = Batch(), 0

    def fresh(sensor_code: str, flag: str, ts: float, active: bool) -> bool:
        sensor_id = sensors[sensor_code].id
        row = seen.get((sensor_id, flag))
        if row is not None and ts <= row.ts:
            return False
        if row is None:
            row = EdgeStatus(sensor_id=sensor_id, flag=flag)
            session.add(row)
            seen[(sensor_id, flag)] = row
        row.ts, row.active = ts, active
        return True

    for c in sorted(statuses, key=lambda c: c["ts"]):
        if fresh(c["s"], c["flag"], c["ts"], c["active"]):
            batch.statuses.append(StatusChange(c["s"], c["ts"], c["flag"], c["active"]))
        else:
            repeated += 1
    for c in sorted(links, key=lambda c: c["ts"]):
        if fresh(c["s"], "online", c["ts"], c["online"]):
            batch.links.append(LinkChange(c["s"], c["ts"], c["online"], c.get("reason", "")))
        else:
            repeated += 1
    session.flush()
    now = time.time() if received_at is None else received_at
    with _PUSHED.lock:
        feed = _feed(session)
        feed.connector_id = None
        try:
            counts = feed.push(batch, now, source=f"edge/{agent}")
        except Exception:
            _PUSHED.feeds.pop(str(session.get_bind().url), None)
            raise
    return {"applied": len(batch.statuses) + len(batch.links), "repeated": repeated,
            "alarm_events": counts["alarm_events"]}


# -- connection health -----------------------------------------------------------------------------

def health(*, session: Session, actor: User, enterprise_id: int, now: datetime | None = None,
           window_s: float = 3600.0) -> dict:
    """Per zone: connected or not, last reading, data completeness over the last hour, sensors offline
    or overdue for calibration; and the enterprise's connectors and edge agents."""
    access.require_enterprise(session, actor, "connectors.read", enterprise_id)
    now = now or utcnow()
    end = now.timestamp()
    connectors = connectors_of(session=session, actor=actor, enterprise_id=enterprise_id)
    interval: dict[int, float] = {}
    connector_of: dict[int, Connector] = {}
    for c in connectors:
        for p in c.points:
            interval[p.sensor_id] = min(interval.get(p.sensor_id, c.expected_interval_s), c.expected_interval_s)
            connector_of[p.sensor_id] = c
    zones = list(session.execute(select(Zone).join(Site).where(Site.enterprise_id == enterprise_id)
                                 .order_by(Site.id, Zone.id)).scalars())
    sensors = monitoring.sensors_of_enterprise(session, enterprise_id, active_only=True)
    ids = [s.id for s in sensors]
    last = monitoring.last_reading_ts(session, ids)
    counts = monitoring.reading_counts(session, ids, end - window_s, end)
    links = {k.sensor_id: k for k in session.execute(select(SensorLink).where(SensorLink.sensor_id.in_(ids)))
             .scalars()} if ids else {}
    due = monitoring.calibration_due_on(session, ids)
    today = now.date()
    rows = []
    for zone in zones:
        mine = [s for s in sensors if s.zone_id == zone.id]
        connected_sensors = [s for s in mine if s.id in connector_of]
        expected = sum(window_s / interval[s.id] for s in connected_sensors)
        received = sum(min(counts.get(s.id, 0), window_s / interval[s.id]) for s in connected_sensors)
        stamps = [last[s.id] for s in mine if s.id in last]
        offline = [s for s in mine if (s.id in links and not links[s.id].online)
                   or (s.id in connector_of and end - last.get(s.id, 0.0) > ONLINE_WITHIN_S)]
        overdue = [s for s in mine if due.get(s.id) is not None and due[s.id] < today]
        flagged = [s for s in mine if s.id in links and any((links[s.id].flags or {}).values())]
        rows.append({"zone": zone, "sensors": len(mine), "connected_sensors": len(connected_sensors),
                     "connected": bool(connected_sensors) and len(offline) < len(connected_sensors),
                     "last_at": datetime.fromtimestamp(max(stamps), UTC) if stamps else None,
                     "completeness": (received / expected) if expected else None,
                     "offline": [s.code for s in offline], "calibration_overdue": [s.code for s in overdue],
                     "detector_flags": {s.code: sorted(k for k, v in (links[s.id].flags or {}).items() if v)
                                        for s in flagged}})
    agents = list(session.execute(select(EdgeReport).where(EdgeReport.enterprise_id == enterprise_id)
                                  .order_by(EdgeReport.agent)).scalars())
    return {"enterprise": session.get(Enterprise, enterprise_id), "zones": rows, "connectors": connectors,
            "agents": agents, "window_s": window_s}


# -- the roll-out -----------------------------------------------------------------------------------

def set_rollout(*, session: Session, actor: User, enterprise_id: int, high_risk: bool, stage: str,
                stage_on: date | None = None, due_on: date | None = None, note: str = "") -> Rollout:
    access.require_enterprise(session, actor, "connectors.rollout", enterprise_id)
    if session.get(Enterprise, enterprise_id) is None:
        raise NotFound(N_("Not found."))
    try:
        stage = Stage(stage)
    except ValueError:
        raise ValidationFailed(N_("Unknown stage."), field="stage") from None
    if len(note) > 2000:
        raise ValidationFailed(N_("The note is too long (at most 2000 characters)."), field="note")
    row = session.get(Rollout, enterprise_id)
    before = None
    if row is None:
        row = Rollout(enterprise_id=enterprise_id)
        session.add(row)
    else:
        before = {"high_risk": row.high_risk, "stage": row.stage, "stage_on": str(row.stage_on), "due_on": str(row.due_on)}
    row.high_risk, row.stage, row.stage_on, row.due_on, row.note = high_risk, stage, stage_on, \
        due_on or MANDATORY_BY, note.strip()
    session.flush()
    audit.record(session, action="connectors.rollout", object_type="connectors_rollout", object_id=enterprise_id,
                 before=before, after={"high_risk": high_risk, "stage": str(stage), "stage_on": str(stage_on),
                                       "due_on": str(row.due_on)})
    return row


def rollout(*, session: Session, actor: User, today: date | None = None, only_high_risk: bool = False) -> list[dict]:
    """Enterprises in the plan (in scope): stage and date, connected or not, last reading, late or not."""
    policy.require(actor, "connectors.read")
    today = today or utcnow().date()
    query = select(Rollout, Enterprise).join(Enterprise, Enterprise.id == Rollout.enterprise_id) \
        .where(access.scoped(session, actor, Rollout.enterprise_id)).order_by(Rollout.stage, Enterprise.id)
    if only_high_risk:
        query = query.where(Rollout.high_risk.is_(True))
    plans = session.execute(query).all()
    ids = [e.id for _r, e in plans]
    active = dict(session.execute(select(Connector.enterprise_id, func.count()).where(
        Connector.enterprise_id.in_(ids), Connector.status == ConnectorStatus.ACTIVE)
        .group_by(Connector.enterprise_id)).all()) if ids else {}
    mapped = session.execute(select(Point.sensor_id, Connector.enterprise_id)
                             .join(Connector, Connector.id == Point.connector_id)
                             .where(Connector.enterprise_id.in_(ids), Connector.status == ConnectorStatus.ACTIVE)
                             ).all() if ids else []
    heard = monitoring.last_reading_ts(session, {sensor_id for sensor_id, _e in mapped})
    last: dict[int, float] = {}
    for sensor_id, enterprise_id in mapped:
        if sensor_id in heard:
            last[enterprise_id] = max(last.get(enterprise_id, heard[sensor_id]), heard[sensor_id])
    out = []
    for plan, enterprise in plans:
        connected = bool(active.get(enterprise.id)) and enterprise.id in last
        late = plan.high_risk and not connected and today > plan.due_on
        behind = not connected and plan.stage_on is not None and today > plan.stage_on
        out.append({"enterprise": enterprise, "plan": plan, "connected": connected,
                    "connectors": active.get(enterprise.id, 0),
                    "last_at": datetime.fromtimestamp(last[enterprise.id], UTC) if enterprise.id in last else None,
                    "late": late, "behind": behind,
                    "days_left": (plan.due_on - today).days if not connected else None})
    return out


def rollout_summary(rows: list[dict]) -> dict:
    high = [r for r in rows if r["plan"].high_risk]
    return {"enterprises": len(rows), "high_risk": len(high), "high_risk_connected": sum(r["connected"] for r in high),
            "late": sum(r["late"] for r in rows), "behind": sum(r["behind"] for r in rows),
            "by_stage": {s.value: sum(1 for r in rows if r["plan"].stage == s) for s in Stage}}



# ---- what the pages show ------------------------------------------------------------------------------


def enterprises_connected(*, session: Session, actor: User) -> list[Enterprise]:
    """Enterprises in the actor's scope with a connector or a roll-out plan."""
    ids = select(Connector.enterprise_id).union(select(Rollout.enterprise_id)).subquery()
    return list(session.execute(select(Enterprise).where(Enterprise.id.in_(select(ids.c[0])),
                                                         access.enterprise_scope(session, actor))
                                .order_by(Enterprise.id)).scalars())


def enterprise_id_by_bin(session: Session, bin_: str) -> int:
    """The id of the enterprise with this BIN; a form error on the BIN when there is none."""
    enterprise_id = session.execute(select(Enterprise.id).where(Enterprise.bin == bin_.strip())).scalar()
    if enterprise_id is None:
        raise ValidationFailed(N_("No enterprise with BIN %(bin)s."), field="bin", params={"bin": bin_.strip()})
    return enterprise_id


def sites_of(*, session: Session, enterprise_id: int) -> list[Site]:
    return list(session.execute(select(Site).where(Site.enterprise_id == enterprise_id)).scalars())
