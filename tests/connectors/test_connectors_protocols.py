"""Each protocol against a real server started here (loopback, free ports): the value arrives as a reading
of the mapped sensor in the sensor's unit, an exceedance raises an alarm, detector status flags and a
Sparkplug node death go into the alarm lifecycle and the sensor's link state."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from asyncua import Server, ua
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from qorgau.connectors import service
from qorgau.connectors.feed import Feed
from qorgau.connectors.mapping import encode_registers
from qorgau.connectors.models import SensorLink
from qorgau.connectors.sources import ModbusSource, MqttSource, OpcUaSource
from qorgau.connectors.sparkplug_host import birth_payload, data_payload, death_payload
from qorgau.core.db import session_factory
from tests.connectors.helpers import alarms, connector, detector, readings
from tests.mosquitto import PrivateBroker, find_mosquitto, free_port

pytestmark = pytest.mark.timeout(300)
needs_mosquitto = pytest.mark.skipif(find_mosquitto() is None, reason="mosquitto is not installed")


async def until(check, timeout: float = 15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def listening(port: int, timeout: float = 15.0) -> None:
    """Return once a server accepts connections on the port."""
    end = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert time.monotonic() < end, f"nothing listens on port {port}"
            await asyncio.sleep(0.05)
        else:
            writer.close()
            await writer.wait_closed()
            return


def subscriptions_acknowledged(client: mqtt.Client, expected: int) -> threading.Event:
    """Set once the broker has acknowledged `expected` subscriptions (SUBACK) of the client."""
    acknowledged, done = [], threading.Event()

    def on_subscribe(client, userdata, mid, reason_codes, properties):
        acknowledged.append(mid)
        if len(acknowledged) >= expected:
            done.set()

    client.on_subscribe = on_subscribe
    return done


def drain(q: queue.Queue, feed: Feed, check, timeout: float = 15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(queue.Empty):
            feed.push(q.get(timeout=0.1))
        result = check()
        if result:
            return result
    raise AssertionError("condition not reached in time")


def test_opcua_subscription_reading_unit_alarm_and_fault(session, demo_url):
    sensor = detector(session)
    port = free_port()
    feed_session = session_factory(demo_url)()

    async def main():
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/plant/")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        idx = await server.register_namespace("urn:example:smelter")
        detector_node = await server.nodes.objects.add_object(idx, "GasDetector")
        h2s = await detector_node.add_variable(ua.NodeId("H2S", idx), "H2S", 2000.0)  # the server reports ppb
        fault = await detector_node.add_variable(ua.NodeId("Fault", idx), "Fault", False)
        async with server:
            made = connector(session, sensor, "opcua", f"opc.tcp://127.0.0.1:{port}/plant/", [
                {"source": f"ns={idx};s=H2S", "sensor": sensor.code, "unit": "ppb"},
                {"source": f"ns={idx};s=Fault", "sensor": sensor.code, "kind": "status", "flag": "fault"}],
                options={"security_mode": "None", "security_policy": "None", "publish_ms": 50})
            feed = Feed(feed_session, connector_id=made.id)
            source = OpcUaSource(service.runtime_config(session, made), feed.push)
            stop = asyncio.Event()
            task = asyncio.create_task(source.run(stop))
            first = await until(lambda: readings(session, sensor))
            assert first[0][1] == pytest.approx(2.0)  # 2000 ppb = 2 ppm, the sensor's unit
            await h2s.write_value(25000.0)
            await until(lambda: any(a.alarm_type == "threshold" for a in alarms(session, sensor)))
            assert any(v == pytest.approx(25.0) for _t, v in readings(session, sensor))
            await fault.write_value(True)
            found = await until(lambda: [a for a in alarms(session, sensor) if a.alarm_type == "detector_fault"])
            assert found[0].status == "ACTIVE_UNACK"
            await fault.write_value(False)
            await until(lambda: [a for a in alarms(session, sensor)
                                 if a.alarm_type == "detector_fault" and a.status == "CLEARED_UNACK"])
            stop.set()
            await task

    try:
        asyncio.run(main())
    finally:
        feed_session.close()


def test_modbus_polling_data_types_orders_scale_and_status_bits(session, demo_url):
    sensor = detector(session)
    co = detector(session, "co", a1=20.0, a2=50.0)
    port = free_port()
    plant = [0] * 64
    plant[0] = 253  # int16, 0.1 ppm per count
    plant[10:12] = encode_registers(12.5, "float32", word_order="little")
    plant[20] = 0

    async def action(function_code, start_address, address, count, current_registers, set_values):
        for i in range(count):
            current_registers[address - start_address + i] = plant[address + i]

    async def main():
        device = SimDevice(id=1, simdata=[SimData(0, values=[0] * 64, datatype=DataType.REGISTERS)], action=action)
        server = ModbusTcpServer(device, address=("127.0.0.1", port))
        serving = asyncio.create_task(server.serve_forever())
        await listening(port)
        made = connector(session, sensor, "modbus", f"127.0.0.1:{port}", [
            {"source": "hr:0", "sensor": sensor.code, "unit": "ppm", "scale": 0.1, "data_type": "int16"},
            {"source": "hr:10", "sensor": co.code, "unit": "ppm", "data_type": "float32", "word_order": "little"},
            {"source": "hr:20", "sensor": sensor.code, "kind": "status", "flag": "a2", "bit": 1},
            {"source": "hr:20", "sensor": sensor.code, "kind": "status", "flag": "bump_failed", "bit": 4}],
            options={"unit_id": 1})
        feed = Feed(session_factory(demo_url)(), connector_id=made.id)
        source = ModbusSource(service.runtime_config(session, made), feed.push)
        await source.connect()
        batch = await source.poll_once()
        assert [round(r.value, 3) for r in batch.readings] == [25.3, 12.5]
        feed.push(batch)
        plant[20] = 0b10010  # the detector reports A2 and a failed bump test
        feed.push(await source.poll_once())
        source.client.close()
        await server.shutdown()
        serving.cancel()
        feed.session.close()

    asyncio.run(main())
    assert readings(session, sensor)[0][1] == pytest.approx(25.3)
    assert readings(session, co)[0][1] == pytest.approx(12.5)
    kinds = {a.alarm_type: a for a in alarms(session, sensor)}
    assert "threshold" in kinds  # 25.3 ppm > A2 = 10 ppm
    assert kinds["detector_alarm"].severity == "CRITICAL"
    assert kinds["bump_failed"].status == "ACTIVE_UNACK"
    assert session.get(SensorLink, sensor.id).flags == {"a2": True, "bump_failed": True}


@needs_mosquitto
def test_sparkplug_birth_aliases_data_rebirth_and_node_death(session, demo_url):
    sensor = detector(session)
    with PrivateBroker() as broker:
        made = connector(session, sensor, "sparkplug", f"mqtt://127.0.0.1:{broker.port}", [
            {"source": "smelter-plc/H2S", "sensor": sensor.code, "unit": "ppm"}],
            options={"group_id": "Plant1"})
        q: queue.Queue = queue.Queue()
        source = MqttSource(service.runtime_config(session, made), q.put)
        source_subscribed = subscriptions_acknowledged(source.client, len(source.topics))
        source.start()
        assert source.connected.wait(10)
        commands: queue.Queue = queue.Queue()
        node = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="edge-node")
        node.on_message = lambda c, u, m: commands.put(m.topic)
        node_subscribed = subscriptions_acknowledged(node, 1)
        node.connect("127.0.0.1", broker.port)
        node.subscribe("spBv1.0/Plant1/NCMD/smelter-plc", qos=1)
        node.loop_start()
        assert source_subscribed.wait(10) and node_subscribed.wait(10), "the broker did not acknowledge"
        feed = Feed(session_factory(demo_url)(), connector_id=made.id)
        now = time.time()
        # The birth names the metric, its alias and unit (ppb here: converted to the sensor's ppm).
        node.publish("spBv1.0/Plant1/NBIRTH/smelter-plc",
                     birth_payload([("H2S", 7, 9, 1500.0)], seq=0, bd_seq=3, now=now, units={"H2S": "ppb"}), qos=1)
        drain(q, feed, lambda: readings(session, sensor))
        assert readings(session, sensor)[0][1] == pytest.approx(1.5)
        node.publish("spBv1.0/Plant1/NDATA/smelter-plc", data_payload([(7, 9, 30000.0)], seq=1, now=now + 1), qos=1)
        drain(q, feed, lambda: any(a.alarm_type == "threshold" for a in alarms(session, sensor)))
        assert readings(session, sensor)[-1][1] == pytest.approx(30.0)
        # A gap in the sequence numbers: the host asks the node for a rebirth.
        node.publish("spBv1.0/Plant1/NDATA/smelter-plc", data_payload([(7, 9, 2000.0)], seq=5, now=now + 2), qos=1)
        assert commands.get(timeout=10) == "spBv1.0/Plant1/NCMD/smelter-plc"
        node.publish("spBv1.0/Plant1/NDEATH/smelter-plc", death_payload(3), qos=1)

        def offline():
            feed.session.expire_all()
            session.expire_all()
            link = session.get(SensorLink, sensor.id)
            return link is not None and not link.online
        drain(q, feed, offline)
        assert [a for a in alarms(session, sensor) if a.alarm_type == "offline" and a.status == "ACTIVE_UNACK"]
        source.stop()
        node.loop_stop()
        feed.session.close()


@needs_mosquitto
def test_senml_over_mqtt_reading_unit_and_alarm(session, demo_url):
    sensor = detector(session)
    with PrivateBroker() as broker:
        made = connector(session, sensor, "senml_mqtt", f"mqtt://127.0.0.1:{broker.port}", [
            {"source": "urn:dev:mac:0024befffe804ff1:h2s", "sensor": sensor.code, "unit": "ppm"}],
            options={"topic": "plant/gateway/senml"})
        q: queue.Queue = queue.Queue()
        source = MqttSource(service.runtime_config(session, made), q.put)
        source.start()
        assert source.connected.wait(10)
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="gateway")
        pub.connect("127.0.0.1", broker.port)
        pub.loop_start()
        now = time.time()
        pack = (b'[{"bn":"urn:dev:mac:0024befffe804ff1:","bt":%.3f,"bu":"ppb","n":"h2s","v":3000},'
                b'{"n":"h2s","t":1,"v":40000},{"n":"temp","u":"Cel","v":21.5}]' % now)
        pub.publish("plant/gateway/senml", pack, qos=1)
        feed = Feed(session_factory(demo_url)(), connector_id=made.id)
        drain(q, feed, lambda: len(readings(session, sensor)) == 2)
        got = readings(session, sensor)
        assert [round(v, 3) for _t, v in got] == [3.0, 40.0]
        assert got[1][0] - got[0][0] == pytest.approx(1.0)
        assert any(a.alarm_type == "threshold" for a in alarms(session, sensor))
        source.stop()
        pub.loop_stop()
        feed.session.close()


def test_opcua_sign_and_encrypt_with_certificates(session, demo_url, tmp_path):
    from asyncua.crypto.cert_gen import setup_self_signed_certificate
    from cryptography.x509.oid import ExtendedKeyUsageOID

    sensor = detector(session)
    port = free_port()
    feed_session = session_factory(demo_url)()

    async def main():
        attrs = {"countryName": "KZ", "organizationName": "Qorgau test"}
        await setup_self_signed_certificate(tmp_path / "server-key.pem", tmp_path / "server-cert.der",
                                            "urn:example:plant:server", "127.0.0.1",
                                            [ExtendedKeyUsageOID.SERVER_AUTH], attrs)
        await setup_self_signed_certificate(tmp_path / "client-key.pem", tmp_path / "client-cert.der",
                                            "urn:qorgau:connector", "127.0.0.1",
                                            [ExtendedKeyUsageOID.CLIENT_AUTH], attrs)
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/plant/")
        server.set_server_name("Plant")
        await server.set_application_uri("urn:example:plant:server")
        server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
        await server.load_certificate(str(tmp_path / "server-cert.der"))
        await server.load_private_key(str(tmp_path / "server-key.pem"))
        idx = await server.register_namespace("urn:example:smelter")
        obj = await server.nodes.objects.add_object(idx, "GasDetector")
        await obj.add_variable(ua.NodeId("H2S", idx), "H2S", 3.5)
        async with server:
            made = connector(session, sensor, "opcua", f"opc.tcp://127.0.0.1:{port}/plant/", [
                {"source": f"ns={idx};s=H2S", "sensor": sensor.code, "unit": "ppm"}],
                options={"security_mode": "SignAndEncrypt", "security_policy": "Basic256Sha256",
                         "certificate": str(tmp_path / "client-cert.der"),
                         "private_key": str(tmp_path / "client-key.pem"),
                         "server_certificate": str(tmp_path / "server-cert.der")})
            feed = Feed(feed_session, connector_id=made.id)
            source = OpcUaSource(service.runtime_config(session, made), feed.push)
            stop = asyncio.Event()
            task = asyncio.create_task(source.run(stop))
            got = await until(lambda: readings(session, sensor))
            assert got[0][1] == pytest.approx(3.5)
            assert source.client.security_policy.Mode == ua.MessageSecurityMode.SignAndEncrypt
            stop.set()
            await task

    try:
        asyncio.run(main())
    finally:
        feed_session.close()


def test_opcua_options_refused_when_inconsistent(session):
    from qorgau.connectors.mapping import MappingError
    from qorgau.connectors.sources import check_options

    with pytest.raises(MappingError) as refused:
        check_options("opcua", "opc.tcp://127.0.0.1:4840/", {"security_mode": "Sign", "security_policy": "None"})
    assert refused.value.field == "security_mode"
    with pytest.raises(MappingError):
        check_options("opcua", "opc.tcp://127.0.0.1:4840/", {"security_mode": "SignAndEncrypt",
                                                            "security_policy": "Basic128Rsa15"})
