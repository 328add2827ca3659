"""What connectors read, into monitoring's own ingest: codec -> rules (ceiling, A1/A2, STEL, TWA) -> sink.

Readings are handed to monitoring's `Pipeline` as the zone-topic JSON batch its codec already reads, so
they are validated, evaluated and stored exactly like MQTT or HTTP readings (idempotent on sensor and
time). A gas detector's status flags and a sensor's link state become alarms of the same lifecycle,
raised and cleared through the pipeline's alarm book and written by the same sink.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict

import orjson
from sqlalchemy.orm import Session

from qorgau.connectors.mapping import Batch
from qorgau.connectors.models import SensorLink
from qorgau.core.db import utcnow
from qorgau.monitoring import service as monitoring
from qorgau.monitoring.service import (
    DatabaseSink,
    Pipeline,
    RejectedInput,
    Severity,
    load_registry,
    zone_topic,
)

FLAG_ALARMS = {"fault": (monitoring.DETECTOR_FAULT, Severity.MAJOR),
               "calibration_due": (monitoring.CALIBRATION_DUE, Severity.MINOR),
               "bump_failed": (monitoring.BUMP_FAILED, Severity.MAJOR)}


def detector_conditions(flags: dict[str, bool]) -> dict[str, Severity | None]:
    """A detector's flags as alarm conditions: A2 critical, A1 a warning (one alarm), each other flag its own."""
    level = Severity.CRITICAL if flags.get("a2") else Severity.WARNING if flags.get("a1") else None
    out: dict[str, Severity | None] = {monitoring.DETECTOR_ALARM: level}
    for flag, (kind, severity) in FLAG_ALARMS.items():
        out[kind] = severity if flags.get(flag) else None
    return out


class Feed:
    """One process's way into monitoring for every connector it runs (one unit of work per `push`)."""

    def __init__(self, session: Session, *, commit: bool = True, connector_id: int | None = None):
        self.session = session
        registry, directory = load_registry(session)
        self.sink = DatabaseSink(session, registry, directory, commit=commit)
        self.pipeline = Pipeline(registry, self.sink)
        self.sink.attach(self.pipeline)
        self.registry = registry
        self.connector_id = connector_id
        self.flags: dict[str, dict[str, bool]] = {}

    def push(self, batch: Batch, now: float | None = None, source: str = "connector") -> dict[str, int]:
        """Store the batch's readings and apply its status and link changes; returns the pipeline's counts."""
        now = time.time() if now is None else now
        before = self.pipeline.counters.as_dict()
        by_zone: dict[tuple[str, str], list] = defaultdict(list)
        letters = [RejectedInput(now, f"connectors/{source}", "schema", why, src.encode()) for src, why in batch.rejected]
        for r in batch.readings:
            idx = self.registry.index(r.sensor)
            if idx is None:
                letters.append(RejectedInput(now, f"connectors/{source}", "unknown_sensor", r.sensor, r.sensor.encode()))
                continue
            cfg = self.registry.configs[idx]
            by_zone[(cfg.enterprise_bin, cfg.zone)].append(r)
        for (enterprise_bin, zone), rows in by_zone.items():
            payload = orjson.dumps({"s": [r.sensor for r in rows], "ts": [r.ts for r in rows],
                                    "v": [r.value for r in rows]})
            self.pipeline.submit(zone_topic(enterprise_bin, zone), payload, now)
        if letters:
            self.sink.write_dead_letters(letters)
        events = []
        for change in sorted(batch.statuses, key=lambda c: c.ts):
            flags = self.flags.setdefault(change.sensor, self._stored_flags(change.sensor))
            if flags.get(change.flag) == change.active:
                continue
            flags[change.flag] = change.active
            events += self._conditions(change.sensor, detector_conditions(flags), change.ts)
            self._link(change.sensor, None, change.ts, "", flags)
        for change in sorted(batch.links, key=lambda c: c.ts):
            events += self._conditions(change.sensor, {monitoring.OFFLINE: None if change.online else Severity.MAJOR},
                                       change.ts, {"reason": change.reason})
            self._link(change.sensor, change.online, change.ts, change.reason, None)
        if events:
            self.sink.write_alarm_events(events)
            self.pipeline.counters.alarm_events += len(events)
        self.pipeline.process(now, release_all=True)
        after = self.pipeline.counters.as_dict()
        return {k: after[k] - before[k] for k in ("readings_in", "readings_stored", "duplicates", "dead_letters",
                                                   "alarm_events")}

    def _conditions(self, sensor: str, conditions: dict, ts: float, detail: dict | None = None) -> list:
        idx = self.registry.index(sensor)
        if idx is None:
            return []
        out = []
        for kind, severity in conditions.items():
            out += self.pipeline.engine.book.condition(idx, sensor, kind, severity, ts, math.nan, detail)
        return out

    def _stored_flags(self, sensor: str) -> dict[str, bool]:
        info = self.sink.directory.get(sensor)
        link = self.session.get(SensorLink, info.id) if info else None
        return dict(link.flags or {}) if link else {}

    def _link(self, sensor: str, online: bool | None, ts: float, reason: str, flags: dict | None) -> None:
        info = self.sink.directory.get(sensor)
        if info is None:
            return
        link = self.session.get(SensorLink, info.id)
        if link is None:
            link = SensorLink(sensor_id=info.id, connector_id=self.connector_id, online=True, reason="", flags={})
            self.session.add(link)
        if online is not None and link.online != online:
            link.online, link.reason, link.changed_at = online, reason, utcnow()
        if flags is not None:
            link.flags = dict(flags)
        self.session.flush()
