"""The edge agent: runs a plant's connectors on a small Linux box, evaluates the alarms locally, and
stores and forwards readings through a bounded on-disk queue while the uplink is down.

- Readings go through monitoring's own `Pipeline` and rule engine here (ceiling/A2, A1, STEL, TWA), so a
  local siren or display fed by the `on_alarm` hook works with no uplink at all.
- Every reading is first written to the queue (SQLite, WAL, synchronous FULL, one row per reading with a
  sequence number) and only deleted once the platform has answered 2xx for it: nothing is lost if the
  link or the agent dies. The queue is bounded (`max_rows`); when full, the oldest readings are dropped
  and counted (reported, never silent).
- Forwarding sends the queue's head in sequence order, with the readings' original timestamps, to the
  platform's HTTP ingest, which stores each (sensor, time) once: a batch resent after a lost answer is
  not doubled.
- A gas detector's status changes (A1/A2, fault, calibration due, bump test failed) and a sensor's link
  changes (offline) are evaluated locally too and queued the same way in their own table; they are
  forwarded first, in order and with their original times, to the platform's edge route, which applies
  them into the alarm lifecycle as its own connectors do and ignores a change it has already applied.
- Each report to the platform carries the agent's clock drift (its clock minus the platform's, from the
  reply's server time, half the round trip allowed for); drift beyond `drift_limit_s` is logged and shown.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from qorgau.connectors.feed import detector_conditions
from qorgau.connectors.mapping import Batch, LinkChange, StatusChange
from qorgau.connectors.sources import ConnectorConfig
from qorgau.monitoring import service as monitoring
from qorgau.monitoring.service import (
    AlarmChange,
    Pipeline,
    ReadingBatch,
    RejectedInput,
    RollupBatch,
    SensorConfig,
    SensorRegistry,
    Severity,
    default_catalogue,
    zone_topic,
)

log = logging.getLogger(__name__)


class UplinkDown(Exception):
    """The platform cannot be reached (or answered 5xx): keep the readings and try again later."""


class Rejected(Exception):
    """The platform refused a batch for good (4xx other than 408/429): it is set aside, not resent forever."""


# -- the queue -------------------------------------------------------------------------------------

class DiskQueue:
    """A bounded FIFO of readings, and one of status and link changes, in SQLite; safe against power loss
    (WAL, synchronous FULL)."""

    def __init__(self, path: str | Path, max_rows: int = 5_000_000):
        self.path = str(path)
        self.max_rows = max_rows
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.lock = threading.Lock()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS reading (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                        "sensor TEXT NOT NULL, zone TEXT NOT NULL, ts REAL NOT NULL, value REAL NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value REAL NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS refused (seq INTEGER PRIMARY KEY, sensor TEXT, zone TEXT, "
                        "ts REAL, value REAL, reason TEXT)")
        # kind 'status': name is the flag, active whether it is set; kind 'link': name is the reason,
        # active whether the sensor is online.
        self.db.execute("CREATE TABLE IF NOT EXISTS status (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                        "sensor TEXT NOT NULL, ts REAL NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, "
                        "active INTEGER NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS refused_status (seq INTEGER PRIMARY KEY, sensor TEXT, "
                        "ts REAL, kind TEXT, name TEXT, active INTEGER, reason TEXT)")

    def put(self, rows: Sequence[tuple[str, str, float, float]]) -> int:
        """Append (sensor, zone, ts, value) rows in one transaction; returns how many old rows were dropped."""
        if not rows:
            return 0
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT INTO reading (sensor, zone, ts, value) VALUES (?, ?, ?, ?)", rows)
            excess = self._depth() - self.max_rows
            if excess > 0:
                self.db.execute("DELETE FROM reading WHERE seq IN (SELECT seq FROM reading ORDER BY seq LIMIT ?)",
                                (excess,))
                self._add("dropped", excess)
            self.db.execute("COMMIT")
        return max(excess, 0)

    def head(self, n: int) -> list[tuple[int, str, str, float, float]]:
        with self.lock:
            return self.db.execute("SELECT seq, sensor, zone, ts, value FROM reading ORDER BY seq LIMIT ?",
                                   (n,)).fetchall()

    def ack(self, last_seq: int) -> None:
        with self.lock:
            self.db.execute("DELETE FROM reading WHERE seq <= ?", (last_seq,))

    def set_aside(self, rows: list, reason: str) -> None:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO refused VALUES (?, ?, ?, ?, ?, ?)",
                                [(*r, reason) for r in rows])
            self.db.execute("DELETE FROM reading WHERE seq <= ?", (rows[-1][0],))
            self.db.execute("COMMIT")

    def put_changes(self, changes: Sequence[StatusChange | LinkChange]) -> int:
        """Append status and link changes in one transaction; returns how many old ones were dropped."""
        if not changes:
            return 0
        rows = [(c.sensor, float(c.ts), "status", c.flag, int(c.active)) if isinstance(c, StatusChange)
                else (c.sensor, float(c.ts), "link", c.reason, int(c.online)) for c in changes]
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT INTO status (sensor, ts, kind, name, active) VALUES (?, ?, ?, ?, ?)", rows)
            excess = int(self.db.execute("SELECT count(*) FROM status").fetchone()[0]) - self.max_rows
            if excess > 0:
                self.db.execute("DELETE FROM status WHERE seq IN (SELECT seq FROM status ORDER BY seq LIMIT ?)",
                                (excess,))
                self._add("dropped_changes", excess)
            self.db.execute("COMMIT")
        return max(excess, 0)

    def head_changes(self, n: int) -> list[tuple[int, str, float, str, str, int]]:
        with self.lock:
            return self.db.execute("SELECT seq, sensor, ts, kind, name, active FROM status ORDER BY seq LIMIT ?",
                                   (n,)).fetchall()

    def ack_changes(self, last_seq: int) -> None:
        with self.lock:
            self.db.execute("DELETE FROM status WHERE seq <= ?", (last_seq,))

    def set_aside_changes(self, rows: list, reason: str) -> None:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO refused_status VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [(*r, reason) for r in rows])
            self.db.execute("DELETE FROM status WHERE seq <= ?", (rows[-1][0],))
            self.db.execute("COMMIT")

    def changes_depth(self) -> int:
        with self.lock:
            return int(self.db.execute("SELECT count(*) FROM status").fetchone()[0])

    def _depth(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM reading").fetchone()[0])

    def depth(self) -> int:
        with self.lock:
            return self._depth()

    def _add(self, key: str, amount: float) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                        "value = value + excluded.value", (key, amount))

    def counter(self, key: str) -> int:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.db.close()


# -- the uplink ------------------------------------------------------------------------------------

Post = Callable[[str, bytes, dict], tuple[int, bytes, dict]]


def urllib_post(url: str, body: bytes, headers: dict, timeout: float = 15.0) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the configured platform)
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers or {})
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise UplinkDown(str(error)) from error


@dataclass
class HttpUplink:
    """The platform's HTTP ingest with a telemetry token."""

    base_url: str
    token: str
    post: Post = urllib_post

    def _call(self, path: str, body: bytes) -> bytes:
        status, content, _headers = self.post(self.base_url.rstrip("/") + path, body, {
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        if status >= 500 or status in (408, 429):
            raise UplinkDown(f"HTTP {status}")
        if status >= 400:
            raise Rejected(f"HTTP {status}: {content[:300].decode(errors='replace')}")
        return content

    def send(self, enterprise_bin: str, zone: str, sensors: list[str], ts: list[float], values: list[float]) -> dict:
        body = orjson.dumps({"s": sensors, "ts": ts, "v": values})
        return orjson.loads(self._call(f"/api/v1/monitoring/ingest/{enterprise_bin}/{zone}/readings", body))

    def changes(self, enterprise_bin: str, body: dict) -> dict:
        return orjson.loads(self._call(f"/api/v1/connectors/edge/{enterprise_bin}/statuses", orjson.dumps(body)))

    def report(self, enterprise_bin: str, body: dict) -> dict:
        return orjson.loads(self._call(f"/api/v1/connectors/edge/{enterprise_bin}/reports", orjson.dumps(body)))


# -- the agent -------------------------------------------------------------------------------------

class _LocalSink:
    """The local pipeline's sink: readings into the queue, alarm events to the local output hook."""

    def __init__(self, agent: EdgeAgent):
        self.agent = agent

    def write_readings(self, batch: ReadingBatch) -> None:
        zones = self.agent.zones
        rows = [(s, zones[s], float(t), float(v)) for s, t, v in
                zip(batch.sensor_ids.tolist(), batch.ts.tolist(), batch.value.tolist(), strict=True)]
        self.agent.dropped += self.agent.queue.put(rows)

    def write_rollups(self, batch: RollupBatch) -> None:
        return None  # the platform computes its own rollups from the forwarded readings

    def write_alarm_events(self, events: Sequence[AlarmChange]) -> None:
        for event in events:
            self.agent.on_alarm(event)

    def write_dead_letters(self, letters: Sequence[RejectedInput]) -> None:
        for letter in letters:
            log.warning("reading refused locally (%s): %s", letter.reason, letter.detail)
        self.agent.refused += len(letters)

    def commit(self) -> None:
        return None


def print_alarm(event: AlarmChange) -> None:
    print(json.dumps({"alarm": event.kind, "sensor": event.sensor_id, "type": event.alarm_type,
                      "severity": event.severity, "status": event.status, "ts": event.ts, "value": event.value}),
          flush=True)


class EdgeAgent:
    def __init__(self, config: dict, queue: DiskQueue, uplink: HttpUplink | None = None,
                 on_alarm: Callable[[AlarmChange], None] = print_alarm, clock: Callable[[], float] = time.time,
                 batch_size: int = 5000, drift_limit_s: float = 2.0):
        self.enterprise_bin = config["enterprise_bin"]
        self.name = config.get("agent", "edge")
        self.connectors = [ConnectorConfig.from_dict(c) for c in config.get("connectors", [])]
        catalogue = default_catalogue()
        configs, self.zones = [], {}
        for s in config.get("sensors", []):
            overrides = {k: s[k] for k in ("a1", "a2", "hysteresis", "silent_after_s", "latching")
                         if s.get(k) is not None}
            zone = str(s["zone_id"])
            configs.append(SensorConfig.for_substance(s["code"], self.enterprise_bin, zone, catalogue[s["quantity"]],
                                                      **overrides))
            self.zones[s["code"]] = zone
        self.registry = SensorRegistry(configs)
        self.queue, self.uplink, self.on_alarm, self.clock = queue, uplink, on_alarm, clock
        self.batch_size, self.drift_limit_s = batch_size, drift_limit_s
        self.pipeline = Pipeline(self.registry, _LocalSink(self))
        self.lock = threading.Lock()
        self.dropped = self.refused = self.sent = 0
        self.drift_s: float | None = None
        self.round_trip_s: float | None = None
        self.link_up = True
        self.flags: dict[str, dict[str, bool]] = {}
        self.online: dict[str, bool] = {}
        self.dropped_changes = self.sent_changes = 0

    # readings in
    def take(self, batch: Batch) -> None:
        """Evaluate locally and queue: called by the connectors (any thread)."""
        now = self.clock()
        with self.lock:
            by_zone: dict[str, list] = {}
            for r in batch.readings:
                zone = self.zones.get(r.sensor)
                if zone is None:
                    self.refused += 1
                    continue
                by_zone.setdefault(zone, []).append(r)
            for zone, rows in by_zone.items():
                payload = orjson.dumps({"s": [r.sensor for r in rows], "ts": [r.ts for r in rows],
                                        "v": [r.value for r in rows]})
                self.pipeline.submit(zone_topic(self.enterprise_bin, zone), payload, now)
            changes: list[StatusChange | LinkChange] = []
            for change in sorted(batch.statuses, key=lambda c: c.ts):
                idx = self.registry.index(change.sensor)
                flags = self.flags.setdefault(change.sensor, {})
                if idx is None or flags.get(change.flag) == change.active:
                    continue
                flags[change.flag] = change.active
                changes.append(change)
                self._conditions(idx, change.sensor, detector_conditions(flags), change.ts)
            for link in sorted(batch.links, key=lambda c: c.ts):
                idx = self.registry.index(link.sensor)
                if idx is None or self.online.get(link.sensor, True) == link.online:
                    continue
                self.online[link.sensor] = link.online
                changes.append(link)
                self._conditions(idx, link.sensor, {monitoring.OFFLINE: None if link.online else Severity.MAJOR},
                                 link.ts, {"reason": link.reason})
            self.dropped_changes += self.queue.put_changes(changes)
            self.pipeline.process(now, release_all=True)

    def _conditions(self, idx: int, sensor: str, conditions: dict, ts: float, detail: dict | None = None) -> None:
        for kind, severity in conditions.items():
            for event in self.pipeline.engine.book.condition(idx, sensor, kind, severity, ts, float("nan"), detail):
                self.on_alarm(event)

    # status and link changes out
    def forward_changes(self) -> bool:
        """Send the queued status and link changes in order; False if the link is down (they stay queued)."""
        assert self.uplink is not None
        while rows := self.queue.head_changes(self.batch_size):
            body = {"agent": self.name,
                    "statuses": [{"s": r[1], "ts": r[2], "flag": r[4], "active": bool(r[5])}
                                 for r in rows if r[3] == "status"],
                    "links": [{"s": r[1], "ts": r[2], "online": bool(r[5]), "reason": r[4]}
                              for r in rows if r[3] == "link"]}
            try:
                self.uplink.changes(self.enterprise_bin, body)
            except UplinkDown as error:
                if self.link_up:
                    log.warning("uplink down (%s): %d status changes queued", error, self.queue.changes_depth())
                self.link_up = False
                return False
            except Rejected as error:
                log.error("the platform refused %d status changes: %s (set aside in the queue file)", len(rows),
                          error)
                self.queue.set_aside_changes(rows, str(error))
                continue
            self.link_up = True
            self.queue.ack_changes(rows[-1][0])
            self.sent_changes += len(rows)
        return True

    # readings out
    def forward(self, max_batches: int | None = None) -> int:
        """Send the queued status changes, then the readings' queue head in order until it is empty, the link
        is down or `max_batches` are sent; returns how many readings were sent."""
        if self.uplink is None:
            return 0
        if not self.forward_changes():
            return 0
        sent = batches = 0
        while max_batches is None or batches < max_batches:
            rows = self.queue.head(self.batch_size)
            if not rows:
                break
            # One request per zone, each zone's readings in queue order; acknowledged only when all answered.
            zones: dict[str, list] = {}
            for row in rows:
                zones.setdefault(row[2], []).append(row)
            try:
                for zone, part in zones.items():
                    self.uplink.send(self.enterprise_bin, zone, [r[1] for r in part], [r[3] for r in part],
                                     [r[4] for r in part])
            except UplinkDown as error:
                if self.link_up:
                    log.warning("uplink down (%s): %d readings queued", error, self.queue.depth())
                self.link_up = False
                return sent
            except Rejected as error:
                log.error("the platform refused %d readings: %s (set aside in the queue file)", len(rows), error)
                self.queue.set_aside(rows, str(error))
                continue
            if not self.link_up:
                log.warning("uplink back: forwarding the queue")
            self.link_up = True
            self.queue.ack(rows[-1][0])
            sent += len(rows)
            batches += 1
        self.sent += sent
        return sent

    def report(self) -> dict | None:
        """Tell the platform how the agent is; measures the clock drift from the reply."""
        if self.uplink is None:
            return None
        started = self.clock()
        body = {"agent": self.name, "drift_s": self.drift_s or 0.0, "queued": self.queue.depth(),
                "dropped": self.dropped + self.queue.counter("dropped"),
                "detail": {"refused": self.refused, "sent": self.sent, "changes_sent": self.sent_changes,
                           "changes_queued": self.queue.changes_depth(),
                           "changes_dropped": self.queue.counter("dropped_changes")}}
        try:
            answer = self.uplink.report(self.enterprise_bin, body)
        except (UplinkDown, Rejected) as error:
            log.warning("report not delivered: %s", error)
            return None
        ended = self.clock()
        # The platform read its clock somewhere inside the round trip: the midpoint is off by at most half of it.
        self.round_trip_s = ended - started
        self.drift_s = (started + ended) / 2.0 - float(answer["server_time"])
        if abs(self.drift_s) > self.drift_limit_s:
            log.warning("clock drift %.1f s against the platform (limit %.1f s): fix the agent's time source (NTP)",
                        self.drift_s, self.drift_limit_s)
            body["drift_s"] = self.drift_s
            with contextlib.suppress(UplinkDown, Rejected):
                self.uplink.report(self.enterprise_bin, body)
        return answer

    def status(self) -> dict:
        return {"agent": self.name, "queued": self.queue.depth(), "dropped": self.queue.counter("dropped"),
                "sent": self.sent, "refused": self.refused,
                "changes_queued": self.queue.changes_depth(), "changes_dropped": self.queue.counter("dropped_changes"), "drift_s": self.drift_s, "link_up": self.link_up}
