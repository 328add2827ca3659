"""Ingest pipeline without a database: decode -> validate -> route -> rules -> sink.

`submit` takes messages as they arrive; `process` runs one unit of work over everything submitted:
readings of sensors this worker owns go (after a short reorder hold when several workers share the
stream) through the rule engine and, with their per-minute rollups, alarm events and dead letters,
into the sink, which commits once. Readings of sensors another worker owns come back as binary
payloads to forward to it, so each sensor's rule state lives in exactly one worker even though MQTT
shared subscriptions hand messages out round-robin.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Protocol, runtime_checkable

import numpy as np

from qorgau.monitoring.alarms import AlarmEvent, AlarmPolicy
from qorgau.monitoring.codec import DeadLetter, Decoder, Rows, encode_binary
from qorgau.monitoring.rules import DUPLICATE, LATE, RuleEngine
from qorgau.monitoring.sensors import SensorRegistry
from qorgau.monitoring.windows import MINUTE, Closed, MinuteBuckets, last_of_segment, segment_starts

MAX_FORWARD_ROWS = 200_000
log = logging.getLogger(__name__)


class SinkUnavailable(Exception):
    """The sink could not commit (e.g. the database is down). It keeps the unit and everything written
    after it, and stores them all at the next commit that succeeds; until then nothing is acknowledged."""


@dataclass
class ReadingBatch:
    """Readings to store: registry index, epoch seconds, value, and whether each arrived late."""

    sensor_idx: np.ndarray
    ts: np.ndarray
    value: np.ndarray
    late: np.ndarray
    ids: np.ndarray  # registry.ids, to map sensor_idx to sensor ids

    def __len__(self) -> int:
        return int(self.ts.size)

    @property
    def sensor_ids(self) -> np.ndarray:
        return self.ids[self.sensor_idx]


@dataclass
class RollupBatch:
    """Per sensor-minute min/max/sum/count. `partial` rows add to a minute stored before (merge them)."""

    sensor_idx: np.ndarray
    minute: np.ndarray  # epoch minute: start time = minute * 60
    min: np.ndarray
    max: np.ndarray
    sum: np.ndarray
    count: np.ndarray
    partial: np.ndarray
    ids: np.ndarray

    def __len__(self) -> int:
        return int(self.minute.size)

    @property
    def mean(self) -> np.ndarray:
        return self.sum / self.count

    @staticmethod
    def from_closed(c: Closed, ids: np.ndarray) -> RollupBatch:
        return RollupBatch(c.sid, c.minute, c.mins[:, 0], c.maxs[:, 0], c.sums[:, 0],
                           c.sums[:, 1].astype(np.int64), c.partial, ids)


@runtime_checkable
class Sink(Protocol):
    """Where the pipeline hands its output; the phase-B database sink implements the same methods.

    Calls between two `commit`s form one unit of work; the worker acknowledges the MQTT messages
    only after `commit` returns. Readings must be stored idempotently on (sensor, ts): a QoS-1
    redelivery can repeat a reading the engine no longer remembers (it is then flagged late).
    """

    def write_readings(self, batch: ReadingBatch) -> None: ...

    def write_rollups(self, batch: RollupBatch) -> None: ...

    def write_alarm_events(self, events: Sequence[AlarmEvent]) -> None: ...

    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None: ...

    def commit(self) -> None: ...


class MemorySink:
    """Keeps everything in lists (tests, benchmarks, `ingest --sink memory`)."""

    def __init__(self, keep_readings: bool = True):
        self.keep_readings = keep_readings
        self.readings: list[ReadingBatch] = []
        self.rollups: list[RollupBatch] = []
        self.events: list[AlarmEvent] = []
        self.dead_letters: list[DeadLetter] = []
        self.n_readings = 0
        self.commits = 0
        self.event_times: list[float] = []  # wall-clock time each event was committed (latency)
        self._uncommitted_events = 0

    def write_readings(self, batch: ReadingBatch) -> None:
        self.n_readings += len(batch)
        if self.keep_readings:
            self.readings.append(batch)

    def write_rollups(self, batch: RollupBatch) -> None:
        self.rollups.append(batch)

    def write_alarm_events(self, events: Sequence[AlarmEvent]) -> None:
        self.events.extend(events)
        self._uncommitted_events += len(events)

    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        self.dead_letters.extend(letters)

    def commit(self) -> None:
        self.commits += 1
        if self._uncommitted_events:
            now = time.time()
            self.event_times.extend([now] * self._uncommitted_events)
            self._uncommitted_events = 0

    def reading_keys(self) -> set[tuple[str, float]]:
        """Distinct (sensor id, ts) stored."""
        out: set[tuple[str, float]] = set()
        for b in self.readings:
            out.update(zip(b.sensor_ids.tolist(), b.ts.tolist(), strict=True))
        return out

    def rollup_table(self) -> dict[tuple[str, int], tuple[float, float, float, int]]:
        """(sensor, minute) -> (min, max, sum, count), merging partial rows."""
        table: dict[tuple[str, int], tuple[float, float, float, int]] = {}
        for b in self.rollups:
            for sid, m, lo, hi, total, n in zip(b.ids[b.sensor_idx], b.minute.tolist(), b.min.tolist(),
                                                b.max.tolist(), b.sum.tolist(), b.count.tolist(), strict=True):
                old = table.get((sid, m))
                table[(sid, m)] = (lo, hi, total, n) if old is None else (
                    min(old[0], lo), max(old[1], hi), old[2] + total, old[3] + n)
        return table


@dataclass
class Counters:
    """What a pipeline has seen; nothing leaves without being counted."""

    messages: int = 0
    readings_in: int = 0
    readings_stored: int = 0
    duplicates: int = 0
    late: int = 0
    dead_letters: int = 0
    alarm_events: int = 0
    rollups: int = 0
    forwarded: int = 0
    received_forwarded: int = 0
    units_of_work: int = 0
    commit_failures: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class _Held:
    arrival: float
    rows: Rows


@dataclass
class Pipeline:
    """One ingest worker's pipeline: worker `worker` of `workers` owns sensors by crc32(id) mod workers."""

    registry: SensorRegistry
    sink: Sink
    policy: AlarmPolicy = field(default_factory=AlarmPolicy)
    worker: int = 0
    workers: int = 1
    hold_s: float | None = None
    rollup_grace_s: float = 5.0
    new_id: Callable[[], str] | None = None
    # Who owns a sensor's rule state when topic partitions decide it (partitioned_worker.py); None: crc32 mod workers.
    ownership: Callable[[int], bool] | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.worker < self.workers:
            raise ValueError("worker must be in [0, workers)")
        self.decoder = Decoder(self.registry)
        self.engine = RuleEngine(self.registry, self.policy, self.new_id)
        self.rollup_buckets = MinuteBuckets(2, 1, 1)
        if self.hold_s is None:
            # Forwarded readings arrive a little after direct ones; hold both briefly to keep time order.
            self.hold_s = 0.0 if self.workers == 1 else 0.25
        self.counters = Counters()
        self._incoming: list[Rows] = []
        self._held: list[_Held] = []
        self._letters: list[DeadLetter] = []
        self.pending = 0  # readings submitted and not yet evaluated or forwarded
        self.uncommitted_since: float | None = None  # the sink has work it could not commit yet

    def owns(self, idx: int) -> bool:
        """Whether this worker holds the rule state of the sensor at registry index `idx`."""
        if self.ownership is not None:
            return self.ownership(idx)
        return self.workers == 1 or int(self.registry.owners(self.workers)[idx]) == self.worker

    # -- committing ----------------------------------------------------------------------------------

    def _commit(self) -> bool:
        """Commit the sink; on SinkUnavailable remember it (the sink keeps the work) and carry on."""
        try:
            self.sink.commit()
        except SinkUnavailable as error:
            self.counters.commit_failures += 1
            if self.uncommitted_since is None:
                self.uncommitted_since = time.time()
                log.warning("the sink cannot commit (%s); holding acknowledgements and retrying", error)
            return False
        if self.uncommitted_since is not None:
            log.warning("the sink commits again after %.1f s", time.time() - self.uncommitted_since)
        self.uncommitted_since = None
        return True

    def retry_commit(self) -> bool:
        """Try again to store what the sink holds; True once everything is committed."""
        return self._commit()

    # -- input -------------------------------------------------------------------------------------

    def submit(self, topic: str, payload: bytes, received_at: float) -> None:
        """Decode and validate one message from a device or gateway."""
        rows, letters = self.decoder.decode(topic, payload, received_at)
        self.counters.messages += 1
        self.counters.readings_in += len(rows)
        if letters:
            self._letters.extend(letters)
        if len(rows):
            self._incoming.append(rows)
            self.pending += len(rows)

    def submit_forwarded(self, payload: bytes, received_at: float, topic: str = "") -> None:
        """Readings another worker forwarded because this worker owns their sensors."""
        rows, letters = self.decoder.decode_internal(payload, received_at, topic or "internal")
        self.counters.received_forwarded += len(rows)
        self._letters.extend(letters)
        if len(rows):
            self._held.append(_Held(received_at, rows))
            self.pending += len(rows)

    # -- one unit of work ---------------------------------------------------------------------------

    def process(self, now: float, release_all: bool = False) -> dict[int, list[bytes]]:
        """Route, evaluate and store what is ready; returns payloads to forward, by worker."""
        forwards: dict[int, list[bytes]] = {}
        if self._incoming:
            rows = Rows.concat(self._incoming)
            self._incoming = []
            if self.workers > 1:
                owner = self.registry.owners(self.workers)[rows.sid]
                own = owner == self.worker
                for peer in np.unique(owner[~own]).tolist():
                    forwards[int(peer)] = self._encode_forward(rows.take(owner == peer))
                    self.counters.forwarded += int(np.count_nonzero(owner == peer))
                rows = rows.take(own)
            if len(rows):
                self._held.append(_Held(now, rows))
        ready = self._release(now, release_all)
        if len(ready):
            self._evaluate(ready)
        self.pending = sum(len(h.rows) for h in self._held)
        if self._letters:
            self.sink.write_dead_letters(self._letters)
            self.counters.dead_letters += len(self._letters)
            self._letters = []
        self._commit()
        self.counters.units_of_work += 1
        return forwards

    def _release(self, now: float, release_all: bool) -> Rows:
        """Rows held `hold_s` are ripe; they release every held row up to their newest time with them."""
        if release_all or self.hold_s == 0:
            ready, self._held = self._held, []
            return Rows.concat([h.rows for h in ready])
        cutoff = now - float(self.hold_s)  # type: ignore[arg-type]
        ripe = [h for h in self._held if h.arrival <= cutoff]
        if not ripe:
            return Rows()
        # A forwarded reading can arrive after newer ones of its sensor; time order, not arrival, decides.
        watermark = max(float(h.rows.ts.max()) for h in ripe)
        out, keep = [], []
        for h in self._held:
            early = h.rows.ts <= watermark
            if early.all():
                out.append(h.rows)
            else:
                out.append(h.rows.take(early))
                keep.append(_Held(h.arrival, h.rows.take(~early)))
        self._held = keep
        return Rows.concat(out)

    def held_until(self) -> float | None:
        """When the oldest held reading becomes ready (None if nothing is held)."""
        if not self._held:
            return None
        return min(h.arrival for h in self._held) + float(self.hold_s or 0.0)

    def _evaluate(self, rows: Rows) -> None:
        result = self.engine.feed_batch(rows.sid, rows.ts, rows.value)
        keep = result.order[result.status[result.order] != DUPLICATE]  # sorted by (sensor, time)
        self.counters.duplicates += result.duplicates
        self.counters.late += result.late
        if keep.size:
            sid, ts, v = rows.sid[keep], rows.ts[keep], rows.value[keep]
            late = result.status[keep] == LATE
            self.sink.write_readings(ReadingBatch(sid, ts, v, late, self.registry.ids))
            self.counters.readings_stored += int(keep.size)
            if not getattr(self.sink, "rolls_up_readings", False):
                self._rollup(sid, ts, v)
        if result.events:
            self.sink.write_alarm_events(result.events)
            self.counters.alarm_events += len(result.events)

    def _rollup(self, sid: np.ndarray, ts: np.ndarray, v: np.ndarray) -> None:
        self.rollup_buckets.ensure(len(self.registry))
        minute = np.floor(ts / MINUTE).astype(np.int64)
        start = segment_starts(sid)
        last = last_of_segment(start)
        col = v[:, None]
        closed = self.rollup_buckets.add(sid, minute, np.column_stack((v, np.ones_like(v))), col, col,
                                         sid[last], minute[last])
        self._write_rollups(closed)

    def _write_rollups(self, closed: Closed) -> None:
        if len(closed):
            self.sink.write_rollups(RollupBatch.from_closed(closed, self.registry.ids))
            self.counters.rollups += len(closed)

    def _encode_forward(self, rows: Rows) -> list[bytes]:
        out = []
        for a in range(0, len(rows), MAX_FORWARD_ROWS):
            part = rows.take(slice(a, a + MAX_FORWARD_ROWS))  # type: ignore[arg-type]
            uniq, inv = np.unique(part.sid, return_inverse=True)
            out.append(encode_binary(part.ts, part.value, self.registry.ids[uniq].tolist(), inv, f64=True))
        return out

    # -- clock and shutdown ------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Clock rules (silent sensors, reminders, escalation) and rollups of finished minutes."""
        events = self.engine.tick(now)
        if events:
            self.sink.write_alarm_events(events)
            self.counters.alarm_events += len(events)
        self._write_rollups(self.rollup_buckets.close_before(math.floor((now - self.rollup_grace_s) / MINUTE)))
        self._commit()

    def flush(self, now: float) -> dict[int, list[bytes]]:
        """Process everything held and emit every open rollup (graceful stop)."""
        forwards = self.process(now, release_all=True)
        self._write_rollups(self.rollup_buckets.close(np.flatnonzero(self.rollup_buckets.has)))
        self._commit()
        return forwards

    def acknowledge(self, alarm_id: str, now: float, by: str | None = None) -> None:
        events = self.engine.acknowledge(alarm_id, now, by)
        self.sink.write_alarm_events(events)
        self.counters.alarm_events += len(events)
        self._commit()
