"""Ingest that survives the database and the broker: PostgreSQL stopped for 30 s mid-stream, and a
broker restart with the simulator publishing, each with 0 readings lost and 0 duplicated.

The database outage uses a private PostgreSQL cluster started for the test on its own port (the shared
server is never stopped); the broker is a private Mosquitto with persistence on, as in production."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from sqlalchemy import func, select
from tests.monitoring.test_monitoring_db_mqtt import DbWorker
from tests.monitoring.test_monitoring_mqtt import publisher, wait_for
from tests.mosquitto import PrivateBroker, find_mosquitto

from qorgau.core.db import engine_for, session_factory
from qorgau.core.drills import PrivatePostgres, environment_ready
from qorgau.core.migrate import upgrade
from qorgau.monitoring.codec import encode_binary, zone_topic
from qorgau.monitoring.models import Alarm, Reading, Rollup, Sensor
from qorgau.monitoring.simulate import DEMO_BIN, Simulator, publish_mqtt, register_fleet

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(400),
              pytest.mark.skipif(find_mosquitto() is None, reason="mosquitto is not installed")]
OUTAGE_S = float(os.environ.get("QORGAU_TEST_OUTAGE_S", "30"))


def as_registered(url: str, fleet: list) -> list:
    """The simulated sensors as the database knows them (topics carry the registry zone)."""
    from qorgau.monitoring.simulate import SimSensor
    from qorgau.monitoring.sink import load_sensors

    channels = {s.config.sensor_id: s.channel for s in fleet}
    with session_factory(url)() as session:
        configs, _directory = load_sensors(session)
    return [SimSensor(c, channels[c.sensor_id], c.zone) for c in configs if c.sensor_id in channels]


def stored(url: str, codes: list[str]) -> tuple[int, int, int]:
    """(readings, distinct (sensor, ts), readings counted in the minute rollups) of these sensors."""
    with session_factory(url)() as session:
        ids = select(Sensor.id).where(Sensor.code.in_(codes))
        rows = session.execute(select(func.count()).select_from(Reading).where(Reading.sensor_id.in_(ids))).scalar()
        keys = session.execute(select(func.count()).select_from(
            select(Reading.sensor_id, Reading.ts).where(Reading.sensor_id.in_(ids)).distinct().subquery())).scalar()
        counted = session.execute(select(func.coalesce(func.sum(Rollup.n), 0)).where(Rollup.sensor_id.in_(ids))).scalar()
    return rows, keys, counted


@pytest.mark.skipif(not environment_ready(), reason="no PostgreSQL server binaries to start a private cluster")
def test_a_database_outage_mid_stream_loses_and_duplicates_no_reading():
    with PrivatePostgres() as pg, PrivateBroker() as broker:
        url = pg.create_database("ingest")
        upgrade(url)
        fleet, zone_id = register_fleet(url, 12)
        codes = [s.config.sensor_id for s in fleet]
        ids = np.array(codes, dtype=object)
        worker = DbWorker(url, broker.port)
        pub = publisher(broker.port, client_id="outage-pub")
        topic = zone_topic(DEMO_BIN, str(zone_id))
        t0 = time.time() - 7200
        sent = {"n": 0, "batches": 0}

        def publish_batch(spike: bool = False):
            m = sent["batches"]
            ts = t0 + m * 5 + np.repeat(np.arange(5), len(codes)).astype(float)
            sid = np.tile(np.arange(len(codes)), 5)
            values = np.full(ts.size, 0.05)
            if spike:
                values[0] = 500.0  # an exceedance while the database is away: its alarm is stored once
            pub.publish(topic, encode_binary(ts, values, ids.tolist(), sid, f64=True), qos=1).wait_for_publish(10)
            sent["batches"] += 1
            sent["n"] += ts.size

        for _ in range(10):
            publish_batch()
        assert wait_for(lambda: stored(url, codes)[0] == sent["n"], 60)

        pg.stop()
        states = []
        outage_end = time.monotonic() + OUTAGE_S
        while time.monotonic() < outage_end:
            publish_batch(spike=sent["batches"] == 15)
            states.append(worker.worker.state())
            time.sleep(0.5)  # the stream's pace: one batch of 5 s of readings every half second
        assert worker.thread.is_alive(), "the worker died during the outage"
        assert any(s["database"] == "unavailable" for s in states)
        assert max(s["unacknowledged_messages"] for s in states) > 0  # held until stored
        pg.start()

        for _ in range(10):
            publish_batch()
        assert wait_for(lambda: stored(url, codes)[0] >= sent["n"], 120), (stored(url, codes), sent)
        assert wait_for(lambda: worker.worker.state()["database"] == "ok", 30)
        counters = worker.stop()
        pub.loop_stop()
        pub.disconnect()
        rows, keys, counted = stored(url, codes)
        assert rows == keys == sent["n"]     # 0 lost, 0 duplicated
        assert counted == sent["n"]           # and each counted once in the minute rollups
        assert counters["commit_failures"] > 0
        with session_factory(url)() as session:
            alarms = session.execute(select(Alarm.key)).scalars().all()
        assert alarms and len(alarms) == len(set(alarms))
        engine_for(url).dispose()


def test_a_broker_restart_while_the_simulator_publishes_loses_and_duplicates_no_reading(db_url):
    fleet, _zone_id = register_fleet(db_url, 10)
    codes = [s.config.sensor_id for s in fleet]
    with PrivateBroker() as broker:
        worker = DbWorker(db_url, broker.port)
        simulator = Simulator(as_registered(db_url, fleet), seed=3, faults=False)
        outcome: dict = {}

        def simulate():
            try:
                outcome.update(publish_mqtt(simulator, "127.0.0.1", broker.port, rate_hz=5.0, duration_s=8.0,
                                            interval_s=0.2, encoding="binary"))
            except Exception as error:  # noqa: BLE001 - the simulator must not crash
                outcome["crash"] = repr(error)

        thread = threading.Thread(target=simulate)
        thread.start()
        assert wait_for(lambda: stored(db_url, codes)[0] > 0, 30)
        broker.restart(pause_s=1.0)  # readings produced meanwhile wait in the simulator's queue
        thread.join(120)
        assert "crash" not in outcome, outcome["crash"]
        assert outcome["disconnects"] >= 1 and outcome["unconfirmed"] == 0
        assert wait_for(lambda: stored(db_url, codes)[0] >= outcome["readings"], 60), (stored(db_url, codes), outcome, worker.worker.state())
        worker.stop()
    rows, keys, counted = stored(db_url, codes)
    assert rows == keys == outcome["readings"]
    assert counted == outcome["readings"]
