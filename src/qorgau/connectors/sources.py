"""The connectors themselves: OPC UA subscriptions, Modbus TCP polling, Sparkplug B and SenML over MQTT.

Each source reads a plant's server read-only and hands `Batch`es to a callback: the platform's `Feed`
(monitoring ingest) or the edge agent's local pipeline and queue. Libraries: asyncua (OPC UA), pymodbus
(Modbus TCP), paho-mqtt (MQTT), protobuf with the Sparkplug B schema in `sparkplug/`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from qorgau.connectors import senml, sparkplug_host
from qorgau.connectors.mapping import Batch, MappingError, PointSpec, apply, decode_registers
from qorgau.core.i18n_markers import N_

log = logging.getLogger(__name__)
Emit = Callable[[Batch], None]

SECURITY_MODES = ("None", "Sign", "SignAndEncrypt")
SECURITY_POLICIES = ("None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss")


@dataclass
class ConnectorConfig:
    """A connector as the running code needs it (from the database or an edge agent's JSON file)."""

    id: int
    name: str
    protocol: str
    address: str
    options: dict = field(default_factory=dict)
    credentials: dict = field(default_factory=dict)
    points: list[PointSpec] = field(default_factory=list)
    enterprise_bin: str = ""

    @staticmethod
    def from_dict(data: dict) -> ConnectorConfig:
        points = [PointSpec(**p) for p in data.get("points", [])]
        for row, point in enumerate(points, 1):
            try:
                point.check()
            except MappingError as error:
                raise MappingError(N_("Point %(row)s: %(problem)s"), error.field, row=row, problem=str(error)) from error
        return ConnectorConfig(int(data["id"]), data.get("name", ""), data["protocol"], data.get("address", ""),
                               dict(data.get("options") or {}), dict(data.get("credentials") or {}), points,
                               data.get("enterprise_bin", ""))

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "protocol": self.protocol, "address": self.address,
                "options": self.options, "credentials": self.credentials, "enterprise_bin": self.enterprise_bin,
                "points": [p.as_dict() for p in self.points]}


def check_options(protocol: str, address: str, options: dict) -> None:
    """Refuse an address or options that the protocol cannot use (MappingError naming the field)."""
    if protocol == "opcua":
        if not address.startswith("opc.tcp://"):
            raise MappingError(N_("An OPC UA address starts with opc.tcp://"), "address")
        mode = options.get("security_mode", "None")
        policy = options.get("security_policy", "None")
        if not isinstance(mode, str) or mode not in SECURITY_MODES:
            raise MappingError(N_("The security mode is one of: %(modes)s."), "security_mode", modes=", ".join(SECURITY_MODES))
        if not isinstance(policy, str) or policy not in SECURITY_POLICIES:
            raise MappingError(N_("The security policy is one of: %(policies)s."), "security_policy",
                               policies=", ".join(SECURITY_POLICIES))
        if (mode == "None") != (policy == "None"):
            raise MappingError(N_("Security mode and policy are both None or both set."), "security_mode")
    elif protocol == "modbus":
        host, port = split_host(address, 502)
        if not host:
            raise MappingError(N_("A Modbus address is host:port."), "address")
        unit = options.get("unit_id", 1)
        if not isinstance(unit, int) or isinstance(unit, bool) or not 0 <= unit <= 247:
            raise MappingError(N_("The Modbus unit id is 0 to 247."), "unit_id")
    elif protocol in ("sparkplug", "senml_mqtt"):
        host, port = split_host(address.removeprefix("mqtt://"), 1883)
        if not host:
            raise MappingError(N_("An MQTT address is mqtt://host:port."), "address")
        if protocol == "sparkplug" and not options.get("group_id"):
            raise MappingError(N_("A Sparkplug connector names its group id (option group_id)."), "group_id")
        if protocol == "senml_mqtt" and not options.get("topic"):
            raise MappingError(N_("A SenML connector names the topic it subscribes to (option topic)."), "topic")


def split_host(address: str, default_port: int) -> tuple[str, int]:
    try:
        parsed = urlparse(address if "://" in address else f"x://{address}")
        return parsed.hostname or "", parsed.port or default_port
    except ValueError:
        return "", default_port


# -- OPC UA ------------------------------------------------------------------------------------------

class OpcUaSource:
    """Subscribes to the mapped variables; each data change (with its source timestamp) is emitted."""

    def __init__(self, config: ConnectorConfig, emit: Emit):
        self.config, self.emit = config, emit
        self.by_node = {p.source: p for p in config.points}
        self.client = None
        self.connected = asyncio.Event()

    async def _connect(self):
        from asyncua import Client

        opts, creds = self.config.options, self.config.credentials
        client = Client(self.config.address, timeout=float(opts.get("timeout_s", 4)))
        client.application_uri = opts.get("application_uri", "urn:qorgau:connector")
        if opts.get("security_policy", "None") != "None":
            await client.set_security_string(",".join([
                opts["security_policy"], opts["security_mode"], opts.get("certificate", ""),
                opts.get("private_key", "")] + ([opts["server_certificate"]] if opts.get("server_certificate")
                                                else [])))
        if creds.get("username"):
            client.set_user(creds["username"])
            client.set_password(creds.get("password", ""))
        await client.connect()
        return client

    async def run(self, stop: asyncio.Event) -> None:
        source = self

        class Handler:
            def datachange_notification(self, node, value, data):
                point = source.by_node.get(node.nodeid.to_string())
                if point is None:
                    return
                stamp = data.monitored_item.Value.SourceTimestamp or data.monitored_item.Value.ServerTimestamp
                ts = stamp.timestamp() if stamp is not None else time.time()
                batch = Batch()
                apply(point, value, ts, batch)
                source.emit(batch)

        self.client = await self._connect()
        try:
            sub = await self.client.create_subscription(float(self.config.options.get("publish_ms", 200)), Handler())
            await sub.subscribe_data_change([self.client.get_node(n) for n in self.by_node])
            self.connected.set()
            await stop.wait()
        finally:
            await self.client.disconnect()


# -- Modbus TCP --------------------------------------------------------------------------------------

class ModbusSource:
    """Polls the mapped registers every `poll_s` (read-only function codes 1-4)."""

    def __init__(self, config: ConnectorConfig, emit: Emit):
        self.config, self.emit = config, emit
        self.client = None

    async def connect(self) -> None:
        from pymodbus.client import AsyncModbusTcpClient

        host, port = split_host(self.config.address, 502)
        self.client = AsyncModbusTcpClient(host, port=port, timeout=float(self.config.options.get("timeout_s", 3)))
        if not await self.client.connect():
            raise ConnectionError(f"no Modbus server at {host}:{port}")

    async def poll_once(self) -> Batch:
        unit = int(self.config.options.get("unit_id", 1))
        batch = Batch()
        ts = time.time()
        for point in self.config.points:
            table, address = point.address()
            count = 1 if table in ("co", "di") else point.registers
            read = {"hr": self.client.read_holding_registers, "ir": self.client.read_input_registers,
                    "co": self.client.read_coils, "di": self.client.read_discrete_inputs}[table]
            response = await read(address, count=count, device_id=unit)
            if response.isError():
                batch.rejected.append((point.source, f"Modbus error {response}"))
                continue
            if table in ("co", "di"):
                raw: float = float(bool(response.bits[0]))
            else:
                raw = decode_registers(list(response.registers), point.data_type, point.byte_order, point.word_order)
            apply(point, raw, ts, batch)
        return batch

    async def run(self, stop: asyncio.Event) -> None:
        await self.connect()
        period = float(self.config.options.get("poll_s", 1.0))
        try:
            while not stop.is_set():
                self.emit(await self.poll_once())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), period)
        finally:
            self.client.close()


# -- MQTT (Sparkplug B, SenML) ----------------------------------------------------------------------

class MqttSource:
    """A paho-mqtt client (QoS 1) whose messages go through a decoder: Sparkplug B host or SenML."""

    def __init__(self, config: ConnectorConfig, emit: Emit):
        import paho.mqtt.client as mqtt

        self.config, self.emit = config, emit
        self.connected = threading.Event()
        opts, creds = config.options, config.credentials
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=opts.get("client_id", f"qorgau-connector-{config.id}"))
        if creds.get("username"):
            self.client.username_pw_set(creds["username"], creds.get("password", ""))
        if config.protocol == "sparkplug":
            self.decoder: sparkplug_host.SparkplugHost | senml.SenmlTopic = sparkplug_host.SparkplugHost(
                config.options["group_id"], config.points, publish=self._publish)
            self.topics = self.decoder.subscriptions()
        else:
            self.decoder = senml.SenmlTopic(config.points)
            self.topics = [config.options["topic"]]
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    def _publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=0)

    def _on_connect(self, client, userdata, flags, reason, properties=None):
        for topic in self.topics:
            client.subscribe(topic, qos=1)
        self.connected.set()

    def _on_message(self, client, userdata, message):
        try:
            batch = self.decoder.message(message.topic, message.payload, time.time())
        except Exception as error:  # a bad message must not stop the connector; it is kept as rejected
            log.warning("connector %s: message on %s not read: %s", self.config.id, message.topic, error)
            batch = Batch(rejected=[(message.topic, str(error))])
        if len(batch) or batch.rejected:
            self.emit(batch)

    def start(self) -> None:
        host, port = split_host(self.config.address.removeprefix("mqtt://"), 1883)
        self.client.connect(host, port, keepalive=int(self.config.options.get("keepalive_s", 30)))
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


async def run_async(source, stop: asyncio.Event) -> None:
    await source.run(stop)


def make_source(config: ConnectorConfig, emit: Emit):
    if config.protocol == "opcua":
        return OpcUaSource(config, emit)
    if config.protocol == "modbus":
        return ModbusSource(config, emit)
    if config.protocol in ("sparkplug", "senml_mqtt"):
        return MqttSource(config, emit)
    raise MappingError(N_("This protocol has no source to run (SenML over HTTP is pushed)."), "protocol")
