"""An ingest worker that owns topic partitions through leases (partitions.py): no forwarding hop.

The worker holds the leases of its fair share of the partitions and, for each, one MQTT connection
whose client id is the partition's (`<group>-p<k>`) with a persistent session subscribed to
`qorgau/v1/p/<k>/#`. Every message it receives belongs to sensors whose rule state it holds, so it goes
straight into the pipeline; the unit of work commits and only then are the messages acknowledged
(manual PUBACK on the connection they came on). One thread drives every connection, the pipeline and
the leases, as in mqtt_worker.py.

Take-over. A worker that dies stops renewing; when its leases expire another worker takes them,
rebuilds the partition's rule state from the database (each sensor's last stored reading, so a
repeated reading is recognised as such) and connects with the partition's client id, which resumes the
session the dead worker left: the broker delivers everything queued for it and everything it had
delivered but not had acknowledged. Hence 0 readings lost; readings the dead worker had committed but
not yet acknowledged come again and the sink stores nothing twice (rollups count only inserted rows).
What is not carried over: alarms the dead worker had open stay open in the database, but the new
engine does not know them (it raises a new one if the condition persists, and the old one is closed by
a person), and the 15-minute and 8-hour exposure windows of the partition's sensors restart.

A worker whose lease was taken while it could not renew (paused, cut off from the database) learns it
at its next renewal and lets the partition go without acknowledging; the broker has meanwhile handed
the session to the new owner (one client id, one connection), and whatever the old worker stored too
is stored once.

Publishers in the layout without partitions (`qorgau/v1/<bin>/<zone>/...`) are still accepted when
`accept_plain_topics` is on (MQTT 5 brokers with shared subscriptions): each worker also subscribes to
`$share/<group>/qorgau/v1/+/+/readings` and `.../+/+/+/readings` through a "door" connection. A door
message of a partition the worker holds is processed at once; one of another partition is published
again to its partition topic and acknowledged once the broker has taken it (PUBACK) with a subscriber
for it; "no matching subscribers" (nobody has ever held that partition) keeps it and tries again, so the
door never drops a reading. That is the one extra hop, for the old layout only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from qorgau.monitoring.codec import SHARED_GROUP
from qorgau.monitoring.mqtt_worker import NO_MATCHING_SUBSCRIBERS
from qorgau.monitoring.partitions import (
    DEFAULT_PARTITIONS,
    LEGACY_FILTERS,
    Leases,
    fair_share,
    partition_filter,
    partition_of,
    partition_topic,
    route,
)
from qorgau.monitoring.pipeline import Counters, Pipeline

log = logging.getLogger(__name__)


@dataclass
class PartitionConfig:
    """Broker, partitions and batching settings of one partitioned ingest worker."""

    host: str = "127.0.0.1"
    port: int = 1883
    group: str = SHARED_GROUP
    name: str | None = None  # this worker's name in the lease table (default: host name and process id)
    username: str | None = None
    password: str | None = None
    protocol: int = 5  # 5: MQTT 5; 4: MQTT 3.1.1 (NATS speaks only that; no door then)
    keepalive: int = 30
    session_expiry_s: int = 7 * 24 * 3600
    receive_maximum: int = 1000
    max_batch_readings: int = 50_000
    max_delay_s: float = 0.05
    tick_s: float = 1.0
    partitions: int = DEFAULT_PARTITIONS
    lease_ttl_s: float = 10.0
    accept_plain_topics: bool = True
    reconnect_max_s: float = 5.0
    retry_max_s: float = 10.0

    @property
    def renew_s(self) -> float:
        return self.lease_ttl_s / 4


@dataclass
class _Link:
    """One MQTT connection: a partition's session, or the door (partition None)."""

    client: mqtt.Client
    partition: int | None
    generation: int = 0
    up: bool = False
    subscribed: threading.Event = field(default_factory=threading.Event)
    retry_at: float = 0.0
    backoff: float = 0.1
    pubacks: dict[int, int] = field(default_factory=dict)  # mid -> reason code of our re-publishes


@dataclass
class _Forward:
    link: _Link
    topic: str
    payload: bytes
    info: mqtt.MQTTMessageInfo | None = None
    due: float = 0.0


@dataclass
class _Unit:
    acks: list[tuple[_Link, int, int, int]]  # link, its generation then, mid, qos
    forwards: list[_Forward] = field(default_factory=list)


class PartitionedWorker:
    """Runs a Pipeline over the partitions this worker leases until `stop()`."""

    def __init__(self, pipeline: Pipeline, leases: Leases, config: PartitionConfig | None = None, *,
                 rebuild: Callable[[np.ndarray], None] | None = None,
                 on_unit: Callable[[PartitionedWorker], None] | None = None):
        self.pipeline, self.leases = pipeline, leases
        self.config = config or PartitionConfig()
        if leases.partitions != self.config.partitions:
            raise ValueError("the lease table and the worker disagree on the number of partitions")
        self.rebuild, self.on_unit = rebuild, on_unit
        self.name = leases.owner
        self.owned: set[int] = set()
        self.links: dict[int | None, _Link] = {}
        self._stop = threading.Event()
        self._acks: list[tuple[_Link, int, int, int]] = []
        self._forwards: list[_Forward] = []
        self._first: float | None = None
        self._units: list[_Unit] = []
        self._zone_part = np.zeros(0, np.int64)
        self._zone_version = -1
        self.takeovers = 0
        self.releases = 0
        self._received = 0
        self._next_misc = 0.0
        self._renewed_at = time.time()
        pipeline.ownership = self._owns_index

    @property
    def counters(self) -> Counters:
        return self.pipeline.counters

    def stop(self) -> None:
        self._stop.set()

    # -- who owns what ---------------------------------------------------------------------------

    def sensor_partitions(self) -> np.ndarray:
        registry = self.pipeline.registry
        if self._zone_version != registry.version or self._zone_part.size != len(registry):
            self._zone_part = np.array([partition_of(c.enterprise_bin, c.zone, self.config.partitions)
                                        for c in registry.configs], dtype=np.int64)
            self._zone_version = registry.version
        return self._zone_part

    def _owns_index(self, idx: int) -> bool:
        return int(self.sensor_partitions()[idx]) in self.owned

    def _balance(self, now: float) -> None:
        """Renew, give back what is above the fair share, take free partitions up to it."""
        members = self.leases.heartbeat(now)
        held = self.leases.renew(self.owned, now)
        for k in sorted(self.owned - held):
            log.warning("partition %s was taken over; letting it go", k)
            self._close(k)
        fair = fair_share(self.config.partitions, members)
        if len(self.owned) > fair:
            self._give_back(sorted(self.owned)[fair:])
        elif len(self.owned) < fair:
            for k in self.leases.free(now):
                if len(self.owned) >= fair:
                    break
                if self.leases.try_take(k, now):
                    self._take(k)

    def _take(self, k: int) -> None:
        if self.rebuild is not None:
            mine = np.flatnonzero(self.sensor_partitions() == k)
            if mine.size:
                self.rebuild(mine)
        self.owned.add(k)
        self.takeovers += 1
        self.links[k] = self._open(k)

    def _give_back(self, partitions: list[int]) -> None:
        """Store and acknowledge what arrived, close the sessions' connections, then release the leases."""
        if self._first is not None:
            self._unit(time.time(), flush=True)
        end = time.monotonic() + 10
        while self._units and time.monotonic() < end:
            self._pump(0.01)
            self._retry_commit(time.time())
            self._send_acks(force=True)
        for k in partitions:
            self._close(k)
        if not self._units:  # with acknowledgements still held the leases expire instead
            self.leases.give_back(partitions)
        self.releases += len(partitions)

    def _close(self, k: int) -> None:
        self.owned.discard(k)
        link = self.links.pop(k, None)
        if link is not None:
            link.generation += 1  # acknowledgements still pending for it are void: the next owner gets them
            with contextlib.suppress(Exception):
                for _ in range(3):
                    link.client.loop(timeout=0.0)
                link.client.disconnect()
                link.client.loop(timeout=0.0)

    # -- connections -----------------------------------------------------------------------------

    def _client_id(self, partition: int | None) -> str:
        return f"{self.config.group}-p{partition}" if partition is not None else f"{self.config.group}-door-{self.name}"

    def _open(self, partition: int | None) -> _Link:
        cfg = self.config
        v5 = cfg.protocol == 5
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self._client_id(partition),
                             protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311, manual_ack=True,
                             clean_session=None if v5 else False)
        if cfg.username:
            client.username_pw_set(cfg.username, cfg.password)
        client.max_inflight_messages_set(cfg.receive_maximum)
        client.max_queued_messages_set(0)
        link = _Link(client, partition)
        client.on_connect = lambda c, u, f, rc, p: self._on_connect(link, rc)
        client.on_disconnect = lambda c, u, f, rc, p: self._on_disconnect(link)
        client.on_message = lambda c, u, msg: self._on_message(link, msg)
        client.on_subscribe = lambda c, u, mid, rcs, p: link.subscribed.set()
        client.on_publish = lambda c, u, mid, rc, p: link.pubacks.__setitem__(mid, int(getattr(rc, "value", rc)))
        self._connect(link)
        return link

    def _connect(self, link: _Link) -> None:
        cfg = self.config
        try:
            if cfg.protocol == 5:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = cfg.session_expiry_s
                props.ReceiveMaximum = cfg.receive_maximum
                link.client.connect(cfg.host, cfg.port, cfg.keepalive, clean_start=False, properties=props)
            else:
                link.client.connect(cfg.host, cfg.port, cfg.keepalive)
        except OSError as error:
            log.warning("cannot reach the broker for %s: %s", self._client_id(link.partition), error)
            link.retry_at = time.monotonic() + link.backoff
            link.backoff = min(link.backoff * 2, cfg.reconnect_max_s)

    def _on_connect(self, link: _Link, reason_code) -> None:
        if reason_code.is_failure:
            log.error("broker refused %s: %s", self._client_id(link.partition), reason_code)
            return
        link.up, link.backoff = True, 0.1
        if link.partition is None:
            link.client.subscribe([(f"$share/{self.config.group}/{f}", SubscribeOptions(qos=1)) for f in LEGACY_FILTERS])
        elif self.config.protocol == 5:
            link.client.subscribe([(partition_filter(link.partition), SubscribeOptions(qos=1))])
        else:
            link.client.subscribe(partition_filter(link.partition), qos=1)

    def _on_disconnect(self, link: _Link) -> None:
        if link.up:
            link.generation += 1  # PUBACKs of that connection can no longer be sent: the broker redelivers
        link.up = False
        link.subscribed.clear()

    def _on_message(self, link: _Link, msg: mqtt.MQTTMessage) -> None:
        now = time.time()
        where = route(msg.topic, self.config.partitions)
        payload = bytes(msg.payload)
        if where.partition is None or where.partition in self.owned:
            self.pipeline.submit(where.topic, payload, now)
        else:  # the door, or a publisher that chose the wrong partition: to the partition's owner
            forward = _Forward(link, partition_topic(where.topic, self.config.partitions), payload)
            self._publish(forward)
            self._forwards.append(forward)
        self._acks.append((link, link.generation, msg.mid, msg.qos))
        self._received += 1
        if self._first is None:
            self._first = now

    def _publish(self, forward: _Forward) -> None:
        forward.info = forward.link.client.publish(forward.topic, forward.payload, qos=1)

    def ready(self) -> bool:
        """Every partition held has its subscription acknowledged (SUBACK)."""
        return bool(self.owned) and all(self.links[k].subscribed.is_set() for k in self.owned if k in self.links)

    # -- main loop -------------------------------------------------------------------------------

    def _pump(self, wait_s: float) -> int:
        """Serve every connection: wait up to `wait_s` for input on any, read what each has (many packets
        per call, not paho's one), write what is queued, keep the connections alive. Returns messages read."""
        before = self._received
        now = time.monotonic()
        live: dict[socket.socket, _Link] = {}
        for link in list(self.links.values()):
            sock = link.client.socket()
            if sock is None:
                link.up = False
                if now >= link.retry_at and (link.partition is None or link.partition in self.owned):
                    self._reconnect(link)
                continue
            live[sock] = link
        if not live:
            time.sleep(wait_s)
            return 0
        writable = [s for s, link in live.items() if link.client.want_write()]
        try:
            readable, ready_to_write, _ = select.select(list(live), writable, [], wait_s)
        except (OSError, ValueError):
            readable, ready_to_write = list(live), []
        for sock in ready_to_write:
            self._check(live[sock], live[sock].client.loop_write())
        for sock in readable:
            link = live[sock]
            for _ in range(self.config.receive_maximum):
                seen = self._received
                rc = link.client.loop_read()
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    self._check(link, rc)
                    break
                if self._received == seen:
                    break
        if now >= self._next_misc:
            self._next_misc = now + 0.5
            for link in live.values():
                self._check(link, link.client.loop_misc())
        for link in live.values():
            if link.client.want_write():
                self._check(link, link.client.loop_write())
        return self._received - before

    def _check(self, link: _Link, rc) -> None:
        if rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_AGAIN):
            self._on_disconnect(link)
            link.retry_at = time.monotonic() + link.backoff
            link.backoff = min(link.backoff * 2, self.config.reconnect_max_s)

    def _reconnect(self, link: _Link) -> None:
        try:
            link.client.reconnect()  # the host, session and properties of the first connect()
        except OSError as error:
            log.warning("reconnect of %s failed: %s", self._client_id(link.partition), error)
            link.retry_at = time.monotonic() + link.backoff
            link.backoff = min(link.backoff * 2, self.config.reconnect_max_s)

    def run(self, duration_s: float | None = None) -> Counters:
        deadline = None if duration_s is None else time.monotonic() + duration_s
        self.leases.ensure_rows()
        if self.config.accept_plain_topics and self.config.protocol == 5:
            self.links[None] = self._open(None)
        next_lease = 0.0
        next_tick = time.time() + self.config.tick_s
        while not self._stop.is_set() and (deadline is None or time.monotonic() < deadline):
            now = time.time()
            if now >= next_lease:
                try:
                    self._balance(now)
                    self._renewed_at = now
                except Exception as error:  # noqa: BLE001 - the database is away: keep serving until the TTL
                    log.warning("lease renewal failed: %s", error)
                    if self.owned and now - self._renewed_at > self.config.lease_ttl_s:
                        # Others may hold these partitions by now: stop competing for their sessions.
                        log.warning("leases not renewed for %.0f s; letting partitions %s go", now - self._renewed_at,
                                    sorted(self.owned))
                        for k in sorted(self.owned):
                            self._close(k)
                next_lease = now + self.config.renew_s
            got = self._pump(0.0 if self._first is not None else 0.02)
            now = time.time()
            if self._first is not None and (got == 0 or self.pipeline.pending >= self.config.max_batch_readings
                                            or now - self._first >= self.config.max_delay_s):
                self._unit(now)
            if now >= next_tick:
                self.pipeline.tick(now)
                next_tick = now + self.config.tick_s
            self._retry_commit(now)
            self._send_acks()
        self._shutdown()
        return self.counters

    _retry_at = 0.0
    _retry_delay = 0.0

    def _retry_commit(self, now: float) -> None:
        if self.pipeline.uncommitted_since is None:
            self._retry_delay = 0.0
            return
        if now < self._retry_at:
            return
        if self.pipeline.retry_commit():
            self._retry_delay = 0.0
            return
        self._retry_delay = min(max(self._retry_delay * 2, 0.25), self.config.retry_max_s)
        self._retry_at = now + self._retry_delay

    def _unit(self, now: float, flush: bool = False) -> None:
        if flush:
            self.pipeline.flush(now)
        else:
            self.pipeline.process(now)
        self._units.append(_Unit(self._acks, self._forwards))
        self._acks, self._forwards, self._first = [], [], None
        if self.on_unit is not None:
            self.on_unit(self)

    def _forwards_done(self, unit: _Unit) -> bool:
        """Every re-published message is with the broker and had a subscriber (else it is sent again)."""
        done = True
        now = time.monotonic()
        for forward in unit.forwards:
            info = forward.info
            if info is None or not info.is_published():
                if info is None and now >= forward.due and forward.link.up:
                    self._publish(forward)
                done = False
                continue
            code = forward.link.pubacks.pop(info.mid, 0)
            if code == NO_MATCHING_SUBSCRIBERS:
                forward.info, forward.due = None, now + 0.5  # nobody holds that partition yet
                done = False
        return done

    def _send_acks(self, force: bool = False) -> None:
        """Acknowledge units whose readings are committed (on their own connections)."""
        if not self._units or self.pipeline.uncommitted_since is not None:
            return
        keep = []
        for unit in self._units:
            if not self._forwards_done(unit):
                keep.append(unit)
                continue
            for link, generation, mid, qos in unit.acks:
                if qos and link.generation == generation and link.up:
                    link.client.ack(mid, qos)
        self._units = keep

    def _shutdown(self, timeout_s: float = 30.0) -> None:
        """Store and acknowledge what arrived, give the partitions back, disconnect."""
        with contextlib.suppress(Exception):
            if self._first is not None:
                self._unit(time.time(), flush=True)
            else:
                self.pipeline.flush(time.time())
        end = time.monotonic() + timeout_s
        while self._units and time.monotonic() < end:
            self._pump(0.01)
            self._retry_commit(time.time())
            self._send_acks(force=True)
        for _ in range(5):
            self._pump(0.0)
        held = sorted(self.owned)
        for k in held:
            self._close(k)
        door = self.links.pop(None, None)
        if door is not None:
            with contextlib.suppress(Exception):
                door.client.disconnect()
        with contextlib.suppress(Exception):
            if not self._units:
                self.leases.give_back(held)
            self.leases.leave()


def default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def prepare_sessions(config: PartitionConfig, timeout_s: float = 10.0) -> None:
    """Create each partition's persistent session at the broker (subscribed, then disconnected), so that
    readings published before any worker first holds a partition wait in its session instead of being
    dropped for want of a subscriber. Run once when installing, before devices publish."""
    v5 = config.protocol == 5
    for k in range(config.partitions):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{config.group}-p{k}",
                             protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311, clean_session=None if v5 else False)
        if config.username:
            client.username_pw_set(config.username, config.password)
        done = threading.Event()
        client.on_subscribe = lambda c, u, mid, rcs, p, done=done: done.set()
        if v5:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = config.session_expiry_s
            client.connect(config.host, config.port, config.keepalive, clean_start=False, properties=props)
        else:
            client.connect(config.host, config.port, config.keepalive)
        client.loop_start()
        try:
            client.subscribe(partition_filter(k), qos=1)
            if not done.wait(timeout_s):
                raise OSError(f"the broker did not acknowledge the subscription of partition {k}")
        finally:
            client.disconnect()
            client.loop_stop()
