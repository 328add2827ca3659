"""Pydantic models at the monitoring API boundary."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class IngestOut(BaseModel):
    """What became of a posted batch: stored readings, repeats, late ones and dead letters."""

    readings: int
    stored: int
    duplicates: int
    late: int
    dead_letters: int
    alarm_events: int


class PresenceEventIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    badge: str = Field(min_length=1, max_length=64, pattern=r"^[^\s]+$")
    event: Literal["enter", "exit"]
    ts: AwareDatetime = Field(strict=False, description="ISO-8601 with a UTC offset")


class PresenceIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    events: list[PresenceEventIn] = Field(min_length=1, max_length=5000)


class PresenceOut(BaseModel):
    entered: int
    exited: int
    inside: int


class SensorIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    code: str = Field(min_length=1, max_length=200, pattern=r"^[^/+#\s]+$")
    quantity: str = Field(min_length=1, max_length=32)
    label: str = Field("", max_length=200)
    a1: float | None = Field(None, ge=-1e9, le=1e9, allow_inf_nan=False)
    a2: float | None = Field(None, ge=-1e9, le=1e9, allow_inf_nan=False)
    silent_after_s: float = Field(300.0, gt=0, le=7 * 86400, allow_inf_nan=False)
    latching: bool = False


class SensorOut(BaseModel):
    id: int
    code: str
    enterprise_id: int
    zone_id: int
    quantity: str
    unit: str
    label: str
    a1: float | None
    a2: float | None
    last_value: float | None = None
    last_at: datetime | None = None
    level: str = ""


class ZoneOut(BaseModel):
    zone_id: int
    name: str
    state: str
    open_alarms: int
    people: int
    max_headcount: int | None
    sensors: list[SensorOut]


class AlarmOut(BaseModel):
    id: int
    sensor_id: int
    sensor_code: str
    zone_id: int
    enterprise_id: int
    alarm_type: str
    severity: str
    peak_severity: str
    status: str
    started_at: datetime
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str
    ack_note: str
    escalation: int
    value: float | None
    people_inside: int | None
    violation_id: int | None


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    note: str = Field("", max_length=2000)


class SensorUpdateIn(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(strict=True, extra="forbid")

    label: str | None = Field(None, max_length=200)
    a1: float | None = Field(None, ge=-1e9, le=1e9, allow_inf_nan=False)
    a2: float | None = Field(None, ge=-1e9, le=1e9, allow_inf_nan=False)
    hysteresis: float | None = Field(None, ge=0, le=1e9, allow_inf_nan=False)
    silent_after_s: float | None = Field(None, gt=0, le=7 * 86400, allow_inf_nan=False)
    latching: bool | None = None


class CalibrationIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    calibrated_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    reference: str = Field(..., min_length=1, max_length=300, description="Reference gas or standard")
    performed_by: str = Field(..., min_length=1, max_length=200)
    certificate: str = Field("", max_length=100)
    next_due_on: date | None = Field(None, strict=False, description="YYYY-MM-DD")
    note: str = Field("", max_length=2000)


class CalibrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sensor_id: int
    calibrated_on: date
    reference: str
    performed_by: str
    certificate: str
    next_due_on: date | None


class MoveIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    zone_id: int = Field(..., ge=1, le=2_147_483_647)
    reason: str = Field(..., min_length=1, max_length=2000)


class MoveOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sensor_id: int
    from_zone_id: int
    to_zone_id: int
    ts: float


class DeactivateIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    reason: str = Field(..., min_length=1, max_length=2000)


class ZoneReading(BaseModel):
    sensor_id: int
    ts: float
    value: float
