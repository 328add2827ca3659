"""Integration with a real Mosquitto started by the tests: QoS 1, persistent sessions, restarts, shared subs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from tests.mosquitto import PrivateBroker, find_mosquitto

from qorgau.monitoring.codec import encode_binary, encode_json, sensor_topic, zone_topic
from qorgau.monitoring.mqtt_worker import IngestWorker, WorkerConfig
from qorgau.monitoring.pipeline import MemorySink, Pipeline
from qorgau.monitoring.sensors import SensorConfig, SensorRegistry
from qorgau.monitoring.substances import default_catalogue

pytestmark = [pytest.mark.mqtt,
              pytest.mark.skipif(find_mosquitto() is None, reason="mosquitto is not installed"),
              pytest.mark.timeout(120)]

BIN = "990940000016"
N_SENSORS = 20


@pytest.fixture
def broker() -> Iterator[PrivateBroker]:
    with PrivateBroker() as b:
        yield b


@pytest.fixture
def reg() -> SensorRegistry:
    so2 = default_catalogue()["so2"]
    return SensorRegistry(SensorConfig.for_substance(f"s{i:02d}.so2", BIN, "roasting", so2)
                          for i in range(N_SENSORS))


def subscription_acknowledged(worker: IngestWorker) -> threading.Event:
    """Set when the broker acknowledges the worker's subscription (SUBACK): from then on nothing published
    is missed."""
    acknowledged = threading.Event()
    worker.client.on_subscribe = lambda client, userdata, mid, reason_codes, properties: acknowledged.set()
    return acknowledged


class RunningWorker:
    def __init__(self, reg: SensorRegistry, port: int, worker: int = 0, workers: int = 1, tag: str = "t"):
        self.sink = MemorySink()
        cfg = WorkerConfig(port=port, client_id=f"{tag}-{worker}", reconnect_max_s=0.3, tick_s=0.2,
                           group=f"grp-{tag}")
        self.worker = IngestWorker(Pipeline(reg, self.sink, worker=worker, workers=workers), cfg)
        self.thread = threading.Thread(target=self.worker.run, daemon=True)
        self.thread.start()
        assert self.worker.connected.wait(10)
        # A short pause for the worker's SUBACK, as the broker-restart test was proven with: replacing the
        # worker's client callback to wait on SUBACK made that test lose readings in loaded suite runs (three of
        # three), a cause not found yet, so the worker's client is left as production runs it.
        time.sleep(0.2)

    def stop(self) -> None:
        self.worker.stop()
        self.thread.join(20)
        assert not self.thread.is_alive()


def publisher(port: int, client_id: str = "") -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.reconnect_delay_set(0.1, 0.5)
    client.acked = set()  # type: ignore[attr-defined]
    client.on_publish = lambda c, userdata, mid, reason_code, properties: c.acked.add(mid)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 300
    client.connect("127.0.0.1", port, clean_start=client_id == "", properties=props)
    client.loop_start()
    return client


def batch(m: int, reg: SensorRegistry, t0: float, spike: bool = False) -> tuple[bytes, set]:
    ids = reg.ids.tolist()
    ts = t0 + m + np.repeat(np.arange(5) * 0.1, len(ids))
    v = np.full(ts.size, 0.1)
    if spike:
        v[0] = 3.0
    payload = encode_json(ts, v, ids * 5)
    return payload, set(zip(ids * 5, ts.tolist(), strict=True))


def wait_for(predicate, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_end_to_end_readings_alarms_and_dead_letters(broker, reg):
    w = RunningWorker(reg, broker.port)
    pub = publisher(broker.port)
    t0 = time.time() - 100
    payload, expected = batch(0, reg, t0, spike=True)
    infos = [pub.publish(zone_topic(BIN, "roasting"), payload, qos=1)]
    ts = np.array([t0 + 50, t0 + 51])
    infos.append(pub.publish(sensor_topic(BIN, "roasting", "s03.so2"), encode_binary(ts, np.array([0.2, 0.3])), qos=1))
    expected |= {("s03.so2", t0 + 50), ("s03.so2", t0 + 51)}
    infos.append(pub.publish(zone_topic(BIN, "roasting"), b"{broken", qos=1))
    infos.append(pub.publish(sensor_topic(BIN, "roasting", "ghost.so2"), b'{"ts": %f, "v": 1}' % t0, qos=1))
    infos.append(pub.publish(f"qorgau/v1/{BIN}/roasting/readings", b'{"s": ["s01.so2"], "ts": [1], "v": [1]}', qos=1))
    for info in infos:
        info.wait_for_publish(10)
    assert wait_for(lambda: len(w.sink.dead_letters) == 3 and w.sink.n_readings >= len(expected))
    w.stop()
    pub.loop_stop()
    assert w.sink.reading_keys() == expected
    assert sorted(d.reason for d in w.sink.dead_letters) == ["bad_timestamp", "malformed", "unknown_sensor"]
    assert all(d.payload and d.detail for d in w.sink.dead_letters)
    raised = [e for e in w.sink.events if e.kind == "raised" and e.alarm_type == "threshold"]
    assert [(e.sensor_id, e.severity) for e in raised] == [("s00.so2", "CRITICAL")]
    assert w.sink.rollups  # flushed at the graceful stop


def test_broker_restart_mid_stream_loses_no_qos1_reading(broker, reg):
    w = RunningWorker(reg, broker.port, tag="restart")
    pub = publisher(broker.port, client_id="restart-pub")
    t0 = time.time() - 1000
    expected: set = set()
    infos = []
    back = None
    for m in range(120):
        payload, keys = batch(m, reg, t0)
        expected |= keys
        infos.append(pub.publish(zone_topic(BIN, "roasting"), payload, qos=1))
        if m == 40:
            # The worker goes away; the next 30 messages queue at the broker for its session ...
            w.stop()
        if m == 70:
            # ... and must survive a broker restart (SIGTERM: mosquitto saves its queues to disk).
            assert wait_for(lambda: {i.mid for i in infos} <= pub.acked, 10)
            broker.restart(pause_s=0.3)
            back = RunningWorker(reg, broker.port, tag="restart")
        if m == 95:
            broker.restart(pause_s=0.5)  # and once more with the worker connected, mid-stream
        time.sleep(0.005)  # the stream's pace (a reading batch every 5 ms), not a wait for anything
    # Publishes made while the broker was down are queued by paho and sent after it reconnects.
    assert wait_for(lambda: {i.mid for i in infos} <= pub.acked, 30)
    assert back is not None
    assert wait_for(lambda: w.sink.reading_keys() | back.sink.reading_keys() >= expected, 30)
    back.stop()
    pub.loop_stop()
    assert w.sink.reading_keys() | back.sink.reading_keys() == expected
    assert back.worker.reconnects >= 1
    assert w.sink.dead_letters == [] and back.sink.dead_letters == []


def test_persistent_session_keeps_messages_while_the_worker_is_away(broker, reg):
    w = RunningWorker(reg, broker.port, tag="away")
    pub = publisher(broker.port)
    t0 = time.time() - 1000
    first, keys1 = batch(0, reg, t0)
    pub.publish(zone_topic(BIN, "roasting"), first, qos=1).wait_for_publish(10)
    assert wait_for(lambda: w.sink.reading_keys() >= keys1)
    w.stop()
    expected = set(keys1)
    for m in range(1, 30):  # published while no worker is connected
        payload, keys = batch(m, reg, t0)
        expected |= keys
        pub.publish(zone_topic(BIN, "roasting"), payload, qos=1).wait_for_publish(10)
    back = RunningWorker(reg, broker.port, tag="away")  # same client id: the session resumes
    assert wait_for(lambda: back.sink.reading_keys() >= expected - keys1)
    back.stop()
    pub.loop_stop()
    assert w.sink.reading_keys() | back.sink.reading_keys() == expected
    assert not (back.sink.reading_keys() & keys1)  # acknowledged messages are not redelivered


def test_two_workers_share_the_stream_and_each_sensor_has_one_owner(broker, reg):
    workers = [RunningWorker(reg, broker.port, worker=k, workers=2, tag="pair") for k in range(2)]
    pub = publisher(broker.port)
    t0 = time.time() - 1000
    expected: set = set()
    for m in range(40):
        payload, keys = batch(m, reg, t0, spike=(m == 20))
        expected |= keys
        pub.publish(zone_topic(BIN, "roasting"), payload, qos=1)
    assert wait_for(lambda: sum(len(w.sink.reading_keys()) for w in workers) >= len(expected))
    for w in workers:
        w.stop()
    pub.loop_stop()
    keys = [w.sink.reading_keys() for w in workers]
    assert keys[0] | keys[1] == expected and not keys[0] & keys[1]
    owners = reg.owners(2)
    for k, ks in enumerate(keys):
        assert {owners[reg.index(s)] for s, _ in ks} == {k}
    assert all(w.worker.counters.messages > 0 for w in workers)  # the broker split the stream
    assert sum(w.worker.counters.forwarded for w in workers) > 0
    assert sum(w.worker.counters.late for w in workers) == 0
    raised = [e for w in workers for e in w.sink.events if e.kind == "raised" and e.alarm_type == "threshold"]
    assert [e.sensor_id for e in raised] == ["s00.so2"]


def test_readings_forwarded_before_the_owner_subscribes_are_not_lost(broker, reg):
    """Worker 0 forwards worker 1's readings while worker 1 has never subscribed: the broker accepts the
    forward and drops it ("no matching subscribers"). Worker 0 must publish it again, not acknowledge the
    originals as if it were delivered."""
    w0 = RunningWorker(reg, broker.port, worker=0, workers=2, tag="early")
    pub = publisher(broker.port)
    payload, expected = batch(0, reg, time.time() - 100)
    info = pub.publish(zone_topic(BIN, "roasting"), payload, qos=1)
    assert wait_for(info.is_published, 10)
    assert wait_for(lambda: w0.worker.counters.forwarded > 0, 20)
    w1 = RunningWorker(reg, broker.port, worker=1, workers=2, tag="early")
    owners = reg.owners(2)
    mine = {k for k in expected if owners[reg.index(k[0])] == 1}
    assert wait_for(lambda: mine <= w1.sink.reading_keys(), 30), "forwarded readings lost"
    w0.stop()
    w1.stop()
    pub.loop_stop()
