"""A Sparkplug B host application (Eclipse Sparkplug 3.0) for the mapped metrics of one group.

Topics: spBv1.0/{group}/{NBIRTH|NDATA|NDEATH|DBIRTH|DDATA|DDEATH}/{edge node}[/{device}]. A point's
source is "{edge node}/{metric}" or "{edge node}/{device}/{metric}".

- Births give each metric's alias (DATA messages then carry only aliases), its current value and,
  when the node sends one, its engineering unit (property "engUnit": authoritative, converted to the
  sensor's unit; else the point's configured unit applies). A birth marks the node's sensors online.
- Every message after NBIRTH carries seq = previous + 1 (mod 256). A gap, a DATA message before any
  birth, or an unknown alias makes the host publish a rebirth request (NCMD "Node Control/Rebirth").
- NDEATH (its bdSeq matching the birth's) and DDEATH mark the node's or device's sensors offline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from qorgau.connectors.mapping import Batch, LinkChange, PointSpec, apply
from qorgau.connectors.sparkplug import sparkplug_b_pb2 as pb
from qorgau.monitoring.service import UnitError, canonical_unit

NAMESPACE = "spBv1.0"
REBIRTH = "Node Control/Rebirth"
BOOLEAN, INT8, INT16, INT32, INT64 = 11, 1, 2, 3, 4


def metric_value(metric) -> float | bool | str | None:
    """The metric's value, signed integers restored from their unsigned wire form."""
    if metric.is_null:
        return None
    which = metric.WhichOneof("value")
    if which is None:
        return None
    value = getattr(metric, which)
    if which == "int_value" and metric.datatype in (INT8, INT16, INT32) and value >= 2 ** 31:
        value -= 2 ** 32
    if which == "long_value" and metric.datatype == INT64 and value >= 2 ** 63:
        value -= 2 ** 64
    return value


def eng_unit(metric) -> str:
    props = metric.properties
    for key, value in zip(props.keys, props.values, strict=False):
        if key == "engUnit" and value.WhichOneof("value") == "string_value":
            return value.string_value
    return ""


@dataclass
class NodeState:
    online: bool = False
    seq: int | None = None
    bd_seq: int | None = None
    aliases: dict[int, str] = field(default_factory=dict)  # alias -> "device/metric" or "metric"
    units: dict[str, str] = field(default_factory=dict)
    rebirth_asked_at: float = 0.0


class SparkplugHost:
    def __init__(self, group_id: str, points: list[PointSpec], publish: Callable[[str, bytes], None] | None = None,
                 rebirth_every_s: float = 5.0):
        self.group = group_id
        self.points = {p.source: p for p in points}
        self.publish = publish
        self.rebirth_every_s = rebirth_every_s
        self.nodes: dict[str, NodeState] = {}
        self.rebirths = 0
        self.seq_errors = 0

    def subscriptions(self) -> list[str]:
        return [f"{NAMESPACE}/{self.group}/#"]

    def rebirth_payload(self, now: float) -> bytes:
        payload = pb.Payload(timestamp=int(now * 1000))
        metric = payload.metrics.add()
        metric.name, metric.datatype, metric.boolean_value = REBIRTH, BOOLEAN, True
        metric.timestamp = int(now * 1000)
        return payload.SerializeToString()

    def _rebirth(self, node: str, state: NodeState, now: float) -> None:
        if now - state.rebirth_asked_at < self.rebirth_every_s or self.publish is None:
            return
        state.rebirth_asked_at = now
        self.rebirths += 1
        self.publish(f"{NAMESPACE}/{self.group}/NCMD/{node}", self.rebirth_payload(now))

    def _sensors(self, node: str, device: str | None) -> list[str]:
        prefix = f"{node}/{device}/" if device else f"{node}/"
        return sorted({p.sensor for s, p in self.points.items() if s.startswith(prefix)})

    def message(self, topic: str, payload: bytes, now: float | None = None) -> Batch:
        now = time.time() if now is None else now
        parts = topic.split("/")
        batch = Batch()
        if len(parts) < 4 or parts[0] != NAMESPACE or parts[1] != self.group:
            return batch
        kind, node = parts[2], parts[3]
        device = parts[4] if len(parts) > 4 else None
        if kind in ("NCMD", "DCMD", "STATE"):
            return batch
        message = pb.Payload()
        message.ParseFromString(payload)
        state = self.nodes.setdefault(node, NodeState())
        sent_at = message.timestamp / 1000.0 if message.HasField("timestamp") else now
        if kind == "NBIRTH":
            state.online, state.seq, state.aliases, state.units = True, message.seq, {}, {}
            for metric in message.metrics:
                if metric.name == "bdSeq":
                    state.bd_seq = int(metric_value(metric) or 0)
            self._birth(node, None, message, state, sent_at, batch)
            batch.links += [LinkChange(s, sent_at, True, "NBIRTH") for s in self._sensors(node, None)]
            return batch
        if kind == "NDEATH":
            bd = next((int(metric_value(m) or 0) for m in message.metrics if m.name == "bdSeq"), None)
            if state.bd_seq is None or bd is None or bd == state.bd_seq:
                state.online, state.seq = False, None
                batch.links += [LinkChange(s, now, False, "NDEATH") for s in self._sensors(node, None)]
            return batch
        # Everything else carries the node's sequence number.
        if state.seq is None:
            self._rebirth(node, state, now)
            if kind != "DBIRTH":
                batch.rejected.append((topic, "data before the node's birth certificate; rebirth requested"))
                return batch
        else:
            expected = (state.seq + 1) % 256
            if message.HasField("seq") and message.seq != expected:
                self.seq_errors += 1
                self._rebirth(node, state, now)
            state.seq = message.seq
        if kind == "DBIRTH":
            self._birth(node, device, message, state, sent_at, batch)
            batch.links += [LinkChange(s, sent_at, True, "DBIRTH") for s in self._sensors(node, device)]
        elif kind == "DDEATH":
            batch.links += [LinkChange(s, now, False, "DDEATH") for s in self._sensors(node, device)]
        elif kind in ("NDATA", "DDATA"):
            for metric in message.metrics:
                if metric.name:
                    name = f"{device}/{metric.name}" if device else metric.name
                elif metric.alias in state.aliases:
                    name = state.aliases[metric.alias]
                else:
                    self._rebirth(node, state, now)
                    batch.rejected.append((topic, f"unknown alias {metric.alias}; rebirth requested"))
                    continue
                self._value(node, name, metric, state, sent_at, batch)
        return batch

    def _birth(self, node: str, device: str | None, message, state: NodeState, sent_at: float, batch: Batch) -> None:
        for metric in message.metrics:
            if not metric.name or metric.name in ("bdSeq", REBIRTH):
                continue
            name = f"{device}/{metric.name}" if device else metric.name
            if metric.HasField("alias"):
                state.aliases[metric.alias] = name
            unit = eng_unit(metric)
            if unit:
                state.units[name] = unit
            self._value(node, name, metric, state, sent_at, batch)

    def _value(self, node: str, name: str, metric, state: NodeState, sent_at: float, batch: Batch) -> None:
        point = self.points.get(f"{node}/{name}")
        if point is None:
            return
        value = metric_value(metric)
        if value is None:
            return
        ts = metric.timestamp / 1000.0 if metric.HasField("timestamp") else sent_at
        unit = state.units.get(name)
        if point.kind == "value" and unit:
            try:
                canonical = canonical_unit(unit)
                if canonical != point.unit:
                    point = replace(point, unit=canonical)
                    point.check()
            except (UnitError, ValueError) as error:
                batch.rejected.append((point.source, f"engUnit {unit!r}: {error}"))
                return
        if point.kind == "value" and isinstance(value, str | bytes):
            batch.rejected.append((point.source, "a value point needs a number"))
            return
        apply(point, value, ts, batch)


def birth_payload(metrics: list[tuple[str, int, int, float]], seq: int, bd_seq: int, now: float,
                  units: dict[str, str] | None = None) -> bytes:
    """An NBIRTH/DBIRTH payload: (name, alias, datatype, value) metrics (the simulator, tests, benchmark)."""
    payload = pb.Payload(timestamp=int(now * 1000), seq=seq)
    if bd_seq >= 0:
        m = payload.metrics.add()
        m.name, m.datatype, m.long_value = "bdSeq", 8, bd_seq
    for name, alias, datatype, value in metrics:
        m = payload.metrics.add()
        m.name, m.alias, m.datatype, m.timestamp = name, alias, datatype, int(now * 1000)
        _set(m, datatype, value)
        if units and name in units:
            m.properties.keys.append("engUnit")
            m.properties.values.add(type=12, string_value=units[name])
    return payload.SerializeToString()


def data_payload(values: list[tuple[int, int, float]], seq: int, now: float) -> bytes:
    """An NDATA/DDATA payload of (alias, datatype, value) metrics."""
    payload = pb.Payload(timestamp=int(now * 1000), seq=seq)
    for alias, datatype, value in values:
        m = payload.metrics.add()
        m.alias, m.datatype, m.timestamp = alias, datatype, int(now * 1000)
        _set(m, datatype, value)
    return payload.SerializeToString()


def death_payload(bd_seq: int) -> bytes:
    payload = pb.Payload()
    m = payload.metrics.add()
    m.name, m.datatype, m.long_value = "bdSeq", 8, bd_seq
    return payload.SerializeToString()


def _set(metric, datatype: int, value) -> None:
    if datatype == BOOLEAN:
        metric.boolean_value = bool(value)
    elif datatype == 9:
        metric.float_value = float(value)
    elif datatype == 10:
        metric.double_value = float(value)
    elif datatype in (INT8, INT16, INT32, 5, 6, 7):
        metric.int_value = int(value) % 2 ** 32
    else:
        metric.long_value = int(value) % 2 ** 64
