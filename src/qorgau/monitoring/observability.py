"""Monitoring's series on /metrics (see core.metrics): ingest rate and lag, dead letters, alarms."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qorgau.core.metrics import Sample


def collect(session: Session) -> list[Sample]:
    from qorgau.monitoring.models import Alarm, DeadLetter, Rollup, Sensor, SensorState

    now = time.time()
    samples: list[Sample] = []
    minute = int(now // 60)
    # Rollups are kept up to date by the ingest path; the last five whole minutes give the rate.
    received = session.execute(select(func.coalesce(func.sum(Rollup.n), 0))
                               .where(Rollup.minute >= minute - 5, Rollup.minute < minute)).scalar_one()
    samples.append(Sample("qorgau_ingest_readings_per_second", "Readings stored per second over the last 5 minutes.",
                          float(received) / 300.0))
    newest = session.execute(select(func.max(SensorState.last_ts))).scalar()
    samples.append(Sample("qorgau_ingest_lag_seconds", "Seconds since the newest reading of any sensor (-1: none yet).",
                          -1.0 if newest is None else max(0.0, now - float(newest))))
    silent = session.execute(select(func.count()).select_from(Sensor).join(SensorState, isouter=True)
                             .where(Sensor.active, func.coalesce(SensorState.last_ts, 0) < now - Sensor.silent_after_s)
                             ).scalar_one()
    samples.append(Sample("qorgau_ingest_silent_sensors", "Active sensors past their silence limit.", float(silent)))
    letters = session.execute(select(DeadLetter.reason, func.count()).group_by(DeadLetter.reason)).all()
    for reason, count in letters or [("none", 0)]:
        samples.append(Sample("qorgau_ingest_dead_letters", "Rejected sensor messages kept, by reason.",
                              float(count), {"reason": reason}))
    alarms = session.execute(select(Alarm.status, Alarm.severity, func.count())
                             .group_by(Alarm.status, Alarm.severity)).all()
    for status, severity, count in alarms or [("none", "none", 0)]:
        samples.append(Sample("qorgau_alarms", "Alarms by status and severity.", float(count),
                              {"status": status, "severity": severity}))
    return samples
