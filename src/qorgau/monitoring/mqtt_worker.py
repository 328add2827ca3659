"""MQTT 5 ingest worker: paho-mqtt 2.x, QoS 1, persistent session, shared subscription.

One thread drives the socket (`client.loop`) and the pipeline, so there is no locking. Each message
is decoded as it arrives; when the socket goes quiet, `max_batch_readings` are pending, or the
oldest is `max_delay_s` old, one unit of work runs and, once the sink has committed, the messages
are acknowledged (manual PUBACK).
A crash before the commit therefore means redelivery, never loss: the session (clean_start=False,
session expiry) keeps unacknowledged QoS-1 messages at the broker while the worker is away.

When the sink cannot commit (the database is down), the worker keeps running: it holds every
acknowledgement, retries the commit with a growing delay (up to `retry_max_s`), and acknowledges once the
readings are stored. The broker keeps what is not acknowledged (in flight, then queued for the session),
so an outage costs a delay, never a reading. `state()` says where the worker stands; with `health_file`
set it is also written there every tick, for `qorgau monitoring ingest-health`.

Workers subscribe to `$share/qorgau-ingest/qorgau/v1/#`, which the broker hands out round-robin,
and each also to its own `qorgau/internal/v1/qorgau-ingest/<k>`, where peers forward the readings
of sensors it owns (see pipeline.py).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from qorgau.monitoring.codec import INTERNAL_ROOT, SHARED_GROUP, TOPIC_ROOT, internal_topic
from qorgau.monitoring.pipeline import Counters, Pipeline

log = logging.getLogger(__name__)
NO_MATCHING_SUBSCRIBERS = 16  # MQTT 5 PUBACK reason code


@dataclass
class WorkerConfig:
    """Broker connection and batching settings of one ingest worker."""

    host: str = "127.0.0.1"
    port: int = 1883
    group: str = SHARED_GROUP
    client_id: str | None = None
    username: str | None = None
    password: str | None = None
    keepalive: int = 30
    session_expiry_s: int = 24 * 3600
    receive_maximum: int = 1000
    max_batch_readings: int = 50_000
    max_delay_s: float = 0.05
    tick_s: float = 1.0
    reconnect_max_s: float = 5.0
    retry_max_s: float = 10.0
    health_file: str | None = None
    shared: bool = True

    def subscription(self) -> str:
        return f"$share/{self.group}/{TOPIC_ROOT}/#" if self.shared else f"{TOPIC_ROOT}/#"


@dataclass
class _Unit:
    """Messages processed together, waiting to be acknowledged."""

    arrival: float
    acks: list[tuple[int, int]]
    forwards: list[mqtt.MQTTMessageInfo] = field(default_factory=list)
    payloads: list[tuple[str, bytes]] = field(default_factory=list)  # topic and payload of each forward
    resend: dict[int, float] = field(default_factory=dict)  # forward index -> when to publish it again


class IngestWorker:
    """Runs a Pipeline against a broker until `stop()`; `counters` says what happened."""

    def __init__(self, pipeline: Pipeline, config: WorkerConfig | None = None,
                 on_unit: Callable[[IngestWorker], None] | None = None):
        self.pipeline = pipeline
        self.config = config or WorkerConfig()
        self.on_unit = on_unit
        self._stop = threading.Event()
        self._acks: list[tuple[int, int]] = []  # (mid, qos) of messages submitted since the last unit
        self._first: float | None = None        # arrival of the oldest of them
        self._units: list[_Unit] = []
        self.connected = threading.Event()
        self.reconnects = 0
        self._retry_at = 0.0
        self._retry_delay = 0.0
        cid = self.config.client_id or f"qorgau-ingest-{pipeline.worker}"
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid,
                                  protocol=mqtt.MQTTv5, manual_ack=True)
        if self.config.username:
            self.client.username_pw_set(self.config.username, self.config.password)
        self.client.max_inflight_messages_set(self.config.receive_maximum)
        self.client.max_queued_messages_set(0)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._pubacks: dict[int, int] = {}  # mid -> PUBACK reason code of forwards
        self.client.on_publish = lambda c, u, mid, rc, p: self._pubacks.__setitem__(mid, int(getattr(rc, "value", rc)))
        self._internal = internal_topic(self.config.group, pipeline.worker)

    @property
    def counters(self) -> Counters:
        return self.pipeline.counters

    def stop(self) -> None:
        """Ask the loop to finish its work, acknowledge and disconnect."""
        self._stop.set()

    def state(self) -> dict:
        """Where the worker stands: broker connection, database, acknowledgements held back."""
        since = self.pipeline.uncommitted_since
        return {"broker": "connected" if self.connected.is_set() else "disconnected",
                "database": "ok" if since is None else "unavailable",
                "database_unavailable_s": None if since is None else round(time.time() - since, 1),
                "unacknowledged_messages": len(self._acks) + sum(len(u.acks) for u in self._units),
                "reconnects": self.reconnects, "at": round(time.time(), 3), "pid": os.getpid(),
                "counters": self.counters.as_dict()}

    def _write_health(self) -> None:
        if not self.config.health_file:
            return
        temporary = self.config.health_file + ".tmp"
        try:
            with open(temporary, "w") as handle:
                json.dump(self.state(), handle)
            os.replace(temporary, self.config.health_file)
        except OSError as error:
            log.warning("cannot write the health file: %s", error)

    def _retry_commit(self, now: float) -> None:
        """While the sink holds uncommitted work, try again now and then (doubling the delay)."""
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

    # -- callbacks (run inside client.loop, i.e. on this worker's thread) ---------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        opts = SubscribeOptions(qos=1)
        subs = [(self.config.subscription(), opts)]
        if self.pipeline.workers > 1:
            subs.append((self._internal, SubscribeOptions(qos=1)))
        client.subscribe(subs)
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()

    def _on_message(self, client, userdata, msg: mqtt.MQTTMessage) -> None:
        now = time.time()
        topic = msg.topic
        payload = bytes(msg.payload)
        if topic.startswith(INTERNAL_ROOT + "/"):
            self.pipeline.submit_forwarded(payload, now, topic)
        else:
            self.pipeline.submit(topic, payload, now)
        if msg.qos:
            self._acks.append((msg.mid, msg.qos))
        if self._first is None:
            self._first = now

    # -- main loop -------------------------------------------------------------------------------

    def _connect_properties(self) -> Properties:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.config.session_expiry_s
        props.ReceiveMaximum = self.config.receive_maximum
        return props

    def connect(self) -> None:
        self.client.connect(self.config.host, self.config.port, self.config.keepalive,
                            clean_start=False, properties=self._connect_properties())

    def run(self, duration_s: float | None = None) -> Counters:
        """Connect (retrying), consume until stopped or `duration_s` passed, then shut down cleanly."""
        deadline = None if duration_s is None else time.monotonic() + duration_s
        if not self.client.is_connected():
            self._connect_with_retry(deadline)
        next_tick = time.time() + self.config.tick_s
        backoff = 0.1
        while not self._stop.is_set() and (deadline is None or time.monotonic() < deadline):
            before = len(self._acks)
            rc = self.client.loop(timeout=0.0 if self._first is not None else 0.02)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                self._lost_connection()
                time.sleep(backoff)
                backoff = min(backoff * 2, self.config.reconnect_max_s)
                self._try_reconnect()
                continue
            backoff = 0.1
            now = time.time()
            if self._first is not None and (len(self._acks) == before  # the socket is quiet
                                            or self.pipeline.pending >= self.config.max_batch_readings
                                            or now - self._first >= self.config.max_delay_s):
                self._unit(now)
            else:
                held = self.pipeline.held_until()
                if held is not None and now >= held:
                    self._unit(now)
            if now >= next_tick:
                self.pipeline.tick(now)
                self._write_health()
                next_tick = now + self.config.tick_s
            self._retry_commit(now)
            self._send_acks(now)
        self._shutdown()
        return self.counters

    def _connect_with_retry(self, deadline: float | None) -> None:
        delay = 0.1
        while not self._stop.is_set():
            try:
                self.connect()
                return
            except OSError as error:
                if deadline is not None and time.monotonic() > deadline:
                    raise
                log.warning("cannot reach the broker (%s); retrying in %.1f s", error, delay)
                time.sleep(delay)
                delay = min(delay * 2, self.config.reconnect_max_s)

    def _try_reconnect(self) -> None:
        try:
            self.client.reconnect()
            self.reconnects += 1
        except OSError as error:
            log.warning("reconnect failed: %s", error)

    def _lost_connection(self) -> None:
        # Store what arrived; its PUBACKs belong to the lost connection, so the broker will
        # redeliver those messages and the engine/sink treat the repeats as duplicates.
        if self._first is not None:
            self._unit(time.time())
        self._units = []

    def _unit(self, now: float, flush: bool = False) -> None:
        """One unit of work over the messages submitted since the last one."""
        forwards = self.pipeline.flush(now) if flush else self.pipeline.process(now)
        unit = _Unit(now, self._acks)
        self._acks, self._first = [], None
        for peer, payloads in forwards.items():
            topic = internal_topic(self.config.group, peer)
            for p in payloads:
                unit.forwards.append(self.client.publish(topic, p, qos=1))
                unit.payloads.append((topic, p))
        self._units.append(unit)
        if self.on_unit is not None:
            self.on_unit(self)

    def _forwards_delivered(self, unit: _Unit) -> bool:
        """Every forward is with the broker *and had a subscriber*. A broker drops a QoS-1 message nobody is
        subscribed to yet still acknowledges it (MQTT 5 reason 16, "no matching subscribers"): a peer that
        has not had its SUBACK (just started, or re-subscribing after a broker restart without persistence)
        would lose the forwarded readings while this worker acknowledged the originals. Such a forward is
        published again until a subscriber takes it."""
        done = True
        now = time.monotonic()
        for i, info in enumerate(unit.forwards):
            if i in unit.resend:
                if now >= unit.resend[i]:
                    del unit.resend[i]
                    topic, payload = unit.payloads[i]
                    unit.forwards[i] = self.client.publish(topic, payload, qos=1)
                done = False
                continue
            if not info.is_published():
                done = False
                continue
            if self._pubacks.pop(info.mid, 0) == NO_MATCHING_SUBSCRIBERS:
                unit.resend[i] = now + 0.25
                done = False
        return done

    def _send_acks(self, now: float, force: bool = False) -> None:
        """Acknowledge units whose readings are committed and whose forwards the broker has."""
        if not self._units or self.pipeline.uncommitted_since is not None:
            return  # the sink still holds uncommitted work: nothing is stored until it commits
        hold = float(self.pipeline.hold_s or 0.0)
        keep = []
        for unit in self._units:
            ready = force or unit.arrival <= now - hold
            if ready and self._forwards_delivered(unit):
                for mid, qos in unit.acks:
                    self.client.ack(mid, qos)
            else:
                keep.append(unit)
        self._units = keep

    def _shutdown(self, timeout_s: float = 30.0) -> None:
        """Process what arrived, wait until forwards are with the broker and PUBACKs sent, disconnect.

        Messages that arrive meanwhile are processed too; anything still unacknowledged at the
        deadline stays in the session and is redelivered, so stopping never loses a reading.
        """
        self._unit(time.time(), flush=True)
        end = time.monotonic() + timeout_s
        accept_until = time.monotonic() + 1.0  # then stop taking new work; it stays queued for us
        while time.monotonic() < end and self.connected.is_set():
            self.client.loop(timeout=0.02)
            if self._first is not None and time.monotonic() < accept_until:
                self._unit(time.time(), flush=True)
            self._retry_commit(time.time())
            self._send_acks(time.time(), force=True)
            if not self._units and (self._first is None or time.monotonic() >= accept_until):
                break
        for _ in range(5):  # let the last PUBACKs reach the socket
            self.client.loop(timeout=0.01)
        self.client.disconnect()
        self._write_health()
