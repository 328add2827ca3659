"""Alarm lifecycle: one active alarm per sensor and type, acknowledge/clear, reminders, escalation.

States follow ThingsBoard's two flags (active/cleared x acknowledged/unacknowledged):
ACTIVE_UNACK -> ACTIVE_ACK -> CLEARED_ACK (closed), or ACTIVE_UNACK -> CLEARED_UNACK -> CLEARED_ACK.
A latching alarm (the Drager convention for A2) stays active after its condition clears until it is
acknowledged. While unacknowledged and active, an alarm is re-notified every `repeat_every_s` and
escalated one level at each `escalate_after_s` mark. Every change is returned as an AlarmEvent.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from qorgau.core.i18n_markers import N_
from qorgau.monitoring.states import AlarmStatus


class Severity(IntEnum):
    """ThingsBoard's scale; higher is worse."""

    INDETERMINATE = 0
    WARNING = 1
    MINOR = 2
    MAJOR = 3
    CRITICAL = 4


SEVERITY_LABELS = {Severity.INDETERMINATE: N_("Indeterminate"), Severity.WARNING: N_("Warning"),
                   Severity.MINOR: N_("Minor"), Severity.MAJOR: N_("Major"), Severity.CRITICAL: N_("Critical")}

THRESHOLD, RATE, STEL, TWA, OUT_OF_RANGE, SILENT, STUCK = (
    "threshold", "rate_of_change", "stel", "twa_8h", "out_of_range", "silent", "stuck")
ALARM_TYPES = {
    THRESHOLD: N_("Concentration above alarm level (A1/A2)"),
    RATE: N_("Rapid rise"),
    STEL: N_("Short-term exposure limit exceeded (15-min average)"),
    TWA: N_("8-hour average exposure limit exceeded"),
    OUT_OF_RANGE: N_("Reading outside the sensor's measuring range"),
    SILENT: N_("Sensor silent"),
    STUCK: N_("Sensor stuck (value unchanged)"),
}
# A gas detector's own status, reported through a connector (qorgau.connectors), in the same lifecycle.
DETECTOR_ALARM, DETECTOR_FAULT, CALIBRATION_DUE, BUMP_FAILED, OFFLINE = (
    "detector_alarm", "detector_fault", "calibration_due", "bump_failed", "offline")
ALARM_TYPES.update({
    DETECTOR_ALARM: N_("Gas detector in alarm (A1/A2 reported by the detector)"),
    DETECTOR_FAULT: N_("Gas detector fault"),
    CALIBRATION_DUE: N_("Gas detector calibration due"),
    BUMP_FAILED: N_("Gas detector bump test failed"),
    OFFLINE: N_("Sensor offline (its connection is lost)"),
})
DEFAULT_SEVERITY = {THRESHOLD: Severity.CRITICAL, RATE: Severity.MINOR, STEL: Severity.MAJOR,
                    TWA: Severity.MAJOR, OUT_OF_RANGE: Severity.MAJOR, SILENT: Severity.MAJOR,
                    STUCK: Severity.MINOR, DETECTOR_ALARM: Severity.CRITICAL, DETECTOR_FAULT: Severity.MAJOR,
                    CALIBRATION_DUE: Severity.MINOR, BUMP_FAILED: Severity.MAJOR, OFFLINE: Severity.MAJOR}
LEVEL_SEVERITY = {1: Severity.WARNING, 2: Severity.CRITICAL}  # threshold A1 / A2

RAISED, SEVERITY_CHANGED, CLEARED, ACKNOWLEDGED, REPEAT, ESCALATED = (
    "raised", "severity_changed", "cleared", "acknowledged", "repeat", "escalated")
EVENT_LABELS = {RAISED: N_("Alarm raised"), SEVERITY_CHANGED: N_("Alarm severity changed"),
                CLEARED: N_("Alarm cleared"), ACKNOWLEDGED: N_("Alarm acknowledged"),
                REPEAT: N_("Alarm reminder"), ESCALATED: N_("Alarm escalated")}


class AlarmError(ValueError):
    """An operation on an alarm that does not exist or cannot take it."""


@dataclass(frozen=True)
class AlarmPolicy:
    """Reminder and escalation timing (seconds)."""

    repeat_every_s: float = 300.0
    escalate_after_s: tuple[float, ...] = (900.0, 3600.0)


@dataclass
class Alarm:
    """One alarm's current state."""

    alarm_id: str
    sensor_idx: int
    sensor_id: str
    alarm_type: str
    severity: Severity
    started_at: float
    value: float
    latching: bool = False
    active: bool = True
    acknowledged: bool = False
    condition: bool = True
    cleared_at: float | None = None
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    last_notified: float = 0.0
    escalation: int = 0
    peak_severity: Severity = Severity.INDETERMINATE
    detail: dict = field(default_factory=dict)

    @property
    def status(self) -> AlarmStatus:
        return AlarmStatus.of(active=self.active, acknowledged=self.acknowledged)


@dataclass(frozen=True)
class AlarmEvent:
    """A change to an alarm, for the sink to persist and the notifier to send."""

    kind: str
    alarm_id: str
    sensor_id: str
    alarm_type: str
    severity: str
    status: str
    ts: float
    value: float | None
    escalation: int = 0
    by: str | None = None
    detail: dict | None = None


def uuid_ids() -> Callable[[], str]:
    return lambda: uuid.uuid4().hex


def counter_ids(prefix: str = "a") -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"{prefix}{next(counter)}"


class AlarmBook:
    """All open alarms of one worker: active ones by (sensor, type), cleared-unacknowledged by id."""

    def __init__(self, policy: AlarmPolicy = AlarmPolicy(), new_id: Callable[[], str] | None = None):
        self.policy = policy
        self.new_id = new_id or uuid_ids()
        self.active: dict[tuple[int, str], Alarm] = {}
        self.by_id: dict[str, Alarm] = {}

    def _event(self, alarm: Alarm, kind: str, ts: float, value: float | None = None,
               by: str | None = None, detail: dict | None = None) -> AlarmEvent:
        return AlarmEvent(kind, alarm.alarm_id, alarm.sensor_id, alarm.alarm_type, alarm.severity.name,
                          alarm.status, ts, value, alarm.escalation, by, detail)

    def condition(self, sensor_idx: int, sensor_id: str, alarm_type: str, severity: Severity | None,
                  ts: float, value: float, detail: dict | None = None, latching: bool = False) -> list[AlarmEvent]:
        """Report a rule's condition: a severity while it holds, None when it has cleared."""
        key = (sensor_idx, alarm_type)
        alarm = self.active.get(key)
        if severity is None:
            if alarm is None or not alarm.condition:
                return []
            alarm.condition = False
            if alarm.latching and not alarm.acknowledged:
                return []
            return self._clear(alarm, ts, value, None)
        if alarm is None:
            alarm = Alarm(self.new_id(), sensor_idx, sensor_id, alarm_type, severity, ts, value,
                          latching=latching, last_notified=ts, peak_severity=severity, detail=dict(detail or {}))
            self.active[key] = alarm
            self.by_id[alarm.alarm_id] = alarm
            return [self._event(alarm, RAISED, ts, value, detail=detail)]
        alarm.condition = True
        if severity != alarm.severity:
            alarm.severity = severity
            alarm.peak_severity = max(alarm.peak_severity, severity)
            alarm.latching = alarm.latching or latching
            return [self._event(alarm, SEVERITY_CHANGED, ts, value, detail=detail)]
        return []

    def _clear(self, alarm: Alarm, ts: float, value: float | None, by: str | None) -> list[AlarmEvent]:
        alarm.active, alarm.cleared_at = False, ts
        self.active.pop((alarm.sensor_idx, alarm.alarm_type), None)
        event = self._event(alarm, CLEARED, ts, value, by)
        if alarm.acknowledged:
            self.by_id.pop(alarm.alarm_id, None)  # CLEARED_ACK: closed, nothing more can happen to it
        return [event]

    def acknowledge(self, alarm_id: str, ts: float, by: str | None = None) -> list[AlarmEvent]:
        """Acknowledge; a latched alarm whose condition has gone clears at once."""
        alarm = self.by_id.get(alarm_id)
        if alarm is None:
            raise AlarmError(f"no open alarm {alarm_id!r}")
        if alarm.acknowledged:
            return []
        alarm.acknowledged, alarm.acknowledged_at, alarm.acknowledged_by = True, ts, by
        events = [self._event(alarm, ACKNOWLEDGED, ts, by=by)]
        if not alarm.active:
            self.by_id.pop(alarm_id, None)
        elif not alarm.condition:
            events += self._clear(alarm, ts, None, by)
        return events

    def clear(self, alarm_id: str, ts: float, by: str | None = None) -> list[AlarmEvent]:
        """Clear by hand (the condition may raise a new alarm later)."""
        alarm = self.by_id.get(alarm_id)
        if alarm is None or not alarm.active:
            raise AlarmError(f"no active alarm {alarm_id!r}")
        return self._clear(alarm, ts, None, by)

    def tick(self, now: float) -> list[AlarmEvent]:
        """Reminders and escalations for active, unacknowledged alarms."""
        events: list[AlarmEvent] = []
        marks = self.policy.escalate_after_s
        for alarm in list(self.active.values()):
            if alarm.acknowledged:
                continue
            age = now - alarm.started_at
            if alarm.escalation < len(marks) and age >= marks[alarm.escalation]:
                while alarm.escalation < len(marks) and age >= marks[alarm.escalation]:
                    alarm.escalation += 1
                alarm.last_notified = now
                events.append(self._event(alarm, ESCALATED, now))
            elif now - alarm.last_notified >= self.policy.repeat_every_s:
                alarm.last_notified = now
                events.append(self._event(alarm, REPEAT, now))
        return events

    def open_alarms(self) -> list[Alarm]:
        """Active alarms and cleared ones still awaiting acknowledgement."""
        return list(self.by_id.values())
