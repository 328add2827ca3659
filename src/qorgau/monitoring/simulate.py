"""Telemetry of a copper-zinc smelter for demos and load: zones, diurnal load, drift, leaks, faults.

Each sensor's value is baseline x production load (three 8-h shifts, quieter at night and at shift
change) + slow drift + AR(1) noise + leak excursions (Poisson arrivals; rise, plateau and decay, peak
around the A2 level) rounded to the sensor's resolution. One sensor gets stuck (repeats its value)
and one falls silent part-way through. Everything is vectorised over sensors and time.
"""

from __future__ import annotations

import json
import math
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from qorgau.core.i18n_markers import N_
from qorgau.monitoring.codec import encode_binary, encode_json, zone_topic
from qorgau.monitoring.sensors import SensorConfig
from qorgau.monitoring.substances import Catalogue, default_catalogue

DEMO_BIN = "990940000016"  # a valid (check digit) BIN for the demo smelter


@dataclass(frozen=True)
class Channel:
    """A quantity measured in a zone: typical level, daily swing, noise, resolution."""

    code: str
    baseline: float
    swing: float
    noise: float
    resolution: float


@dataclass(frozen=True)
class ZoneSpec:
    code: str
    label: str
    channels: tuple[Channel, ...]


SMELTER_ZONES = (
    ZoneSpec("roasting", N_("Roasting shop"), (
        Channel("so2", 0.25, 0.4, 0.05, 0.01), Channel("dust_resp", 1.2, 0.4, 0.15, 0.01),
        Channel("heat_wbgt", 23.0, 0.12, 0.3, 0.1), Channel("co", 4.0, 0.4, 0.8, 0.1),
        Channel("noise", 84.0, 0.04, 1.0, 0.1))),
    ZoneSpec("electrolysis", N_("Zinc electrolysis cellhouse"), (
        Channel("ash3", 0.0015, 0.5, 0.0004, 0.0001), Channel("h2s", 0.4, 0.5, 0.1, 0.01),
        Channel("heat_wbgt", 22.0, 0.1, 0.3, 0.1), Channel("noise", 78.0, 0.03, 0.8, 0.1))),
    ZoneSpec("leaching", N_("Leaching"), (
        Channel("h2s", 0.8, 0.4, 0.15, 0.01), Channel("ash3", 0.001, 0.5, 0.0003, 0.0001),
        Channel("so2", 0.15, 0.3, 0.04, 0.01))),
    ZoneSpec("converter", N_("Copper converter aisle"), (
        Channel("so2", 0.4, 0.4, 0.08, 0.01), Channel("co", 8.0, 0.4, 1.5, 0.1),
        Channel("dust_resp", 1.8, 0.4, 0.25, 0.01), Channel("noise", 88.0, 0.04, 1.2, 0.1),
        Channel("heat_wbgt", 26.0, 0.1, 0.4, 0.1))),
    ZoneSpec("gas_cleaning", N_("Gas cleaning and acid plant"), (
        Channel("so2", 0.2, 0.3, 0.05, 0.01), Channel("o2", 20.9, 0.0, 0.03, 0.1),
        Channel("ch4", 0.0, 0.0, 0.2, 0.1))),
)


@dataclass(frozen=True)
class SimSensor:
    config: SensorConfig
    channel: Channel
    zone: str


def demo_fleet(n: int, enterprise_bin: str = DEMO_BIN, catalogue: Catalogue | None = None) -> list[SimSensor]:
    """`n` sensors spread over the smelter's zones; the same n always gives the same fleet."""
    catalogue = catalogue or default_catalogue()
    slots = [(z, ch) for z in SMELTER_ZONES for ch in z.channels]
    out = []
    for i in range(n):
        zone, ch = slots[i % len(slots)]
        copy = i // len(slots) + 1
        sid = f"{zone.code}-{copy:02d}.{ch.code}"
        cfg = SensorConfig.for_substance(sid, enterprise_bin, zone.code, catalogue[ch.code])
        out.append(SimSensor(cfg, ch, zone.code))
    return out


class Simulator:
    """Generates readings for a fleet; state (noise, drift, leaks, faults) carries across calls."""

    def __init__(self, fleet: list[SimSensor], seed: int = 0, start: float | None = None,
                 leaks_per_sensor_hour: float = 0.25, stuck_after_s: float = 600.0,
                 silent_after_s: float = 900.0, faults: bool = True):
        self.fleet = fleet
        self.n = len(fleet)
        self.rng = np.random.default_rng(seed)
        self.start = time.time() if start is None else start
        ch = [s.channel for s in fleet]
        self.base = np.array([c.baseline for c in ch])
        self.swing = np.array([c.swing for c in ch])
        self.noise_sd = np.array([c.noise for c in ch])
        self.res = np.array([c.resolution for c in ch])
        cfg = [s.config for s in fleet]
        self.sign = np.array([1.0 if c.direction == "rising" else -1.0 for c in cfg])
        a2 = np.array([c.a2 for c in cfg])
        self.leak_scale = np.where(np.isfinite(a2), np.abs(a2 - self.base) * 1.3, self.base)
        self.lo = np.array([c.range_lo for c in cfg])
        self.hi = np.array([c.range_hi for c in cfg])
        self.drift = self.rng.normal(0.0, 0.02, self.n) * self.noise_sd / 3600.0  # units per second
        self.ar = np.zeros(self.n)
        self.leak_rate = leaks_per_sensor_hour / 3600.0
        self.leak_start = self.start + self.rng.exponential(1 / self.leak_rate, self.n) if self.leak_rate else \
            np.full(self.n, np.inf)
        self.leak_len = self.rng.uniform(120, 900, self.n)
        self.leak_peak = self.leak_scale * self.rng.lognormal(0.0, 0.3, self.n)
        self.stuck_idx = 0 if faults and self.n > 2 else -1
        self.silent_idx = 1 if faults and self.n > 2 else -1
        self.stuck_after, self.silent_after = stuck_after_s, silent_after_s
        self.stuck_value: float | None = None
        self.last_t = self.start
        self.emitted = 0

    def _load(self, t: np.ndarray) -> np.ndarray:
        """Production load by local time of day (UTC+5): three shifts, dips at 08, 16, 24 h, night lower."""
        hour = ((t / 3600.0) + 5.0) % 24.0
        shift_dip = np.exp(-((hour[..., None] - np.array([0.0, 8.0, 16.0, 24.0])) ** 2) / 0.08).sum(-1)
        day = 0.5 * (1 + np.sin(2 * np.pi * (hour - 9.0) / 24.0))
        return day - 0.5 * shift_dip

    def _leak(self, t: np.ndarray) -> np.ndarray:
        """Leak excursion per (time, sensor): 60 s rise, plateau, exponential decay; schedules the next."""
        age = t[:, None] - self.leak_start[None, :]
        rise = np.clip(age / 60.0, 0, 1)
        decay = np.exp(-np.clip(age - self.leak_len, 0.0, None) / 120.0)
        shape = np.where(age >= 0, rise * decay, 0.0)
        done = (t[-1] - self.leak_start) > self.leak_len + 1200
        if done.any() and self.leak_rate:
            k = int(done.sum())
            self.leak_start[done] = t[-1] + self.rng.exponential(1 / self.leak_rate, k)
            self.leak_len[done] = self.rng.uniform(120, 900, k)
            self.leak_peak[done] = self.leak_scale[done] * self.rng.lognormal(0.0, 0.3, k)
        return shape * self.leak_peak[None, :]

    def sample(self, times: np.ndarray) -> np.ndarray:
        """Values (len(times) x n sensors) at increasing times."""
        from scipy.signal import lfilter  # scipy is slow to import and only the simulator needs it here

        times = np.asarray(times, dtype=np.float64)
        m = times.size
        shocks = self.rng.normal(0.0, 1.0, (m, self.n)) * self.noise_sd * np.sqrt(1 - 0.9 ** 2)
        ar, zf = lfilter([1.0], [1.0, -0.9], shocks, axis=0, zi=0.9 * self.ar[None, :])  # AR(1) in time
        self.ar = zf[0]
        load = self._load(times)[:, None]
        value = self.base * (1 + self.swing * load) + self.drift * (times[:, None] - self.start) + ar
        value += self.sign * self._leak(times)
        value = np.clip(np.round(value / self.res) * self.res, self.lo, self.hi)
        if self.stuck_idx >= 0:
            frozen = times - self.start >= self.stuck_after
            if frozen.any():
                if self.stuck_value is None:
                    self.stuck_value = float(value[np.argmax(frozen), self.stuck_idx])
                value[frozen, self.stuck_idx] = self.stuck_value
        self.last_t = float(times[-1]) if m else self.last_t
        return value

    def readings(self, t0: float, t1: float, rate_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sensor index, ts, value) for every sensor every 1/rate s in [t0, t1), silent sensor excluded."""
        # On a grid of absolute ticks, so that back-to-back windows [t0, t1), [t1, t2) never share a reading
        # (np.arange(t0, t1, step) can include t1 itself when the float difference is a hair over a step).
        times = np.arange(math.ceil(t0 * rate_hz - 1e-9), math.ceil(t1 * rate_hz - 1e-9)) / rate_hz
        if times.size == 0:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
        # Sample in slices of at most 5 minutes so leaks are rescheduled as time passes.
        cuts = np.searchsorted(times, np.arange(t0, t1, 300.0)[1:])
        values = np.vstack([self.sample(part) for part in np.split(times, cuts) if part.size])
        sid = np.tile(np.arange(self.n), times.size)
        ts = np.repeat(times, self.n) + np.tile(np.arange(self.n) * 1e-6, times.size)
        keep = np.ones(sid.size, bool)
        if self.silent_idx >= 0:
            keep &= ~((sid == self.silent_idx) & (ts - self.start >= self.silent_after))
        self.emitted += int(keep.sum())
        return sid[keep], ts[keep], values.reshape(-1)[keep]

    def zone_payloads(self, t0: float, t1: float, rate_hz: float, encoding: str = "json") -> Iterator[tuple[str, bytes]]:
        """One zone-batch message per zone for [t0, t1)."""
        sid, ts, v = self.readings(t0, t1, rate_hz)
        zones = np.array([s.zone for s in self.fleet])
        ids = np.array([s.config.sensor_id for s in self.fleet], dtype=object)
        bins = {s.zone: s.config.enterprise_bin for s in self.fleet}
        for zone in dict.fromkeys(zones.tolist()):
            rows = zones[sid] == zone
            if not rows.any():
                continue
            topic = zone_topic(bins[zone], zone)
            if encoding == "binary":
                uniq, inv = np.unique(sid[rows], return_inverse=True)
                yield topic, encode_binary(ts[rows], v[rows], ids[uniq].tolist(), inv, f64=True)
            else:
                yield topic, encode_json(ts[rows], v[rows], ids[sid[rows]].tolist())


def publish_mqtt(sim: Simulator, host: str, port: int, rate_hz: float, duration_s: float,
                 interval_s: float = 1.0, encoding: str = "json", qos: int = 1,
                 confirm_timeout_s: float = 60.0) -> dict[str, int]:
    """Publish in real time, one batch per zone every `interval_s`, for `duration_s`.

    A broker that goes away does not stop the simulator: paho reconnects in the background (same client
    id, session kept) and sends again what the broker had not confirmed; batches keep being produced
    meanwhile and wait in paho's queue. `unconfirmed` counts QoS-1 messages never confirmed in the end."""
    import uuid

    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"qorgau-sim-{uuid.uuid4().hex[:12]}",
                         protocol=mqtt.MQTTv5)
    client.max_queued_messages_set(0)
    client.reconnect_delay_set(min_delay=0.1, max_delay=2)
    sent = {"messages": 0, "readings": 0, "disconnects": 0, "unconfirmed": 0}
    client.on_disconnect = lambda *args: sent.__setitem__("disconnects", sent["disconnects"] + 1)
    confirmed: set[int] = set()  # message ids the broker acknowledged (also after a resend)
    client.on_publish = lambda _client, _userdata, mid, *rest: confirmed.add(mid)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    client.connect(host, port, properties=properties)
    client.loop_start()
    emitted = sim.emitted
    try:
        t = time.time()
        end = t + duration_s
        infos: list = []
        while t < end:
            nxt = min(t + interval_s, end)
            wait = nxt - time.time()
            if wait > 0:
                time.sleep(wait)
            for topic, payload in sim.zone_payloads(t, nxt, rate_hz, encoding):
                infos.append(client.publish(topic, payload, qos=qos))
                sent["messages"] += 1
            t = nxt
            if len(infos) > 10_000:  # paho holds at most 65,535 unacknowledged QoS-1 publishes
                infos = _confirmed(infos[:1000], confirmed, 10.0) + infos[1000:]
        sent["unconfirmed"] = len(_confirmed(infos, confirmed, confirm_timeout_s)) if qos else 0
        sent["readings"] = sim.emitted - emitted
    finally:
        client.loop_stop()
        client.disconnect()
    return sent


def _confirmed(infos: list, confirmed: set[int], timeout_s: float) -> list:
    """Wait (tolerating disconnects: paho keeps what it could not send and resends it after reconnecting)
    until the broker has acknowledged the messages or the time is up; returns those still unconfirmed."""
    deadline = time.monotonic() + timeout_s

    def pending(info) -> bool:
        if info.mid in confirmed:
            confirmed.discard(info.mid)  # paho reuses an id once it is acknowledged
            return False
        return True

    waiting = [i for i in infos if pending(i)]
    while waiting and time.monotonic() < deadline:
        time.sleep(0.02)
        waiting = [i for i in waiting if pending(i)]
    return waiting


def post_http(sim: Simulator, url: str, token: str, rate_hz: float, duration_s: float,
              interval_s: float = 1.0, timeout_s: float = 10.0) -> dict[str, int]:
    """POST each zone batch (JSON) to {url}/{bin}/{zone}/readings with a bearer token (phase-B endpoint)."""
    sent = {"requests": 0, "errors": 0}
    t = time.time()
    end = t + duration_s
    while t < end:
        nxt = min(t + interval_s, end)
        wait = nxt - time.time()
        if wait > 0:
            time.sleep(wait)
        for topic, payload in sim.zone_payloads(t, nxt, rate_hz):
            path = topic.split("/", 2)[2]  # {bin}/{zone}/readings
            req = urllib.request.Request(f"{url.rstrip('/')}/{path}", data=payload, method="POST",
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=timeout_s) as resp:
                    resp.read()
                sent["requests"] += 1
            except OSError as error:
                sent["errors"] += 1
                print(json.dumps({"error": str(error), "path": path}))
        t = nxt
    return sent


def register_fleet(url: str, sensors: int) -> tuple[list, int]:
    """One smelter zone with `sensors` simulated sensors registered in the database at `url` (fault drills)."""
    from sqlalchemy import select

    from qorgau.core.db import unit_of_work
    from qorgau.monitoring.models import Sensor
    from qorgau.registry.models import Enterprise, Site, Zone

    fleet = demo_fleet(sensors, DEMO_BIN)
    with unit_of_work(url) as session:
        enterprise = session.execute(select(Enterprise).where(Enterprise.bin == DEMO_BIN)).scalar()
        if enterprise is None:
            enterprise = Enterprise(bin=DEMO_BIN, name_en="Drill smelter", region_kato="750000000", sector_code="C")
            session.add(enterprise)
            session.flush()
        site = Site(enterprise_id=enterprise.id, name="Drill site")
        session.add(site)
        session.flush()
        zone = Zone(site_id=site.id, name="Roasting")
        session.add(zone)
        session.flush()
        for s in fleet:
            session.add(Sensor(code=s.config.sensor_id, enterprise_id=enterprise.id, zone_id=zone.id,
                               quantity=s.config.quantity, unit=s.config.unit))
        zone_id = zone.id
    return fleet, zone_id
