"""The database-free pipeline: storage, rollups, duplicates, dead letters, and two workers forwarding."""

from __future__ import annotations

import numpy as np
import pytest

from qorgau.monitoring.alarms import counter_ids
from qorgau.monitoring.codec import encode_binary, encode_json, sensor_topic, zone_topic
from qorgau.monitoring.pipeline import MemorySink, Pipeline, Sink
from qorgau.monitoring.sensors import SensorConfig, SensorRegistry
from qorgau.monitoring.substances import default_catalogue

BIN = "990940000016"
T0 = 1_740_816_000.0
NOW = T0 + 3600


def registry(n: int = 6) -> SensorRegistry:
    so2 = default_catalogue()["so2"]
    return SensorRegistry(SensorConfig.for_substance(f"s{i}.so2", BIN, "roasting", so2) for i in range(n))


def messages(n_msgs: int, reg: SensorRegistry, seed: int = 0) -> list[tuple[str, bytes]]:
    """Zone batches: every sensor every 10 s, a few readings above A2."""
    rng = np.random.default_rng(seed)
    out = []
    ids = reg.ids.tolist()
    for m in range(n_msgs):
        ts = T0 + m * 30 + np.repeat(np.arange(3) * 10.0, len(ids))
        v = np.round(rng.uniform(0.0, 0.4, ts.size), 3)
        v[rng.random(ts.size) < 0.03] = 1.5
        out.append((zone_topic(BIN, "roasting"), encode_json(ts, v, ids * 3)))
    return out


def key_events(events):
    return sorted((e.sensor_id, e.alarm_type, e.kind, e.severity, e.ts) for e in events)


def test_memory_sink_is_a_sink():
    assert isinstance(MemorySink(), Sink)


def test_stores_readings_rollups_events_and_dead_letters():
    reg = registry()
    sink = MemorySink()
    pl = Pipeline(reg, sink, new_id=counter_ids())
    msgs = messages(10, reg)
    for topic, payload in msgs:
        pl.submit(topic, payload, NOW)
    pl.submit(zone_topic(BIN, "roasting"), b"garbage", NOW)
    pl.submit(sensor_topic(BIN, "roasting", "nobody"), b'{"ts": 1740816000, "v": 1}', NOW)
    pl.process(NOW)
    pl.flush(NOW)
    assert pl.counters.readings_stored == 10 * 18 == len(sink.reading_keys())
    assert sorted(d.reason for d in sink.dead_letters) == ["malformed", "unknown_sensor"]
    assert pl.counters.dead_letters == 2 and pl.counters.messages == 12
    assert any(e.alarm_type == "threshold" and e.kind == "raised" for e in sink.events)
    # rollups equal a direct group-by of the stored readings
    expect: dict = {}
    for b in sink.readings:
        for s, t, v in zip(b.sensor_ids, b.ts, b.value, strict=True):
            e = expect.setdefault((s, int(t // 60)), [np.inf, -np.inf, 0.0, 0])
            e[0], e[1], e[2], e[3] = min(e[0], v), max(e[1], v), e[2] + v, e[3] + 1
    got = sink.rollup_table()
    assert got.keys() == expect.keys()
    for k, (lo, hi, total, n) in got.items():
        assert (lo, hi, n) == (expect[k][0], expect[k][1], expect[k][3])
        assert total == pytest.approx(expect[k][2])
    assert sink.commits >= 2


def test_redelivered_messages_are_not_stored_twice():
    reg = registry()
    sink = MemorySink()
    pl = Pipeline(reg, sink)
    msgs = messages(4, reg)
    for topic, payload in msgs:
        pl.submit(topic, payload, NOW)
    pl.process(NOW)
    pl.submit(*msgs[-1], NOW)  # the last message again (QoS-1 redelivery)
    pl.submit(*msgs[0], NOW)   # an older one again
    pl.process(NOW)
    # The engine remembers each sensor's last time: a repeat of it is a duplicate (not stored);
    # anything older is late: stored flagged, and the sink keeps (sensor, ts) unique.
    assert pl.counters.duplicates == 6 and pl.counters.late == 12 + 18
    assert len(sink.reading_keys()) == 4 * 18
    late = np.concatenate([b.late for b in sink.readings])
    assert late.sum() == 30 and pl.counters.readings_stored == 4 * 18 + 30
    partial = np.concatenate([r.partial for r in sink.rollups]) if sink.rollups else np.zeros(0, bool)
    assert partial.any()  # minutes that were already emitted come back flagged for merging


def test_tick_raises_silent_and_closes_finished_minutes():
    reg = registry(2)
    sink = MemorySink()
    pl = Pipeline(reg, sink)
    pl.submit(sensor_topic(BIN, "roasting", "s0.so2"), encode_json([T0, T0 + 10], [0.1, 0.2]), T0 + 20)
    pl.process(T0 + 20)
    assert sink.rollups == []
    pl.tick(T0 + 66)  # minute 0 ended at +60; with 5 s grace it closes at +65
    assert sink.rollup_table()[("s0.so2", int(T0 // 60))] == (0.1, 0.2, pytest.approx(0.3), 2)
    pl.tick(T0 + 400)
    assert {(e.sensor_id, e.alarm_type) for e in sink.events} == {("s0.so2", "silent"), ("s1.so2", "silent")}


def test_two_workers_store_everything_once_and_alarm_like_one():
    reg = registry(8)
    msgs = messages(12, reg, seed=4)
    single_sink = MemorySink()
    single = Pipeline(reg, single_sink)
    for i, (topic, payload) in enumerate(msgs):
        single.submit(topic, payload, NOW + i)
        single.process(NOW + i)
    single.flush(NOW + 20)

    sinks = [MemorySink(), MemorySink()]
    workers = [Pipeline(reg, sinks[k], worker=k, workers=2, hold_s=0.5) for k in range(2)]
    inbox: list[list[tuple[float, bytes]]] = [[], []]
    now = NOW
    for i, (topic, payload) in enumerate(msgs):  # round-robin, like a shared subscription
        now = NOW + i * 0.2
        w = workers[i % 2]
        w.submit(topic, payload, now)
        for peer, payloads in w.process(now).items():
            inbox[peer] += [(now + 0.1, p) for p in payloads]  # forwarded, arriving 0.1 s later
        for k in range(2):
            due = [p for t, p in inbox[k] if t <= now]
            inbox[k] = [(t, p) for t, p in inbox[k] if t > now]
            for p in due:
                workers[k].submit_forwarded(p, now)
    for k in range(2):
        for _, p in inbox[k]:
            workers[k].submit_forwarded(p, now + 1)
        workers[k].flush(now + 2)
    keys = [s.reading_keys() for s in sinks]
    assert not keys[0] & keys[1]
    assert keys[0] | keys[1] == single_sink.reading_keys()
    owners = reg.owners(2)
    for k in range(2):
        assert all(owners[reg.index(s)] == k for s, _ in keys[k])
    assert sum(w.counters.late for w in workers) == 0
    assert key_events(sinks[0].events + sinks[1].events) == key_events(single_sink.events)
    assert sum(w.counters.forwarded for w in workers) == sum(w.counters.received_forwarded for w in workers) > 0


def test_forwarded_payload_is_binary_with_sensor_ids():
    reg = registry(4)
    pl = Pipeline(reg, MemorySink(), worker=0, workers=2)
    ids = reg.ids.tolist()
    pl.submit(zone_topic(BIN, "roasting"), encode_binary(np.full(4, T0), np.ones(4), ids, np.arange(4)), NOW)
    forwards = pl.process(NOW)
    owners = reg.owners(2)
    assert list(forwards) == ([1] if (owners == 1).any() else [])
    other = Pipeline(reg, MemorySink(), worker=1, workers=2, hold_s=0)
    for p in forwards.get(1, []):
        other.submit_forwarded(p, NOW)
    other.process(NOW)
    assert other.counters.readings_stored == int((owners == 1).sum())
