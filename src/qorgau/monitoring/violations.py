"""A persistent exceedance recorded as a violation in the violations register (deviations), with its evidence.

Used by the inbox (a person files it) and by the ingest sink (filed automatically when configured)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.deviations import service as deviations
from qorgau.monitoring import alarms as alarm_model
from qorgau.monitoring.limits import catalogue_for
from qorgau.monitoring.models import Alarm, AlarmEvent

LOCAL = ZoneInfo("Asia/Almaty")
PHYSICAL = ("noise", "heat_wbgt")


def _evidence(session: Session, alarm: Alarm) -> str:
    sensor = alarm.sensor
    substance = catalogue_for(session)[sensor.quantity]
    detail = alarm.detail or {}
    zone = alarm.zone
    lines = [
        f"{alarm_model.ALARM_TYPES.get(alarm.alarm_type, alarm.alarm_type)}: {substance.name} ({substance.formula})",
        f"Zone: {zone.name} ({zone.site.name}); sensor {sensor.code}",
        f"Raised: {alarm.started_at.astimezone(LOCAL):%Y-%m-%d %H:%M} (Asia/Almaty); severity {alarm.peak_severity}",
    ]
    figures = ", ".join(f"{k} = {v:g}" if isinstance(v, int | float) else f"{k} = {v}" for k, v in detail.items())
    if figures:
        lines.append(f"Evidence: {figures} {sensor.unit}")
    if alarm.value is not None:
        lines.append(f"Value at raise: {alarm.value:g} {sensor.unit}")
    if alarm.people_inside is not None:
        lines.append(f"People in the zone when raised: {alarm.people_inside}")
    lines.append(f"Monitoring alarm #{alarm.id} ({alarm.key})")
    return "\n".join(lines)


def file_violation(*, session: Session, actor: User, alarm: Alarm) -> int:
    """Record a persistent exceedance as a violation in `deviations`, with the evidence; returns its id."""
    if alarm.violation_id is not None:
        raise ValidationFailed(N_("A violation is already recorded for this alarm."), field="alarm")
    category = "physical_environment" if alarm.sensor.quantity in PHYSICAL else "chemical_gas_dust"
    created = deviations.create_from_report(
        session=session, actor=actor, enterprise_id=alarm.enterprise_id, category=category,
        description=_evidence(session, alarm), source_reference=f"monitoring:alarm:{alarm.id}",
        imminent=alarm.alarm_type == alarm_model.STEL or alarm.peak_severity == "CRITICAL")
    alarm.violation_type, alarm.violation_id = "violation", int(created.id)
    session.add(AlarmEvent(alarm=alarm, kind="violation", at=utcnow(), severity=alarm.severity, status=alarm.status,
                           escalation=alarm.escalation, by=f"user:{actor.username}",
                           detail={"violation_id": int(created.id)}))
    session.flush()
    return int(created.id)
