"""Partitioned ingest: zones fall in fixed topic partitions, each held by one worker through a lease in the
database; two workers share them, and when one is killed mid-stream the other takes its partitions over
with no reading lost and none counted twice in the rollups. Run against Mosquitto (MQTT 5) and NATS
(MQTT 3.1.1 over JetStream, a broker that clusters)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator

import numpy as np
import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import func, select
from tests.monitoring.test_monitoring_mqtt import wait_for
from tests.mosquitto import PrivateBroker, find_mosquitto
from tests.nats import PrivateNats, find_nats

from qorgau.core.db import engine_for, session_factory
from qorgau.core.models import User
from qorgau.monitoring.codec import encode_binary, sensor_topic, zone_topic
from qorgau.monitoring.models import Reading, Rollup, Sensor
from qorgau.monitoring.partitioned_worker import PartitionConfig, prepare_sessions
from qorgau.monitoring.partitions import Leases, fair_share, partition_of, partition_topic, route
from qorgau.registry.models import Enterprise, Site, Zone


def test_a_zone_has_one_partition_in_both_topic_layouts():
    plain = zone_topic("990940000016", "7")
    one = sensor_topic("990940000016", "7", "s1")
    k = partition_of("990940000016", "7", 16)
    assert partition_topic(plain, 16) == f"qorgau/v1/p/{k}/990940000016/7/readings"
    assert route(partition_topic(one, 16), 16).partition == k == route(one, 16).partition
    assert route(partition_topic(one, 16), 16).topic == one
    assert route(partition_topic(one, 16), 16).partitioned and not route(one, 16).partitioned
    # a publisher that put the zone in the wrong partition is routed by the zone, not by its choice
    assert route(f"qorgau/v1/p/{(k + 1) % 16}/990940000016/7/readings", 16).partition == k
    assert route("qorgau/v1/p/3/nonsense", 16).partition is None
    assert [fair_share(16, n) for n in (1, 2, 3, 4, 0)] == [16, 8, 6, 4, 16]


def test_leases_one_owner_renewal_and_take_over_after_expiry(db_url):
    engine = engine_for(db_url)
    a, b = Leases(engine, "a", 4, ttl_s=5), Leases(engine, "b", 4, ttl_s=5)
    a.ensure_rows()
    b.ensure_rows()
    assert a.heartbeat(100.0) == 1
    assert all(a.try_take(k, 100.0) for k in range(4))
    assert b.heartbeat(100.5) == 2
    assert not any(b.try_take(k, 101.0) for k in range(4)), "a held lease cannot be taken"
    assert b.free(101.0) == []
    assert a.renew({0, 1, 2, 3}, 103.0) == {0, 1, 2, 3}
    a.give_back([2, 3])
    assert b.free(103.5) == [2, 3]
    assert b.try_take(2, 103.5) and b.try_take(3, 103.5)
    # a stops renewing (killed): its leases expire at 108 and b takes them; a learns it at its next renewal
    assert not b.try_take(0, 107.9)
    assert b.free(108.5) == [0, 1]
    assert b.try_take(0, 108.5) and b.try_take(1, 108.5)
    assert b.renew({0, 1, 2, 3}, 108.5) == {0, 1, 2, 3}
    assert a.renew({0, 1}, 109.0) == set()
    assert a.held(109.0) == set() and b.held(109.0) == {0, 1, 2, 3}
    epochs = {row["partition"]: row["epoch"] for row in b.table_now()}
    assert epochs == {0: 2, 1: 2, 2: 2, 3: 2}


# -- two workers against real brokers -----------------------------------------------------------------

PARTITIONS = 4
TTL = 2.0


@pytest.fixture(params=["mosquitto", "nats"])
def any_broker(request) -> Iterator[tuple[str, int, int]]:
    """(kind, port, MQTT protocol level) of a private broker."""
    if request.param == "mosquitto":
        if find_mosquitto() is None:
            pytest.skip("mosquitto is not installed")
        with PrivateBroker() as b:
            yield "mosquitto", b.port, 5
    else:
        if find_nats() is None:
            pytest.skip("nats-server is not installed")
        with PrivateNats() as b:
            yield "nats", b.port, 4


def add_zones(url: str, zones: int = 8, per_zone: int = 3) -> tuple[str, dict[str, list[str]]]:
    """Zones with so2 sensors in the employer's enterprise: BIN and sensor codes by zone code."""
    with session_factory(url)() as session:
        employer = session.execute(select(User).where(User.username == "employer")).scalar_one()
        enterprise = session.get(Enterprise, employer.scope_enterprise_id)
        site = Site(enterprise_id=enterprise.id, name="Partition test site")
        session.add(site)
        session.flush()
        out: dict[str, list[str]] = {}
        for z in range(zones):
            zone = Zone(site_id=site.id, name=f"Partition test zone {z}")
            session.add(zone)
            session.flush()
            codes = [f"pt{z}-{i}.so2" for i in range(per_zone)]
            session.add_all(Sensor(code=c, enterprise_id=enterprise.id, zone_id=zone.id, quantity="so2", unit="ppm")
                            for c in codes)
            out[str(zone.id)] = codes
        session.commit()
        return enterprise.bin, out


def _worker_main(url: str, port: int, protocol: int, name: str, group: str) -> None:
    engine_for(url).dispose(close=False)  # a forked process opens its own connections, leaving the parent's be
    engine_for.cache_clear()
    from qorgau.monitoring.cli import run_partitioned_worker

    run_partitioned_worker(url, host="127.0.0.1", port=port, name=name, partitions=PARTITIONS, lease_ttl_s=TTL,
                           protocol=protocol, accept_plain_topics=False, group=group,
                           config_overrides={"tick_s": 0.2, "reconnect_max_s": 0.3})


def owners(url: str) -> dict[int, str]:
    leases = Leases(engine_for(url), "observer", PARTITIONS)
    now = time.time()
    return {r["partition"]: r["owner"] for r in leases.table_now() if r["owner"] and r["expires_at"] >= now}


def publisher(port: int, protocol: int) -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="",
                         protocol=mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311)
    client.max_inflight_messages_set(100)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


@pytest.mark.mqtt
@pytest.mark.timeout(420)
def test_two_workers_share_partitions_and_a_killed_ones_are_taken_over_without_loss(demo_url, any_broker):
    kind, port, protocol = any_broker
    number, zones = add_zones(demo_url)
    group = f"qorgau-test-{kind}"
    prepare_sessions(PartitionConfig(port=port, partitions=PARTITIONS, protocol=protocol, group=group))
    with session_factory(demo_url)() as session:
        ours = dict(session.execute(select(Sensor.code, Sensor.id).where(Sensor.code.like("pt%"))).all())
    context = multiprocessing.get_context("fork")
    workers = {name: context.Process(target=_worker_main, args=(demo_url, port, protocol, name, group), daemon=True)
               for name in ("alpha", "beta")}
    for process in workers.values():
        process.start()
    try:
        assert wait_for(lambda: sorted(set(owners(demo_url).values())) == ["alpha", "beta"]
                        and len(owners(demo_url)) == PARTITIONS, 60), f"leases not shared: {owners(demo_url)}"
        shared = owners(demo_url)
        pub = publisher(port, protocol)
        t0 = time.time() - 3600
        expected_n, expected_sum = 0, 0.0
        infos = []
        messages = 60
        for m in range(messages):
            for zone, codes in zones.items():
                ts = t0 + m + np.repeat(np.arange(5) * 0.1, len(codes))
                idx = np.tile(np.arange(len(codes)), 5)
                values = 0.01 + 0.001 * ((m * 7 + idx) % 13)
                topic = partition_topic(zone_topic(number, zone), PARTITIONS)
                infos.append(pub.publish(topic, encode_binary(ts, values, codes, idx, f64=True), qos=1))
                expected_n += ts.size
                expected_sum += float(values.sum())
            if m == messages // 3:
                os.kill(workers["beta"].pid, signal.SIGKILL)  # mid-stream, without a word to anyone
            time.sleep(0.05)
        assert wait_for(lambda: all(i.is_published() for i in infos), 30)
        pub.loop_stop()
        pub.disconnect()

        def stored() -> tuple[int, int, float]:
            with session_factory(demo_url)() as session:
                rows = session.execute(select(func.count()).select_from(Reading)
                                       .where(Reading.sensor_id.in_(ours.values()))).scalar()
                n, total = session.execute(select(func.coalesce(func.sum(Rollup.n), 0), func.sum(Rollup.vsum))
                                           .where(Rollup.sensor_id.in_(ours.values()))).one()
                return int(rows), int(n), float(total or 0.0)

        assert wait_for(lambda: stored()[0] >= expected_n, 120), f"stored {stored()} of {expected_n} readings"
        assert wait_for(lambda: set(owners(demo_url).values()) == {"alpha"} and len(owners(demo_url)) == PARTITIONS, 30)
        rows, n, total = stored()
        assert rows == expected_n, "every reading stored once"
        assert n == expected_n, "rollups count each reading once"
        assert total == pytest.approx(expected_sum, rel=1e-9)
        assert "beta" in shared.values()
    finally:
        for process in workers.values():
            if process.is_alive():
                process.terminate()
        for process in workers.values():
            process.join(60)
            if process.is_alive():
                process.kill()
    assert workers["alpha"].exitcode == 0


def test_the_door_passes_readings_of_the_old_layout_to_their_partition(demo_url):
    if find_mosquitto() is None:
        pytest.skip("mosquitto is not installed")
    from qorgau.monitoring.cli import run_partitioned_worker

    number, zones = add_zones(demo_url, zones=4, per_zone=2)
    with PrivateBroker() as broker:
        prepare_sessions(PartitionConfig(port=broker.port, partitions=PARTITIONS, group="door-test"))
        box: dict = {}
        started = threading.Event()

        def on_start(worker):
            box["worker"] = worker
            started.set()

        thread = threading.Thread(target=lambda: box.update(result=run_partitioned_worker(
            demo_url, host="127.0.0.1", port=broker.port, name="solo", partitions=PARTITIONS, lease_ttl_s=TTL,
            group="door-test", config_overrides={"tick_s": 0.2}, on_start=on_start)), daemon=True)
        thread.start()
        assert started.wait(20)
        worker = box["worker"]
        assert wait_for(lambda: worker.ready() and worker.links[None].subscribed.is_set(), 30)
        pub = publisher(broker.port, 5)
        t0 = time.time() - 600
        infos, expected = [], 0
        for zone, codes in zones.items():
            ts = t0 + np.arange(len(codes), dtype=float)
            infos.append(pub.publish(zone_topic(number, zone), encode_binary(ts, np.full(ts.size, 0.02), codes,
                                                                                np.arange(len(codes)), f64=True), qos=1))
            expected += ts.size
        assert wait_for(lambda: all(i.is_published() for i in infos), 20)
        pub.loop_stop()
        pub.disconnect()
        with session_factory(demo_url)() as session:
            ids = list(session.execute(select(Sensor.id).where(Sensor.code.like("pt%"))).scalars())

        def count() -> int:
            with session_factory(demo_url)() as session:
                return int(session.execute(select(func.count()).select_from(Reading)
                                           .where(Reading.sensor_id.in_(ids))).scalar())

        assert wait_for(lambda: count() == expected, 30)
        worker.stop()
        thread.join(30)
        assert not thread.is_alive()


def test_readings_by_month_on_postgresql_months_ahead_and_retention_by_dropping_months(demo_url, backend):
    if backend != "postgresql":
        pytest.skip("SQLite keeps one plain table")
    from datetime import UTC, datetime

    from sqlalchemy import text

    from qorgau.monitoring import timeparts
    from qorgau.monitoring.models import Alarm

    engine = engine_for(demo_url)
    with engine.begin() as connection:
        assert timeparts.is_partitioned(connection)
        sensor = connection.execute(select(Sensor.id, Sensor.zone_id, Sensor.enterprise_id).limit(1)).one()
        old = timeparts.Month(2020, 3)
        far = timeparts.Month(2031, 1)  # neither month exists yet: their rows land in the default partition
        rows = [{"s": sensor.id, "t": old.start + i * 600.0, "v": 1.0} for i in range(100)]
        rows += [{"s": sensor.id, "t": far.start + 60.0, "v": 2.0}]
        connection.execute(text("INSERT INTO monitoring_reading (sensor_id, ts, value, late) "
                                "VALUES (:s, :t, :v, false)"), rows)
        alarm_at = old.start + 50 * 600.0
        connection.execute(Alarm.__table__.insert().values(
            key="partition-test", sensor_id=sensor.id, zone_id=sensor.zone_id, enterprise_id=sensor.enterprise_id,
            alarm_type="threshold", severity="A2", peak_severity="A2", status="active",
            started_at=datetime.fromtimestamp(alarm_at, UTC), last_event_at=datetime.fromtimestamp(alarm_at, UTC),
            acknowledged_by="", ack_note="", ack_pending=False, escalation=0, violation_type=""))
        brin = connection.execute(text("SELECT count(*) FROM pg_indexes WHERE tablename = 'monitoring_reading' "
                                       "AND indexdef LIKE '%brin%'")).scalar()
        assert brin == 1
    with engine.begin() as connection:
        # both months' rows sit in the default partition until their months are created, then move into them
        assert timeparts.ensure_months(connection, old.start + 1.0, ahead=0) == [old.name]
        assert timeparts.ensure_months(connection, far.start + 1.0, ahead=0) == [far.name]
        assert connection.execute(text(f"SELECT count(*) FROM {old.name}")).scalar() == 100
        assert connection.execute(text(f"SELECT count(*) FROM {far.name}")).scalar() == 1
        assert connection.execute(text(f"SELECT count(*) FROM {timeparts.DEFAULT}")).scalar() == 0
    with engine.begin() as connection:
        assert old in timeparts.months(connection)
        result = timeparts.drop_months_before(connection, old.end + 86400.0, around_alarms_s=3600.0)
        assert result["dropped"] == [old.name]
        assert result["kept"] == 13  # within an hour either side of the alarm: 10-minute spacing, ends included
        assert result["rows"] == 87
        assert old not in timeparts.months(connection)
        left = connection.execute(select(func.count()).select_from(Reading).where(
            Reading.ts >= old.start, Reading.ts < old.end)).scalar()
        assert left == 13


def test_prepare_creates_each_partition_session_so_early_readings_wait_for_their_owner():
    if find_mosquitto() is None:
        pytest.skip("mosquitto is not installed")
    import json

    from typer.testing import CliRunner

    from qorgau.monitoring.cli import app

    with PrivateBroker() as broker:
        result = CliRunner().invoke(app, ["serve-partitions", "--prepare", "--broker-port", str(broker.port),
                                          "--partitions", "3"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output.strip().splitlines()[-1]) == {"prepared": 3}
        # published before any worker ran: queued in partition 1's session, delivered to whoever resumes it
        pub = publisher(broker.port, 5)
        info = pub.publish("qorgau/v1/p/1/990940000016/7/readings", b'{"ts": 1735000000, "v": 1}', qos=1)
        assert wait_for(info.is_published, 10)
        pub.loop_stop()
        got = []
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="qorgau-ingest-p1", protocol=mqtt.MQTTv5)
        client.on_message = lambda c, u, m: got.append(m.topic)
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 60
        client.connect("127.0.0.1", broker.port, clean_start=False, properties=props)
        client.loop_start()
        assert wait_for(lambda: got == ["qorgau/v1/p/1/990940000016/7/readings"], 10)
        client.loop_stop()
        client.disconnect()
