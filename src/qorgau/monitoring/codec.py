"""MQTT topic scheme and payload codecs, with validation into readings or dead letters.

Topics (docs/monitoring/mqtt.md):
  qorgau/v1/{enterprise_bin}/{zone}/{sensor_id}/readings   one sensor: a reading or a batch
  qorgau/v1/{enterprise_bin}/{zone}/readings               a gateway's batch for several sensors
Payloads, told apart by their first byte:
  JSON object  {"ts": 1735000000.5 | "2025-01-01T00:00:00Z", "v": 12.5}           single reading
  JSON object  {"ts": [...], "v": [...]} (+ "s": [...] on a zone topic)           columnar batch
  JSON array   [{"ts": ..., "v": ...} (+ "s": ...), ...]                          row batch
  binary       b"QGB1" 16-byte header, sensor ids joined by newlines, float64 ts[n],
               float32|float64 v[n], uint16 sensor index[n] (layout in docs/monitoring/mqtt.md)
Aliases: "sensor_id" for "s", "t" for "ts", "value" for "v". Time is epoch seconds (UTC) or ISO-8601.
Nothing is dropped: what cannot be used becomes a DeadLetter with a reason code and a detail.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from qorgau.core.i18n_markers import N_
from qorgau.monitoring.exposure import parse_ts
from qorgau.monitoring.sensors import SensorRegistry
from qorgau.registry.identifiers import is_valid_bin

TOPIC_ROOT = "qorgau/v1"
SHARED_GROUP = "qorgau-ingest"
SUBSCRIPTION = f"$share/{SHARED_GROUP}/{TOPIC_ROOT}/#"
INTERNAL_ROOT = "qorgau/internal/v1"
MAGIC = b"QGB1"
HEADER = struct.Struct("<4sBBHII")  # magic, flags, reserved, n_sensors, n rows, table bytes
FLAG_ROW_SENSOR = 1
FLAG_F64_VALUES = 2
MIN_TS = 946684800.0  # 2000-01-01: earlier times are clock errors (or milliseconds mistaken for seconds)

REASONS = {
    "bad_topic": N_("Topic does not follow the scheme"),
    "too_large": N_("Payload too large"),
    "malformed": N_("Payload cannot be parsed"),
    "schema": N_("Payload has the wrong structure"),
    "bad_value": N_("Value is not a finite number"),
    "bad_timestamp": N_("Timestamp missing, unparseable or implausible"),
    "unknown_sensor": N_("Sensor is not registered"),
    "wrong_zone": N_("Sensor is registered in another enterprise or zone"),
    "sensor_mismatch": N_("Sensor in the payload differs from the topic"),
}


@dataclass(frozen=True)
class DeadLetter:
    """Input that could not become a reading: kept with why, never dropped."""

    received_at: float
    topic: str
    reason: str
    detail: str
    payload: bytes
    row: int | None = None


@dataclass
class Rows:
    """Validated readings: registry sensor index, epoch seconds, value."""

    sid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    value: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return int(self.sid.size)

    @staticmethod
    def concat(parts: Sequence[Rows]) -> Rows:
        parts = [p for p in parts if len(p)]
        if not parts:
            return Rows()
        if len(parts) == 1:
            return parts[0]
        return Rows(np.concatenate([p.sid for p in parts]), np.concatenate([p.ts for p in parts]),
                    np.concatenate([p.value for p in parts]))

    def take(self, mask: np.ndarray) -> Rows:
        return Rows(self.sid[mask], self.ts[mask], self.value[mask])


@dataclass(frozen=True)
class Topic:
    """A parsed topic: enterprise BIN, zone, and the sensor id on a per-sensor topic."""

    enterprise_bin: str
    zone: str
    sensor_id: str | None


class PayloadError(ValueError):
    """A payload that cannot be decoded; `reason` is a REASONS code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def sensor_topic(enterprise_bin: str, zone: str, sensor_id: str) -> str:
    return f"{TOPIC_ROOT}/{enterprise_bin}/{zone}/{sensor_id}/readings"


def zone_topic(enterprise_bin: str, zone: str) -> str:
    return f"{TOPIC_ROOT}/{enterprise_bin}/{zone}/readings"


def internal_topic(group: str, worker: int) -> str:
    """Where ingest workers forward readings to the worker that owns their sensors' rule state."""
    return f"{INTERNAL_ROOT}/{group}/{worker}"


def parse_topic(topic: str) -> Topic:
    """Split a reading topic; raises PayloadError('bad_topic')."""
    parts = topic.split("/")
    if len(parts) not in (5, 6) or "/".join(parts[:2]) != TOPIC_ROOT or parts[-1] != "readings":
        raise PayloadError("bad_topic", f"expected {TOPIC_ROOT}/<bin>/<zone>[/<sensor>]/readings")
    if not is_valid_bin(parts[2]):
        raise PayloadError("bad_topic", f"enterprise BIN {parts[2]!r} is not a valid BIN")
    if not parts[3] or (len(parts) == 6 and not parts[4]):
        raise PayloadError("bad_topic", "empty zone or sensor level")
    return Topic(parts[2], parts[3], parts[4] if len(parts) == 6 else None)


# -- encoders (used by the simulator, the benchmark, gateways and worker-to-worker forwarding) -------

def encode_json(ts: Sequence[float] | np.ndarray, values: Sequence[float] | np.ndarray,
                sensor_ids: Sequence[str] | None = None) -> bytes:
    """Columnar JSON batch (orjson serialises numpy arrays natively)."""
    doc: dict[str, object] = {"ts": np.asarray(ts, np.float64), "v": np.asarray(values, np.float64)}
    if sensor_ids is not None:
        doc = {"s": list(sensor_ids), **doc}
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)


def encode_binary(ts: np.ndarray, values: np.ndarray, sensor_table: Sequence[str] = (),
                  sensor_index: np.ndarray | None = None, f64: bool = False) -> bytes:
    """Binary batch; with a sensor table, `sensor_index` gives each row's entry in it."""
    n = len(ts)
    flags = (FLAG_ROW_SENSOR if sensor_index is not None else 0) | (FLAG_F64_VALUES if f64 else 0)
    if len(sensor_table) > 65535:
        raise ValueError("at most 65535 sensors per binary batch")
    if any("\n" in sid for sid in sensor_table):
        raise ValueError("sensor ids cannot contain a newline")
    table = "\n".join(sensor_table).encode("utf-8")
    parts = [HEADER.pack(MAGIC, flags, 0, len(sensor_table), n, len(table)), table,
             np.asarray(ts, "<f8").tobytes(), np.asarray(values, "<f8" if f64 else "<f4").tobytes()]
    if sensor_index is not None:
        parts.append(np.asarray(sensor_index, "<u2").tobytes())
    return b"".join(parts)


# -- decoders ---------------------------------------------------------------------------------------

@dataclass
class RawBatch:
    """Decoded but not yet validated: sensor ids (per row or one for all), times and values."""

    ts: np.ndarray
    value: np.ndarray
    sensors: list[Any] | np.ndarray | None  # per-row ids (str), table indices, or None = the topic's
    table: bytes | None = None              # binary: newline-separated ids indexed by `sensors`


def decode_binary(payload: bytes) -> RawBatch:
    if len(payload) < HEADER.size:
        raise PayloadError("malformed", "binary payload shorter than its header")
    _magic, flags, _reserved, n_sensors, n, table_bytes = HEADER.unpack_from(payload)
    pos = HEADER.size
    vsize = 8 if flags & FLAG_F64_VALUES else 4
    need = pos + table_bytes + n * (8 + vsize + (2 if flags & FLAG_ROW_SENSOR else 0))
    if len(payload) != need:
        raise PayloadError("malformed", f"binary payload is {len(payload)} bytes, header implies {need}")
    table = bytes(payload[pos: pos + table_bytes]) if n_sensors else None
    if table is not None and table.count(b"\n") != n_sensors - 1:
        raise PayloadError("malformed", f"sensor table does not hold {n_sensors} ids")
    pos += table_bytes
    ts = np.frombuffer(payload, "<f8", n, pos).astype(np.float64)
    pos += 8 * n
    value = np.frombuffer(payload, "<f8" if vsize == 8 else "<f4", n, pos).astype(np.float64)
    pos += vsize * n
    if flags & FLAG_ROW_SENSOR:
        if table is None:
            raise PayloadError("schema", "per-row sensor indices without a sensor table")
        index = np.frombuffer(payload, "<u2", n, pos).astype(np.int64)
        if n and int(index.max()) >= n_sensors:
            raise PayloadError("schema", "a row's sensor index is outside the sensor table")
        return RawBatch(ts, value, index, table)
    if table is not None:
        raise PayloadError("schema", "a sensor table without per-row sensor indices")
    return RawBatch(ts, value, None)


def split_table(table: bytes) -> list[str]:
    """The sensor ids of a binary batch's table; raises PayloadError when it is not UTF-8."""
    try:
        return table.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise PayloadError("malformed", "sensor table is not UTF-8")


_MISSING = object()


def _field(doc: dict, *names: str, default: object = None) -> object:
    for name in names:
        if name in doc:
            return doc[name]
    return default


def _times(values: list) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim == 1:
            return arr
    except (TypeError, ValueError):
        pass
    return np.array([_one_time(item) for item in values], dtype=np.float64)


def _one_time(item: object) -> float:
    if isinstance(item, bool) or item is None:
        return math.nan
    if isinstance(item, int | float):
        return float(item)
    if isinstance(item, str):
        try:
            return parse_ts(item)
        except ValueError:
            return math.nan
    return math.nan


def _numbers(values: list) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim == 1:
            return arr
    except (TypeError, ValueError):
        pass
    return np.array([float(x) if isinstance(x, int | float) and not isinstance(x, bool) else math.nan
                     for x in values])


def decode_json(payload: bytes) -> RawBatch:
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise PayloadError("malformed", f"invalid JSON: {error}")
    if isinstance(doc, dict):
        ts, v, s = _field(doc, "ts", "t"), _field(doc, "v", "value"), _field(doc, "s", "sensor_id")
        if isinstance(ts, list) or isinstance(v, list):
            if not (isinstance(ts, list) and isinstance(v, list)) or len(ts) != len(v):
                raise PayloadError("schema", "columnar batch needs 'ts' and 'v' lists of equal length")
            if s is not None and not (isinstance(s, list) and len(s) == len(ts)):
                raise PayloadError("schema", "'s' must be a list as long as 'ts'")
            return RawBatch(_times(ts), _numbers(v), s)
        missing = (_field(doc, "ts", "t", default=_MISSING) is _MISSING
                   or _field(doc, "v", "value", default=_MISSING) is _MISSING)
        if missing:
            raise PayloadError("schema", "a reading needs 'ts' and 'v'")
        return RawBatch(np.array([_one_time(ts)]), _numbers([v]), None if s is None else [s])
    if isinstance(doc, list):
        if not all(isinstance(r, dict) for r in doc):
            raise PayloadError("schema", "a row batch must be a list of objects")
        ts = [_field(r, "ts", "t") for r in doc]
        v = [_field(r, "v", "value") for r in doc]
        s = [_field(r, "s", "sensor_id") for r in doc]
        has_s = [x is not None for x in s]
        if any(has_s) and not all(has_s):
            raise PayloadError("schema", "either every row names its sensor ('s') or none does")
        return RawBatch(np.array([_one_time(x) for x in ts]) if ts else np.zeros(0), _numbers(v),
                        s if all(has_s) and s else None)
    raise PayloadError("schema", "payload must be a JSON object or array")


def decode_payload(payload: bytes) -> RawBatch:
    """JSON or binary by the first byte."""
    if payload[:4] == MAGIC:
        return decode_binary(payload)
    return decode_json(payload)


class Decoder:
    """Turns (topic, payload) into validated Rows and DeadLetters against a sensor registry."""

    def __init__(self, registry: SensorRegistry, max_bytes: int = 4 * 1024 * 1024,
                 max_future_s: float = 300.0, min_ts: float = MIN_TS):
        self.registry = registry
        self.max_bytes, self.max_future_s, self.min_ts = max_bytes, max_future_s, min_ts
        self._tables: dict[bytes, np.ndarray] = {}  # a gateway repeats its table: map it once
        self._tables_version = registry.version

    def _table_indices(self, table: bytes) -> np.ndarray:
        if self._tables_version != self.registry.version or len(self._tables) > 4096:
            self._tables, self._tables_version = {}, self.registry.version
        idx = self._tables.get(table)
        if idx is None:
            idx = self._tables[table] = self.registry.indices(split_table(table))
        return idx

    def decode(self, topic: str, payload: bytes, received_at: float) -> tuple[Rows, list[DeadLetter]]:
        """Decode and validate one message."""
        def whole(reason: str, detail: str) -> tuple[Rows, list[DeadLetter]]:
            return Rows(), [DeadLetter(received_at, topic, reason, detail, bytes(payload))]

        if len(payload) > self.max_bytes:
            return whole("too_large", f"{len(payload)} bytes > {self.max_bytes}")
        try:
            where = parse_topic(topic)
            raw = decode_payload(payload)
        except PayloadError as error:
            return whole(error.reason, str(error))
        return self._validate(topic, where, raw, payload, received_at)

    def decode_internal(self, payload: bytes, received_at: float, topic: str = INTERNAL_ROOT) -> tuple[Rows, list[DeadLetter]]:
        """Readings forwarded by another worker (already validated; sensors by id, no zone check)."""
        try:
            raw = decode_binary(payload)
        except PayloadError as error:
            return Rows(), [DeadLetter(received_at, topic, error.reason, str(error), bytes(payload))]
        return self._validate(topic, None, raw, payload, received_at)

    def _sensor_indices(self, topic: str, where: Topic | None, raw: RawBatch, payload: bytes,
                        received_at: float, letters: list[DeadLetter]) -> np.ndarray | None:
        reg = self.registry
        n = raw.ts.size
        if raw.sensors is None:
            if where is None or where.sensor_id is None:
                letters.append(DeadLetter(received_at, topic, "schema",
                                          "a zone batch must name each row's sensor", bytes(payload)))
                return None
            idx = reg.index(where.sensor_id)
            return np.full(n, -1 if idx is None else idx, dtype=np.int64)
        if raw.table is not None:
            try:
                table_idx = self._table_indices(raw.table)
            except PayloadError as error:
                letters.append(DeadLetter(received_at, topic, error.reason, str(error), bytes(payload)))
                return None
            return table_idx[raw.sensors]
        ids = raw.sensors
        if where is not None and where.sensor_id is not None and any(s != where.sensor_id for s in ids):
            wrong = [i for i, s in enumerate(ids) if s != where.sensor_id]
            if wrong:
                letters.append(DeadLetter(received_at, topic, "sensor_mismatch",
                                          f"row {wrong[0]} names {ids[wrong[0]]!r}, topic names {where.sensor_id!r}",
                                          bytes(payload)))
                return None
        try:
            distinct = dict.fromkeys(ids)
        except TypeError:  # a list or object is not a sensor id
            distinct = {None: None}
        if not all(isinstance(s, str) for s in distinct):
            letters.append(DeadLetter(received_at, topic, "schema", "sensor ids must be strings", bytes(payload)))
            return None
        return reg.indices(list(ids), distinct)

    def _validate(self, topic: str, where: Topic | None, raw: RawBatch, payload: bytes,
                  received_at: float) -> tuple[Rows, list[DeadLetter]]:
        letters: list[DeadLetter] = []
        sid = self._sensor_indices(topic, where, raw, payload, received_at, letters)
        if sid is None:
            return Rows(), letters
        ts, v = raw.ts, raw.value
        bad_sensor = sid < 0
        wrong_zone = np.zeros(sid.size, bool)
        if where is not None and not bad_sensor.all():
            zone = self.registry.zone_of(where.enterprise_bin, where.zone)
            wrong_zone = ~bad_sensor & (self.registry.zone_key[np.where(bad_sensor, 0, sid)] != zone)
        bad_ts = ~((ts >= self.min_ts) & (ts <= received_at + self.max_future_s))
        bad_v = ~np.isfinite(v)
        bad = bad_sensor | wrong_zone | bad_ts | bad_v
        if not bad.any():
            return Rows(sid, ts, v), letters
        for i in np.flatnonzero(bad):
            reason, detail = self._why(i, raw, sid, bad_sensor, wrong_zone, bad_ts, received_at, where)
            row = {"s": self._sensor_name(raw, int(i), where), "ts": _jsonable(ts[i]), "v": _jsonable(v[i])}
            letters.append(DeadLetter(received_at, topic, reason, detail, orjson.dumps(row), int(i)))
        good = ~bad
        return Rows(sid[good], ts[good], v[good]), letters

    def _why(self, i, raw, sid, bad_sensor, wrong_zone, bad_ts, received_at, where) -> tuple[str, str]:
        name = self._sensor_name(raw, i, where)
        if bad_sensor[i]:
            return "unknown_sensor", f"row {i}: sensor {name!r} is not registered"
        if wrong_zone[i]:
            cfg = self.registry.configs[int(sid[i])]
            return "wrong_zone", f"row {i}: sensor {name!r} belongs to {cfg.enterprise_bin}/{cfg.zone}"
        if bad_ts[i]:
            t = raw.ts[i]
            if math.isnan(t):
                return "bad_timestamp", f"row {i}: missing or unparseable timestamp"
            hint = " (milliseconds? send seconds)" if t > 1e11 else ""
            when = "before 2000" if t < self.min_ts else f"{t - received_at:.0f} s in the future{hint}"
            return "bad_timestamp", f"row {i}: timestamp {t} is {when}"
        return "bad_value", f"row {i}: value {raw.value[i]} is not a finite number"

    @staticmethod
    def _sensor_name(raw: RawBatch, i: int, where: Topic | None) -> str | None:
        if raw.sensors is None:
            return where.sensor_id if where else None
        if raw.table is not None:
            return split_table(raw.table)[int(raw.sensors[i])]
        s = raw.sensors[i]
        return s if isinstance(s, str) else repr(s)


def _jsonable(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
