"""A real Mosquitto and the database sink: readings published over MQTT land in the monitoring tables,
an exceedance produces an alarm row, a malformed payload a dead letter, and an acknowledgement made in
the inbox reaches the worker's engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import func, select
from tests.monitoring.test_monitoring_mqtt import publisher, subscription_acknowledged, wait_for
from tests.mosquitto import PrivateBroker, find_mosquitto

from qorgau.core.db import session_factory
from qorgau.core.models import User
from qorgau.monitoring import service
from qorgau.monitoring.cli import run_database_worker
from qorgau.monitoring.codec import encode_binary, encode_json, zone_topic
from qorgau.monitoring.models import Alarm, AlarmEvent, DeadLetter, Reading, Rollup, Sensor
from qorgau.registry.models import Enterprise

pytestmark = [pytest.mark.mqtt, pytest.mark.skipif(find_mosquitto() is None, reason="mosquitto is not installed"),
              pytest.mark.timeout(180)]


@pytest.fixture
def broker() -> Iterator[PrivateBroker]:
    with PrivateBroker() as b:
        yield b


class DbWorker:
    """`run_database_worker` (what `qorgau monitoring serve-mqtt` runs) in a thread."""

    def __init__(self, url: str, port: int):
        self.worker = None
        self.counters: dict = {}
        started = threading.Event()

        subscribed: list[threading.Event] = []

        def on_start(worker):  # before the worker connects
            self.worker = worker
            subscribed.append(subscription_acknowledged(worker))
            started.set()

        def run():
            self.counters = run_database_worker(url, host="127.0.0.1", port=port, client_id="db-test",
                                                config_overrides={"tick_s": 0.2, "reconnect_max_s": 0.3},
                                                on_start=on_start)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(20)
        assert self.worker.connected.wait(10)
        assert subscribed[0].wait(10), "the broker did not acknowledge the subscription"

    def stop(self) -> dict:
        self.worker.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()
        return self.counters


def test_mqtt_readings_land_in_the_database_and_an_exceedance_raises_an_alarm(demo_url, broker):
    Session = session_factory(demo_url)
    with Session() as session:
        employer = session.execute(select(User).where(User.username == "employer")).scalar_one()
        sensors = list(session.execute(select(Sensor).where(Sensor.enterprise_id == employer.scope_enterprise_id)
                                       .order_by(Sensor.id)).scalars())
        so2 = next(s for s in sensors if s.quantity == "so2")
        number = session.get(Enterprise, so2.enterprise_id).bin
        zone_sensors = [s for s in sensors if s.zone_id == so2.zone_id]
        readings_before = session.execute(select(func.count()).select_from(Reading)).scalar()
        alarms_before = session.execute(select(func.count()).select_from(Alarm)).scalar()

    worker = DbWorker(demo_url, broker.port)
    pub = publisher(broker.port)
    topic = zone_topic(number, str(so2.zone_id))
    t0 = time.time() - 120
    ids = [s.code for s in zone_sensors]
    ts = np.repeat(t0 + np.arange(60.0), len(ids))
    values = np.tile([0.1 if s.quantity == "so2" else 0.5 for s in zone_sensors], 60)
    spike = np.flatnonzero(np.array(ids * 60) == so2.code)[30]
    values[spike] = 12.0  # far above SO2's alarm level A2
    half = ts.size // 2
    infos = [pub.publish(topic, encode_json(ts[:half], values[:half], ids * 30), qos=1)]
    uniq = np.arange(len(ids))
    infos.append(pub.publish(topic, encode_binary(ts[half:], values[half:], ids, np.tile(uniq, 30), f64=True), qos=1))
    infos.append(pub.publish(topic, b"{broken", qos=1))
    for info in infos:
        info.wait_for_publish(10)

    def stored() -> int:
        with Session() as s:
            return s.execute(select(func.count()).select_from(Reading)).scalar() - readings_before

    def alarm_row():
        with Session() as s:
            return s.execute(select(Alarm).where(Alarm.sensor_id == so2.id, Alarm.alarm_type == "threshold",
                                                 Alarm.started_at >= datetime.fromtimestamp(t0, UTC))
                             .order_by(Alarm.id.desc()).limit(1)).scalar()

    assert wait_for(lambda: stored() == ts.size, 30)
    assert wait_for(lambda: alarm_row() is not None, 10)
    alarm = alarm_row()
    assert alarm.severity == "CRITICAL" and alarm.value == 12.0 and alarm.zone_id == so2.zone_id
    assert alarm.status == "CLEARED_UNACK"  # one high reading: raised, then cleared by the next one
    assert alarm.people_inside is not None

    # Acknowledged in the inbox: the worker's engine is told, so reminders and escalation stop there.
    with Session() as session:
        session.info["actor"] = "test"
        employer = session.get(User, employer.id)
        service.acknowledge(session=session, actor=employer, alarm_id=alarm.id, note="checked")
        session.commit()
    pub.publish(topic, encode_json([time.time() - 5], [0.1], [so2.code]), qos=1).wait_for_publish(10)

    def synced() -> bool:
        with Session() as s:
            row = s.get(Alarm, alarm.id)
            return not row.ack_pending

    assert wait_for(synced, 15)
    counters = worker.stop()
    pub.loop_stop()
    assert counters["readings_stored"] == ts.size + 1 and counters["dead_letters"] == 1
    with Session() as session:
        letter = session.execute(select(DeadLetter).where(DeadLetter.topic == topic)).scalar_one()
        assert letter.reason == "malformed" and letter.payload == b"{broken"
        assert letter.enterprise_id == so2.enterprise_id
        assert session.execute(select(func.count()).select_from(Alarm)).scalar() > alarms_before
        row = session.get(Alarm, alarm.id)
        assert row.ack_note == "checked" and row.status.endswith("_ACK")
        kinds = [e.kind for e in session.execute(select(AlarmEvent).where(AlarmEvent.alarm_id == alarm.id)
                                                 .order_by(AlarmEvent.id)).scalars()]
        assert kinds[0] == "raised" and "acknowledged" in kinds
        minute = int(t0 // 60) + 1
        rollup = session.get(Rollup, (so2.id, minute))
        assert rollup is not None and rollup.n >= 1
