"""Connectors of a plant's control system to monitoring, the mapping of their points to registry sensors,
each mapped sensor's link state, edge agents' reports, and the Ministry's roll-out plan per enterprise.

Credentials are stored only encrypted (`credentials_encrypted`, AES-GCM with the platform's data key;
key rotation rewrites every `*_encrypted` column). Readings themselves are monitoring's: a connector
only turns what it reads into readings of monitoring sensors.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions


class Protocol(StrEnum):
    OPCUA = "opcua"
    MODBUS = "modbus"
    SPARKPLUG = "sparkplug"
    SENML_MQTT = "senml_mqtt"
    SENML_HTTP = "senml_http"


PROTOCOL_LABELS = {Protocol.OPCUA: N_("OPC UA (subscription)"), Protocol.MODBUS: N_("Modbus TCP (polling)"),
                   Protocol.SPARKPLUG: N_("Sparkplug B over MQTT"), Protocol.SENML_MQTT: N_("SenML JSON over MQTT"),
                   Protocol.SENML_HTTP: N_("SenML JSON over HTTP")}


class ConnectorStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    DISABLED = "disabled"


CONNECTOR_MOVES = Transitions(ConnectorStatus, {
    ConnectorStatus.DRAFT: {ConnectorStatus.ACTIVE, ConnectorStatus.DISABLED},
    ConnectorStatus.ACTIVE: {ConnectorStatus.DISABLED},
    ConnectorStatus.DISABLED: {ConnectorStatus.ACTIVE},
})
FLAG_LABELS = {"a1": N_("A1 warning from the detector"), "a2": N_("A2 alarm from the detector"),
               "fault": N_("Detector fault"), "calibration_due": N_("Calibration due"),
               "bump_failed": N_("Bump test failed")}
STATUS_LABELS = {ConnectorStatus.DRAFT: N_("Draft"), ConnectorStatus.ACTIVE: N_("Active"),
                 ConnectorStatus.DISABLED: N_("Disabled")}


class Stage(StrEnum):
    """The Ministry's plan: a pilot at five large enterprises, refinement, then mandatory connection."""

    PILOT = "pilot"
    REFINEMENT = "refinement"
    MANDATORY = "mandatory"


STAGE_LABELS = {Stage.PILOT: N_("Pilot"), Stage.REFINEMENT: N_("Refinement"), Stage.MANDATORY: N_("Mandatory")}
MANDATORY_BY = date(2028, 1, 1)  # high-risk enterprises connected by then


class Connector(Base):
    """One connection from the platform (or an edge agent) to a plant's server, PLC or broker."""

    __tablename__ = "connectors_connector"
    __audit_exclude__ = ("credentials_encrypted",)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("registry_site.id"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    protocol: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(500), default="")  # opc.tcp://..., host:port, mqtt://host:port
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # per protocol: security, unit id, topics, ...
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=ConnectorStatus.DRAFT, index=True)
    expected_interval_s: Mapped[float] = mapped_column(Float, default=10.0)  # for data completeness
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    points: Mapped[list[Point]] = relationship(back_populates="connector", order_by="Point.id",
                                               cascade="all, delete-orphan")


class Point(Base):
    """A tag, register or metric of the connector mapped to a monitoring sensor.

    kind "value": reading = (raw x scale + offset) in `unit`, converted to the sensor's unit (never guessed:
    a value point must name its unit). kind "status": a gas detector's state flag (`flag`: a1, a2, fault,
    calibration_due, bump_failed), true when the raw value is non-zero (or its `bit` is set).
    """

    __tablename__ = "connectors_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors_connector.id"), index=True)
    source: Mapped[str] = mapped_column(String(300))  # node id, register address, metric name, SenML name
    sensor_id: Mapped[int] = mapped_column(ForeignKey("monitoring_sensor.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="value")
    unit: Mapped[str] = mapped_column(String(16), default="")
    scale: Mapped[float] = mapped_column(Float, default=1.0)
    offset: Mapped[float] = mapped_column(Float, default=0.0)
    data_type: Mapped[str] = mapped_column(String(16), default="")  # Modbus: int16, uint16, int32, uint32, float32, float64
    byte_order: Mapped[str] = mapped_column(String(8), default="big")
    word_order: Mapped[str] = mapped_column(String(8), default="big")
    flag: Mapped[str] = mapped_column(String(24), default="")
    bit: Mapped[int | None] = mapped_column(Integer, nullable=True)

    connector: Mapped[Connector] = relationship(back_populates="points")


class SensorLink(Base):
    """Whether a connected sensor is reachable now (a Sparkplug node death or a lost session: offline)."""

    __tablename__ = "connectors_sensor_link"
    __audited__ = False  # machine state, changed by the connectors as links come and go

    sensor_id: Mapped[int] = mapped_column(ForeignKey("monitoring_sensor.id"), primary_key=True)
    connector_id: Mapped[int | None] = mapped_column(ForeignKey("connectors_connector.id"), nullable=True)
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(String(64), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    flags: Mapped[dict] = mapped_column(JSON, default=dict)  # the detector's current status flags


class EdgeReport(Base):
    """What an edge agent last told the platform: when, its clock's drift, its queue."""

    __tablename__ = "connectors_edge_report"
    __audited__ = False  # one row per agent, rewritten at each report

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    agent: Mapped[str] = mapped_column(String(100))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drift_s: Mapped[float] = mapped_column(Float, default=0.0)  # agent clock minus platform clock
    queued: Mapped[int] = mapped_column(Integer, default=0)
    dropped: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class EdgeStatus(Base):
    """The last detector status or link change an edge agent forwarded per sensor and flag (`online` for the
    link): a change at or before it is a resent one and is not applied again."""

    __tablename__ = "connectors_edge_status"
    __audited__ = False  # machine state, rewritten as changes arrive

    sensor_id: Mapped[int] = mapped_column(ForeignKey("monitoring_sensor.id"), primary_key=True)
    flag: Mapped[str] = mapped_column(String(24), primary_key=True)
    ts: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean)


class Rollout(Base):
    """An enterprise's place in the Ministry's roll-out of online monitoring of hazardous zones."""

    __tablename__ = "connectors_rollout"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), primary_key=True)
    high_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[str] = mapped_column(String(16), default=Stage.MANDATORY)
    stage_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # when the enterprise enters its stage
    due_on: Mapped[date] = mapped_column(Date, default=MANDATORY_BY)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
