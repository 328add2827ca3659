"""Readings per second through each connector into monitoring, and the edge agent's forward rate after an
outage, on this machine. Every connector talks to a real server started here on loopback (pymodbus,
asyncua, Mosquitto for Sparkplug B and SenML over MQTT) and its readings go through the Feed into a fresh
SQLite database (rules, alarms, idempotent inserts), in batches as the sources deliver them.

    python benchmarks/connectors.py [--sensors 50] [--seconds 5] [--outage-readings 30000]

The edge part fills the agent's on-disk queue while the uplink is cut, then times forwarding it to the
platform's HTTP ingest (the application in-process). Prints JSON on the last line:
{"readings_per_s": {connector: n}, "edge_forward_per_s", "edge_forwarded", "sensors", "machine"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import queue
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from qorgau.connectors.edge import DiskQueue, EdgeAgent, HttpUplink, UplinkDown
from qorgau.connectors.feed import Feed
from qorgau.connectors.mapping import Batch, PointSpec, Reading, encode_registers
from qorgau.connectors.sources import ConnectorConfig, ModbusSource, MqttSource, OpcUaSource
from qorgau.connectors.sparkplug_host import birth_payload, data_payload
from qorgau.core.db import session_factory, unit_of_work
from qorgau.core.migrate import upgrade
from qorgau.monitoring.models import Reading as ReadingRow
from qorgau.monitoring.models import Sensor
from qorgau.registry.models import Enterprise, Site, Zone

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the private broker shared with the tests
from tests.mosquitto import PrivateBroker, find_mosquitto, free_port

BIN = "990940000016"


def setup(url: str, n: int) -> tuple[list[str], int]:
    upgrade(url)
    with unit_of_work(url, actor="bench") as session:
        enterprise = Enterprise(bin=BIN, name_en="Bench plant", region_kato="750000000", sector_code="C")
        session.add(enterprise)
        session.flush()
        site = Site(enterprise_id=enterprise.id, name="Site")
        session.add(site)
        session.flush()
        zone = Zone(site_id=site.id, name="Shop")
        session.add(zone)
        session.flush()
        codes = [f"bench.h2s.{i:03d}" for i in range(n)]
        for code in codes:  # a high A2, so the benchmark measures readings, not an alarm storm
            session.add(Sensor(code=code, enterprise_id=enterprise.id, zone_id=zone.id, quantity="h2s", unit="ppm",
                               a1=500.0, a2=900.0))
        return codes, zone.id


def stored(url: str) -> int:
    session = session_factory(url)()
    try:
        return session.execute(select(func.count()).select_from(ReadingRow)).scalar()
    finally:
        session.close()


class Counter:
    """Pushes what sources deliver into a Feed in batches (one unit of work per batch), counting readings."""

    def __init__(self, url: str):
        self.session = session_factory(url)()
        self.session.info["actor"] = "bench"
        self.feed = Feed(self.session)
        self.q: queue.Queue = queue.Queue()
        self.n = 0

    def emit(self, batch: Batch) -> None:
        self.q.put(batch)

    def drain(self) -> None:
        merged = Batch()
        while True:
            try:
                merged.extend(self.q.get_nowait())
            except queue.Empty:
                break
        if len(merged):
            self.n += self.feed.push(merged)["readings_stored"]

    def close(self) -> None:
        self.session.close()


def bench_modbus(url: str, codes: list[str], seconds: float) -> float:
    from pymodbus.server import ModbusTcpServer
    from pymodbus.simulator import DataType, SimData, SimDevice

    port = free_port()
    plant = [0] * (2 * len(codes) + 2)

    async def action(function_code, start_address, address, count, current_registers, set_values):
        for i in range(count):
            current_registers[address - start_address + i] = plant[address + i]

    counter = Counter(url)
    points = [PointSpec(f"hr:{2 * i}", code, unit="ppm", data_type="float32", sensor_unit="ppm")
              for i, code in enumerate(codes)]
    config = ConnectorConfig(1, "bench", "modbus", f"127.0.0.1:{port}", {"unit_id": 1}, {}, points, BIN)

    async def main() -> float:
        device = SimDevice(id=1, simdata=[SimData(0, values=[0] * len(plant), datatype=DataType.REGISTERS)],
                           action=action)
        server = ModbusTcpServer(device, address=("127.0.0.1", port))
        serving = asyncio.create_task(server.serve_forever())
        await asyncio.sleep(0.3)
        source = ModbusSource(config, counter.emit)
        await source.connect()
        start = time.perf_counter()
        k = 0
        while time.perf_counter() - start < seconds:
            k += 1
            for i in range(len(codes)):
                plant[2 * i:2 * i + 2] = encode_registers(1.0 + (k % 7) * 0.1 + i * 0.001, "float32")
            counter.emit(await source.poll_once())
            counter.drain()
            await asyncio.sleep(0.001)  # one poll per millisecond at most: distinct timestamps
        elapsed = time.perf_counter() - start
        source.client.close()
        await server.shutdown()
        serving.cancel()
        return counter.n / elapsed

    try:
        return asyncio.run(main())
    finally:
        counter.close()


def bench_opcua(url: str, codes: list[str], seconds: float) -> float:
    from asyncua import Server, ua

    port = free_port()
    counter = Counter(url)

    async def main() -> float:
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bench/")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        idx = await server.register_namespace("urn:bench")
        obj = await server.nodes.objects.add_object(idx, "Detectors")
        nodes = [await obj.add_variable(ua.NodeId(f"D{i}", idx), f"D{i}", 0.5) for i in range(len(codes))]
        points = [PointSpec(f"ns={idx};s=D{i}", code, unit="ppm", sensor_unit="ppm") for i, code in enumerate(codes)]
        config = ConnectorConfig(2, "bench", "opcua", f"opc.tcp://127.0.0.1:{port}/bench/", {"publish_ms": 50}, {},
                                 points, BIN)
        async with server:
            source = OpcUaSource(config, counter.emit)
            stop = asyncio.Event()
            task = asyncio.create_task(source.run(stop))
            while not source.connected.is_set():
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            counter.drain()
            counter.n = 0
            start = time.perf_counter()
            k = 0
            while time.perf_counter() - start < seconds:
                k += 1
                for i, node in enumerate(nodes):
                    await node.write_value(1.0 + (k % 50) * 0.01 + i * 0.0001)
                await asyncio.sleep(0.01)
                counter.drain()
            await asyncio.sleep(0.3)
            counter.drain()
            elapsed = time.perf_counter() - start
            stop.set()
            await task
        return counter.n / elapsed

    try:
        return asyncio.run(main())
    finally:
        counter.close()


def bench_mqtt(url: str, codes: list[str], seconds: float, protocol: str, port: int) -> float:
    import paho.mqtt.client as mqtt

    counter = Counter(url)
    if protocol == "sparkplug":
        points = [PointSpec(f"node/D{i}", code, unit="ppm", sensor_unit="ppm") for i, code in enumerate(codes)]
        options = {"group_id": "Bench"}
    else:
        points = [PointSpec(f"urn:dev:bench:{i}", code, unit="ppm", sensor_unit="ppm") for i, code in enumerate(codes)]
        options = {"topic": "bench/senml"}
    config = ConnectorConfig(3, "bench", protocol, f"mqtt://127.0.0.1:{port}", options, {}, points, BIN)
    source = MqttSource(config, counter.emit)
    source.start()
    source.connected.wait(10)
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-{protocol}")
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    time.sleep(0.3)
    t0 = time.time() - 86400
    messages = []
    n = int(seconds * 200)  # messages of one value per sensor each
    if protocol == "sparkplug":
        messages.append(("spBv1.0/Bench/NBIRTH/node", birth_payload([(f"D{i}", i + 1, 10, 0.5) for i in range(len(codes))],
                                                                  seq=0, bd_seq=0, now=t0)))
        for k in range(n):
            messages.append(("spBv1.0/Bench/NDATA/node", data_payload([(i + 1, 10, 1.0 + i * 0.001)
                                                                        for i in range(len(codes))],
                                                                       seq=(k + 1) % 256, now=t0 + 1 + k)))
    else:
        for k in range(n):
            pack = [{"bn": "urn:dev:bench:", "bt": t0 + k, "bu": "ppm"}] + [
                {"n": str(i), "v": 1.0 + i * 0.001} for i in range(len(codes))]
            messages.append(("bench/senml", json.dumps(pack).encode()))
    expected = n * len(codes) + (len(codes) if protocol == "sparkplug" else 0)
    start = time.perf_counter()
    for topic, payload in messages:
        pub.publish(topic, payload, qos=1)
    deadline = start + 120
    while counter.n < expected and time.perf_counter() < deadline:
        time.sleep(0.05)
        counter.drain()
    elapsed = time.perf_counter() - start
    source.stop()
    pub.loop_stop()
    counter.close()
    return counter.n / elapsed


def bench_edge(url: str, codes: list[str], zone_id: int, readings: int, tmp: Path) -> tuple[float, int]:
    from fastapi.testclient import TestClient

    from qorgau.app.web import create_app
    from qorgau.core import security
    from qorgau.core.config import Settings
    from qorgau.core.models import User

    with unit_of_work(url, actor="bench") as session:
        enterprise = session.execute(select(Enterprise)).scalar_one()
        user = User(username="bench", role="employer_safety_manager", password_hash="x", scope_kind="enterprise",
                    scope_enterprise_id=enterprise.id)
        session.add(user)
        session.flush()
        _t, token = security.create_api_token(session, user=user, scopes=["telemetry"])
    app = create_app(Settings(database_url=url, data_dir=tmp / "var", secret_key="bench", data_key="bench"))
    config = {"enterprise_bin": BIN, "agent": "bench", "connectors": [],
              "sensors": [{"code": c, "quantity": "h2s", "zone_id": zone_id, "a1": 500.0, "a2": 900.0} for c in codes]}
    with TestClient(app) as client:
        down = {"cut": True}

        def post(address: str, body: bytes, headers: dict):
            if down["cut"]:
                raise UplinkDown("cut")
            r = client.post(address.removeprefix("http://platform"), content=body, headers=headers)
            return r.status_code, r.content, dict(r.headers)

        agent = EdgeAgent(config, DiskQueue(tmp / "edge.db"), HttpUplink("http://platform", token, post),
                          on_alarm=lambda e: None, batch_size=5000)
        t0 = time.time() - 7 * 86400
        per_step = len(codes)
        for k in range(readings // per_step):
            agent.take(Batch(readings=[Reading(c, t0 + k, 1.0 + (k % 10) * 0.01) for c in codes]))
        agent.forward()  # the link is cut: nothing leaves
        queued = agent.queue.depth()
        down["cut"] = False
        before = stored(url)
        start = time.perf_counter()
        while agent.queue.depth():
            agent.forward()
        elapsed = time.perf_counter() - start
        forwarded = stored(url) - before
        assert forwarded == queued, (forwarded, queued)
    return forwarded / elapsed, forwarded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sensors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--outage-readings", type=int, default=30_000)
    args = parser.parse_args()
    os.environ.setdefault("QORGAU_DATA_KEY", "bench")
    tmp = Path(tempfile.mkdtemp(prefix="qorgau-bench-connectors-"))
    url = f"sqlite:///{tmp}/bench.db"
    codes, zone_id = setup(url, args.sensors)
    rates: dict[str, float] = {}
    rates["modbus"] = bench_modbus(url, codes, args.seconds)
    rates["opcua"] = bench_opcua(url, codes, args.seconds)
    if find_mosquitto() is not None:
        with PrivateBroker() as broker:
            rates["sparkplug"] = bench_mqtt(url, codes, args.seconds, "sparkplug", broker.port)
            rates["senml_mqtt"] = bench_mqtt(url, codes, args.seconds, "senml_mqtt", broker.port)
    forward_rate, forwarded = bench_edge(url, codes, zone_id, args.outage_readings, tmp)
    print(json.dumps({"readings_per_s": {k: round(v) for k, v in rates.items()},
                      "edge_forward_per_s": round(forward_rate), "edge_forwarded": forwarded,
                      "sensors": args.sensors, "seconds": args.seconds, "backend": "sqlite",
                      "machine": f"{platform.machine()} {os.cpu_count()} CPUs"}))


if __name__ == "__main__":
    main()
