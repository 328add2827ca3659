"""API shapes of connectors: a connector, its points, status, edge reports and the roll-out plan."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt

ProtocolName = Literal["opcua", "modbus", "sparkplug", "senml_mqtt", "senml_http"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CredentialsIn(_In):
    username: str = Field("", max_length=200)
    password: str = Field("", max_length=500)


class ConnectorIn(_In):
    name: str = Field(..., min_length=1, max_length=200)
    protocol: ProtocolName
    address: str = Field("", max_length=500, description="opc.tcp://host:port/path, host:port or mqtt://host:port")
    site_id: JsonInt | None = Field(None, ge=1)
    options: dict = Field(default_factory=dict, description="Per protocol: security_mode, security_policy, "
                                                            "certificate, private_key (OPC UA); unit_id, poll_s "
                                                            "(Modbus); group_id (Sparkplug); topic (SenML)")
    credentials: CredentialsIn | None = None
    expected_interval_s: float = Field(10.0, ge=0.1, le=86400)


class ConnectorUpdateIn(_In):
    name: str | None = Field(None, min_length=1, max_length=200)
    address: str | None = Field(None, max_length=500)
    options: dict | None = None
    credentials: CredentialsIn | None = None
    expected_interval_s: float | None = Field(None, ge=0.1, le=86400)


class PointIn(_In):
    source: str = Field(..., min_length=1, max_length=300, description="Node id, hr:N/ir:N/co:N/di:N, "
                                                                       "node/metric or a SenML name")
    sensor: str = Field(..., min_length=1, max_length=200, description="The monitoring sensor's code")
    kind: Literal["value", "status"] = "value"
    unit: str = Field("", max_length=16, description="The unit the source reports in (value points)")
    scale: float = 1.0
    offset: float = 0.0
    data_type: Literal["", "int16", "uint16", "int32", "uint32", "float32", "int64", "uint64", "float64"] = ""
    byte_order: Literal["big", "little"] = "big"
    word_order: Literal["big", "little"] = "big"
    flag: Literal["", "a1", "a2", "fault", "calibration_due", "bump_failed"] = ""
    bit: JsonInt | None = Field(None, ge=0, le=63)


class StatusIn(_In):
    status: Literal["active", "disabled"]


class PointOut(BaseModel):
    source: str
    sensor: str
    kind: str
    unit: str
    scale: float
    offset: float
    data_type: str
    byte_order: str
    word_order: str
    flag: str
    bit: int | None


class ConnectorOut(BaseModel):
    id: int
    enterprise_id: int
    site_id: int | None
    name: str
    protocol: str
    address: str
    options: dict
    has_credentials: bool
    status: str
    expected_interval_s: float
    points: list[PointOut]


class PushOut(BaseModel):
    readings_in: int
    readings_stored: int
    duplicates: int
    dead_letters: int
    alarm_events: int
    rejected: int


class EdgeReportIn(_In):
    agent: str = Field(..., min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    drift_s: float = Field(..., ge=-1e9, le=1e9, description="The agent's clock minus the platform's, seconds")
    queued: JsonInt = Field(..., ge=0)
    dropped: JsonInt = Field(0, ge=0)
    detail: dict = Field(default_factory=dict)


class EdgeStatusChangeIn(_In):
    s: str = Field(..., min_length=1, max_length=100, description="The sensor's code")
    ts: float = Field(..., ge=0, le=1e11, description="When the detector reported it (Unix seconds)")
    flag: Literal["a1", "a2", "fault", "calibration_due", "bump_failed"]
    active: bool


class EdgeLinkChangeIn(_In):
    s: str = Field(..., min_length=1, max_length=100, description="The sensor's code")
    ts: float = Field(..., ge=0, le=1e11)
    online: bool
    reason: str = Field("", max_length=64)


class EdgeStatusesIn(_In):
    agent: str = Field(..., min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    statuses: list[EdgeStatusChangeIn] = Field(default_factory=list, max_length=10_000)
    links: list[EdgeLinkChangeIn] = Field(default_factory=list, max_length=10_000)


class EdgeStatusesOut(BaseModel):
    applied: int
    repeated: int
    alarm_events: int


class EdgeReportOut(BaseModel):
    agent: str
    reported_at: datetime
    drift_s: float
    queued: int
    dropped: int
    server_time: float


class ZoneHealthOut(BaseModel):
    zone_id: int
    zone: str
    connected: bool
    sensors: int
    connected_sensors: int
    last_at: datetime | None
    completeness: float | None
    offline: list[str]
    calibration_overdue: list[str]
    detector_flags: dict[str, list[str]]


class RolloutIn(_In):
    high_risk: bool
    stage: Literal["pilot", "refinement", "mandatory"]
    stage_on: date | None = None
    due_on: date | None = None
    note: str = Field("", max_length=2000)


class RolloutOut(BaseModel):
    enterprise_id: int
    bin: str
    name: str
    high_risk: bool
    stage: str
    stage_on: date | None
    due_on: date
    connected: bool
    connectors: int
    last_at: datetime | None
    late: bool
    behind: bool
