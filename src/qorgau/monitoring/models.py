"""Tables of online monitoring: sensors in registry zones, readings, minute rollups, alarms, presence.

Readings, rollups, the latest value per sensor, alarm event history, presence events and dead letters
are machine data written by the ingest workers at up to millions of rows a minute: they opt out of the
automatic audit (`__audited__ = False`), which would otherwise write one audit entry per row and
serialise every ingest transaction on the audit chain. What people do (registering a sensor,
acknowledging an alarm) changes audited tables (`monitoring_sensor`, `monitoring_alarm`).

Times of readings are epoch seconds (float64, UTC) and rollup minutes are epoch minutes: that is how
the engine works, it keeps the (sensor, ts) key exact for idempotent inserts, and it makes grouping by
shift plain integer arithmetic on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.registry.models import Zone


class Sensor(Base):
    """A fixed detector in a registry zone; blank levels take the substance catalogue's defaults."""

    __tablename__ = "monitoring_sensor"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(200), unique=True)  # the sensor id in topics and payloads
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("registry_zone.id"), index=True)
    quantity: Mapped[str] = mapped_column(String(32))  # substance catalogue code
    unit: Mapped[str] = mapped_column(String(16), default="")
    label: Mapped[str] = mapped_column(String(200), default="")
    a1: Mapped[float | None] = mapped_column(Float, nullable=True)
    a2: Mapped[float | None] = mapped_column(Float, nullable=True)
    hysteresis: Mapped[float | None] = mapped_column(Float, nullable=True)
    silent_after_s: Mapped[float] = mapped_column(Float, default=300.0)
    latching: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    zone: Mapped[Zone] = relationship()


class SensorState(Base):
    """The latest reading of each sensor (for the live view), upserted with every stored batch."""

    __tablename__ = "monitoring_sensor_state"
    __audited__ = False  # rewritten by every ingest unit of work

    sensor_id: Mapped[int] = mapped_column(ForeignKey("monitoring_sensor.id"), primary_key=True)
    last_ts: Mapped[float] = mapped_column(Float)
    last_value: Mapped[float] = mapped_column(Float)


class Reading(Base):
    """A raw reading; unique on (sensor, ts) so a QoS-1 redelivery never doubles one."""

    __tablename__ = "monitoring_reading"
    __audited__ = False  # about one row per sensor per second
    __table_args__ = (PrimaryKeyConstraint("sensor_id", "ts"),)

    sensor_id: Mapped[int] = mapped_column(ForeignKey("monitoring_sensor.id"))
    ts: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    late: Mapped[bool] = mapped_column(Boolean, default=False)


class IngestLease(Base):
    """Which ingest worker owns a topic partition, until when (partitions.py): renewed every few seconds,
    taken over by another worker once it expires."""

    __tablename__ = "monitoring_ingest_lease"
    __audited__ = False  # renewed by every worker every few seconds

    partition: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(200), default="")  # "" when nobody holds it
    expires_at: Mapped[float] = mapped_column(Float, default=0.0)  # epoch seconds
    epoch: Mapped[int] = mapped_column(Integer, default=0)  # raised by every take-over


class IngestMember(Base):
    """An ingest worker alive until `seen_until`: how many share the partitions."""

    __tablename__ = "monitoring_ingest_member"
    __audited__ = False

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_until: Mapped[float] = mapped_column(Float)


class Rollup(Base):
    """Per sensor and minute: min, max, sum and count of the readings (mean = vsum / n)."""

    __tablename__ = "monitoring_rollup"
    __audited__ = False  # one row per sensor per minute
    __table_args__ = (PrimaryKeyConstraint("sensor_id", "minute"),)

    sensor_id: Mapped[int] = mapped_column(ForeignKey("monitoring_sensor.id"))
    minute: Mapped[int] = mapped_column(BigInteger)  # epoch minute: starts at minute * 60 s
    vmin: Mapped[float] = mapped_column(Float)
    vmax: Mapped[float] = mapped_column(Float)
    vsum: Mapped[float] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)


class Alarm(Base):
    """One alarm (the engine's lifecycle: ACTIVE/CLEARED x ACK/UNACK), the record the inbox shows."""

    __tablename__ = "monitoring_alarm"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # the engine's alarm id
    sensor_id: Mapped[int] = mapped_column(ForeignKey("monitoring_sensor.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("registry_zone.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    alarm_type: Mapped[str] = mapped_column(String(16), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    peak_severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)  # the reading that raised it
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    acknowledged_by: Mapped[str] = mapped_column(String(200), default="")
    ack_note: Mapped[str] = mapped_column(Text, default="")
    ack_pending: Mapped[bool] = mapped_column(Boolean, default=False)  # acknowledged here, worker not told yet
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    people_inside: Mapped[int | None] = mapped_column(Integer, nullable=True)  # when it was raised
    people: Mapped[list | None] = mapped_column(JSON, nullable=True)  # badge codes inside then
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    violation_type: Mapped[str] = mapped_column(String(16), default="")
    violation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    sensor: Mapped[Sensor] = relationship()
    zone: Mapped[Zone] = relationship()
    events: Mapped[list[AlarmEvent]] = relationship(back_populates="alarm",
                                                       order_by=lambda: AlarmEvent.id)


class AlarmEvent(Base):
    """The alarm's history: raised, severity changed, reminders, escalations, acknowledged, cleared."""

    __tablename__ = "monitoring_alarm_event"
    __audited__ = False  # machine events (a reminder every 5 min per open alarm); the alarm row is audited

    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("monitoring_alarm.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    by: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    alarm: Mapped[Alarm] = relationship(back_populates="events")


class Presence(Base):
    """A badge inside a zone from entry to exit (open while exited_at is empty). Badge codes only."""

    __tablename__ = "monitoring_presence"
    __audited__ = False  # badge gateway events, machine data
    __table_args__ = (Index("ix_monitoring_presence_zone_open", "zone_id", "exited_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("registry_zone.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    badge: Mapped[str] = mapped_column(String(64), index=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeadLetter(Base):
    """Input that could not become a reading, kept with the reason (never dropped silently)."""

    __tablename__ = "monitoring_dead_letter"
    __audited__ = False  # machine input, possibly a flood of it

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("registry_enterprise.id"), nullable=True,
                                                      index=True)
    topic: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    row: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class SubstanceLimit(Base):
    """An exposure limit entered on the platform (e.g. Kazakhstan's hygienic standard), with its source and
    reference; it takes the place of the shipped limit of the same substance, source and kind."""

    __tablename__ = "monitoring_substance_limit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)  # substance catalogue code
    source: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SensorMove(Base):
    """A sensor taken from one zone to another at a moment: readings before it stay in the zone they were
    taken in (a reading's zone is the `from_zone` of the first move after it, else the sensor's zone)."""

    __tablename__ = "monitoring_sensor_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("monitoring_sensor.id"), index=True)
    from_zone_id: Mapped[int] = mapped_column(ForeignKey("registry_zone.id"))
    to_zone_id: Mapped[int] = mapped_column(ForeignKey("registry_zone.id"))
    ts: Mapped[float] = mapped_column(Float)  # epoch seconds, like the readings
    reason: Mapped[str] = mapped_column(Text, default="")
    moved_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)


class Calibration(Base):
    """A calibration of a sensor: when, against what reference, by whom, the certificate, the next due date."""

    __tablename__ = "monitoring_calibration"

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("monitoring_sensor.id"), index=True)
    calibrated_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(300))  # e.g. "H2S 10 ppm in N2, cylinder 4471"
    performed_by: Mapped[str] = mapped_column(String(200))
    certificate: Mapped[str] = mapped_column(String(100), default="")
    next_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SitePlan(Base):
    """An uploaded plan of a site (re-encoded PNG) with the outline of each zone in its pixels."""

    __tablename__ = "monitoring_site_plan"
    __audit_exclude__ = ("image",)  # the picture itself; its size and outlines are audited

    site_id: Mapped[int] = mapped_column(ForeignKey("registry_site.id"), primary_key=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    outlines: Mapped[dict] = mapped_column(JSON, default=dict)  # zone id (str) -> [[x, y], ...]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
