"""End-to-end telemetry benchmark: partitioned ingest workers against Mosquitto and NATS (which clusters).

Partitioned runs (the production design, partitioned_worker.py): zones in `--partitions` topic
partitions held through leases in a SQLite lease table; 1, 2 and 4 workers (separate processes) per
broker, each subscribing only to its partitions; a same-run baseline of one bare subscriber to every
partition topic; and a killed-worker run (2 workers, one SIGKILLed a third of the way in; the other
takes its partitions over when the lease expires). Each worker stores into a sink that appends what it
committed to a file, so after a kill the readings stored are counted exactly: 0 lost means every
(sensor, ts) published is in some worker's committed file. Per-core rate = readings / CPU seconds the
workers used (the machine's cores are shared: the load average is reported with them).

The earlier design (one shared subscription, readings of another worker's sensors forwarded to it) is
measured in the same run with 1 and 2 workers on Mosquitto (`forwarding-*`) for comparison.

    python benchmarks/telemetry.py [--quick] [--readings N] [--partitions P]

What follows describes the forwarding runs (kept as they were):

Starts a private broker on a free port, publishes N readings in gateway batches (QoS 1) and measures:
* baseline: a bare paho subscriber (QoS 1, same shared subscription) that only receives;
* pipeline: 1 and 2 ingest workers (separate processes, shared subscription; with 2, each forwards
  the readings of sensors the other owns): decode, validate, rules, windows, rollups, MemorySink;
* alarm latency: a reading above A2 is planted every `--spike-every` messages with ts = its
  creation time; latency = wall time when the sink committed the alarm event - ts;
* decode cost per reading and payload size of row JSON, columnar JSON and binary, in-process.
Throughput = readings / (last reading stored - first publish). Last line: one JSON object.

    python benchmarks/telemetry.py [--quick] [--readings N] [--batch B] [--encoding json|binary]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np

BIN = "990940000016"


def build_registry(n_sensors: int, per_zone: int, bin_: str = BIN):
    from qorgau.monitoring.sensors import SensorConfig, SensorRegistry
    from qorgau.monitoring.substances import default_catalogue

    so2 = default_catalogue()["so2"]
    return SensorRegistry(SensorConfig.for_substance(f"b{i:05d}.so2", bin_, f"z{i // per_zone}", so2)
                          for i in range(n_sensors))


class Plan:
    """Which sensors each message carries: message m -> zone chunk m mod chunks, batch/per_zone steps each."""

    def __init__(self, n_readings: int, batch: int, n_sensors: int, per_zone: int, spike_every: int):
        self.batch, self.n_sensors, self.per_zone, self.spike_every = batch, n_sensors, per_zone, spike_every
        self.steps = batch // per_zone
        self.n_messages = n_readings // batch
        self.n_readings = self.n_messages * batch
        self.chunks = n_sensors // per_zone
        self.next_ts: dict[int, float] = {}

    def expected_per_worker(self, registry, workers: int) -> list[int]:
        owners = registry.owners(workers)
        counts = np.bincount(np.arange(self.n_messages) % self.chunks, minlength=self.chunks) * self.steps
        per = [0] * workers
        for c in range(self.chunks):
            for s in range(c * self.per_zone, (c + 1) * self.per_zone):
                per[int(owners[s])] += int(counts[c])
        return per


def make_message(plan: Plan, m: int, ids: np.ndarray, encoding: str) -> tuple[str, bytes]:
    from qorgau.monitoring.codec import encode_binary, encode_json, zone_topic

    c = m % plan.chunks
    sens = np.arange(c * plan.per_zone, (c + 1) * plan.per_zone)
    # ts = creation time, but never before the chunk's previous message ended: a fast publisher
    # would otherwise send a sensor's readings out of order (they would count as late).
    now = max(time.time(), plan.next_ts.get(c, 0.0))
    ts = now + np.repeat(np.arange(plan.steps) * 1e-5, plan.per_zone)
    plan.next_ts[c] = now + plan.steps * 1e-5 + 1e-5
    v = np.full(plan.batch, 0.1)
    if m % plan.spike_every == plan.spike_every - 1:
        v[-1] = 5.0  # above A2 (1 ppm): one threshold alarm per spike, cleared by the next batch
    topic = zone_topic(BIN, f"z{c}")
    if encoding == "binary":
        return topic, encode_binary(ts, v, ids[sens].tolist(), np.tile(np.arange(plan.per_zone), plan.steps))
    return topic, encode_json(ts, v, ids[np.tile(sens, plan.steps)].tolist())


def worker_main(args: dict, ready, results) -> None:
    """A pipeline worker process: run until its expected readings are stored, report timings."""
    from qorgau.monitoring.mqtt_worker import IngestWorker, WorkerConfig
    from qorgau.monitoring.pipeline import MemorySink, Pipeline

    registry = build_registry(args["n_sensors"], args["per_zone"])
    sink = MemorySink(keep_readings=False)
    pipeline = Pipeline(registry, sink, worker=args["worker"], workers=args["workers"])
    expected = args["expected"]
    state = {"first": None, "done": None}

    def on_unit(w: IngestWorker) -> None:
        if state["first"] is None and w.counters.messages:
            state["first"] = time.time()
        if state["done"] is None and sink.n_readings >= expected:
            state["done"] = time.time()
            w.stop()

    cfg = WorkerConfig(port=args["port"], client_id=f"bench-{args['run']}-{args['worker']}",
                       group=f"bench{args['run']}", session_expiry_s=60, max_delay_s=0.02)
    worker = IngestWorker(pipeline, cfg, on_unit=on_unit)
    worker.connect()
    while not worker.connected.is_set():
        worker.client.loop(0.05)
    for _ in range(20):  # SUBACK
        worker.client.loop(0.01)
    ready.set()
    worker.run(duration_s=args["timeout"])
    latencies = [t - e.ts for e, t in zip(sink.events, sink.event_times, strict=True)
                 if e.kind == "raised" and e.alarm_type == "threshold"]
    results.put({"worker": args["worker"], "done": state["done"], "first": state["first"],
                 "stored": sink.n_readings, "latencies": latencies, "counters": pipeline.counters.as_dict()})


def baseline_main(args: dict, ready, results) -> None:
    """Bare subscriber: receive and count messages, nothing else."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.subscribeoptions import SubscribeOptions

    state = {"n": 0, "done": None}
    target = args["n_messages"]

    def on_message(client, userdata, msg) -> None:
        state["n"] += 1
        if state["n"] >= target and state["done"] is None:
            state["done"] = time.time()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-base-{args['run']}",
                         protocol=mqtt.MQTTv5)
    client.on_message = on_message
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", args["port"])
    client.subscribe(f"$share/bench{args['run']}/qorgau/v1/#", options=SubscribeOptions(qos=1))
    for _ in range(20):
        client.loop(0.01)
    ready.set()
    end = time.monotonic() + args["timeout"]
    while state["done"] is None and time.monotonic() < end:
        client.loop(0.01)
    client.disconnect()
    results.put({"worker": 0, "done": state["done"], "stored": state["n"] * args["batch"], "latencies": []})


def publish(port: int, plan: Plan, ids: np.ndarray, encoding: str, rate: float | None = None) -> tuple[float, float]:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    infos = []
    t0 = time.time()
    for m in range(plan.n_messages):
        if rate:  # offered load: message m is due at t0 + m * batch / rate
            wait = t0 + m * plan.batch / rate - time.time()
            if wait > 0:
                time.sleep(wait)
        topic, payload = make_message(plan, m, ids, encoding)
        infos.append(client.publish(topic, payload, qos=1))
        if len(infos) >= 20_000:  # paho cannot hold more than 65,535 unacknowledged QoS-1 publishes
            infos.pop(0).wait_for_publish(30)
    for info in infos:
        info.wait_for_publish(60)
    t1 = time.time()
    client.loop_stop()
    client.disconnect()
    return t0, t1


def run(kind: str, workers: int, port: int, plan: Plan, registry, encoding: str, run_id: str,
        timeout: float, rate: float | None = None) -> dict:
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs, readies = [], []
    expected = plan.expected_per_worker(registry, workers)
    for w in range(workers):
        ready = ctx.Event()
        args = {"port": port, "worker": w, "workers": workers, "n_sensors": plan.n_sensors,
                "per_zone": plan.per_zone, "expected": expected[w], "run": run_id, "timeout": timeout,
                "n_messages": plan.n_messages, "batch": plan.batch}
        target = baseline_main if kind == "baseline" else worker_main
        p = ctx.Process(target=target, args=(args, ready, results))
        p.start()
        procs.append(p)
        readies.append(ready)
    for r in readies:
        if not r.wait(60):
            raise RuntimeError("subscriber did not start")
    t0, t_pub = publish(port, plan, registry.ids, encoding, rate)
    out = [results.get(timeout=timeout + 30) for _ in procs]
    for p in procs:
        p.join(30)
    done = [o["done"] for o in out]
    if any(d is None for d in done):
        return {"error": "timed out", "expected": expected, "stored": [o["stored"] for o in out],
                "counters": [o.get("counters") for o in out]}
    elapsed = max(done) - t0
    lat = sorted(x for o in out for x in o["latencies"])
    return {"readings_per_s": plan.n_readings / elapsed, "elapsed_s": elapsed, "publish_s": t_pub - t0,
            "latencies_ms": [x * 1000 for x in lat],
            "counters": [o.get("counters") for o in out]}


# -- partitioned workers ------------------------------------------------------------------------------

class FileSink:
    """A MemorySink that also appends each committed unit's (sensor index, ts) to a file: what a worker
    killed with SIGKILL had committed survives it, as committed rows survive in a database."""

    def __init__(self, path: str):
        from qorgau.monitoring.pipeline import MemorySink

        self.inner = MemorySink(keep_readings=True)
        self.handle = open(path, "ab")  # noqa: SIM115 - open for the worker's life
        self.n_readings = 0

    def write_readings(self, batch) -> None:
        self.inner.write_readings(batch)

    def write_rollups(self, batch) -> None:
        pass

    def write_alarm_events(self, events) -> None:
        self.inner.write_alarm_events(events)

    def write_dead_letters(self, letters) -> None:
        self.inner.write_dead_letters(letters)

    def commit(self) -> None:
        for b in self.inner.readings:
            self.handle.write(np.column_stack((b.sensor_idx.astype(np.float64), b.ts)).tobytes())
            self.n_readings += len(b)
        self.handle.flush()
        self.inner.readings.clear()
        self.inner.commit()


def partition_worker_main(args: dict, ready, results) -> None:
    import threading

    from sqlalchemy import create_engine

    from qorgau.monitoring.partitioned_worker import PartitionConfig, PartitionedWorker
    from qorgau.monitoring.partitions import Leases, fair_share
    from qorgau.monitoring.pipeline import Pipeline

    registry = build_registry(args["n_sensors"], args["per_zone"], args["bin"])
    sink = FileSink(args["file"])
    pipeline = Pipeline(registry, sink)  # type: ignore[arg-type]
    engine = create_engine(args["lease_url"], connect_args={"timeout": 30})
    leases = Leases(engine, args["name"], args["partitions"], args["ttl"])
    config = PartitionConfig(port=args["port"], name=args["name"], group=args["group"], partitions=args["partitions"],
                             lease_ttl_s=args["ttl"], protocol=args["protocol"], accept_plain_topics=False,
                             max_delay_s=0.02)
    worker = PartitionedWorker(pipeline, leases, config)
    thread = threading.Thread(target=worker.run, args=(args["timeout"],), daemon=True)
    cpu0 = os.times()
    thread.start()
    fair = fair_share(args["partitions"], args["workers"])
    end = time.monotonic() + 60
    while time.monotonic() < end and not (len(worker.owned) == fair and worker.ready()):
        time.sleep(0.02)
    ready.set()
    state = {"done": None}
    while thread.is_alive():
        if state["done"] is None and sink.n_readings >= args["expected_total"]:
            state["done"] = time.time()
        if args["stop_event"].is_set():
            worker.stop()
        thread.join(0.01)
        if state["done"] is None and sink.n_readings:
            state["last"] = time.time()
    cpu1 = os.times()
    results.put({"name": args["name"], "stored": sink.n_readings, "last": state.get("last"),
                 "cpu_s": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
                 "takeovers": worker.takeovers, "counters": pipeline.counters.as_dict()})


def partition_baseline_main(args: dict, ready, results) -> None:
    """A bare subscriber to every partition topic: receives and counts, nothing else."""
    import paho.mqtt.client as mqtt

    state = {"n": 0, "done": None}
    target = args["n_messages"]

    def on_message(client, userdata, msg) -> None:
        state["n"] += 1
        if state["n"] >= target and state["done"] is None:
            state["done"] = time.time()

    subscribed = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{args['group']}-bare",
                         protocol=mqtt.MQTTv5 if args["protocol"] == 5 else mqtt.MQTTv311)
    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.append(1)
    client.max_inflight_messages_set(1000)
    cpu0 = os.times()
    client.connect("127.0.0.1", args["port"])
    client.subscribe("qorgau/v1/p/#", qos=1)
    end = time.monotonic() + 30
    while not subscribed and time.monotonic() < end:
        client.loop(0.01)
    ready.set()
    end = time.monotonic() + args["timeout"]
    while state["done"] is None and time.monotonic() < end:
        client.loop(0.01)
    cpu1 = os.times()
    client.disconnect()
    results.put({"name": "bare", "stored": state["n"] * args["batch"], "last": state["done"],
                 "cpu_s": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), "takeovers": 0, "counters": {}})


def publish_partitioned(port: int, protocol: int, plan: Plan, ids: np.ndarray, partitions: int, bin_: str,
                        kill=None) -> tuple[float, float, set]:
    import paho.mqtt.client as mqtt

    from qorgau.monitoring.codec import encode_binary, zone_topic
    from qorgau.monitoring.partitions import partition_topic

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="",
                         protocol=mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    infos = []
    keys: set = set()
    base = time.time() - 86400.0  # distinct, increasing times per sensor
    t0 = time.time()
    for m in range(plan.n_messages):
        c = m % plan.chunks
        sens = np.arange(c * plan.per_zone, (c + 1) * plan.per_zone)
        step = m // plan.chunks
        ts = base + step * plan.steps * 1e-3 + np.repeat(np.arange(plan.steps) * 1e-3, plan.per_zone)
        idx = np.tile(np.arange(plan.per_zone), plan.steps)
        topic = partition_topic(zone_topic(bin_, f"z{c}"), partitions)
        infos.append(client.publish(topic, encode_binary(ts, np.full(ts.size, 0.1), ids[sens].tolist(), idx, f64=True),
                                    qos=1))
        if kill is not None and m == plan.n_messages // 3:
            kill()
        if len(infos) >= 20_000:
            infos.pop(0).wait_for_publish(60)
    for info in infos:
        info.wait_for_publish(120)
    t1 = time.time()
    client.loop_stop()
    client.disconnect()
    return t0, t1, keys


def run_partitioned(broker: str, port: int, protocol: int, workers: int, plan: Plan, partitions: int, tmp: Path,
                    label: str, timeout: float, kill: bool = False, bare: bool = False) -> dict:
    import signal

    from sqlalchemy import create_engine

    from qorgau.monitoring.models import IngestLease, IngestMember
    from qorgau.monitoring.partitioned_worker import PartitionConfig, prepare_sessions

    bin_ = "990940000016"
    group = f"bench-{label}"
    lease_url = f"sqlite:///{tmp / (label + '.db')}"
    engine = create_engine(lease_url)
    IngestLease.__table__.create(engine)
    IngestMember.__table__.create(engine)
    engine.dispose()
    prepare_sessions(PartitionConfig(port=port, partitions=partitions, protocol=protocol, group=group))
    ctx = mp.get_context("spawn")
    results, stop = ctx.Queue(), ctx.Event()
    procs, readies, files = [], [], []
    ttl = 2.0
    names = ["bare"] if bare else [f"w{w}" for w in range(workers)]
    for name in names:
        ready = ctx.Event()
        path = str(tmp / f"{label}-{name}.bin")
        files.append(path)
        args = {"port": port, "protocol": protocol, "group": group, "partitions": partitions, "name": name,
                "workers": workers, "lease_url": lease_url, "ttl": ttl, "n_sensors": plan.n_sensors,
                "per_zone": plan.per_zone, "bin": bin_, "file": path, "timeout": timeout,
                "expected_total": plan.n_readings, "stop_event": stop, "n_messages": plan.n_messages,
                "batch": plan.batch}
        p = ctx.Process(target=partition_baseline_main if bare else partition_worker_main, args=(args, ready, results))
        p.start()
        procs.append(p)
        readies.append(ready)
    for r in readies:
        if not r.wait(90):
            raise RuntimeError("worker did not start")
    load_before = os.getloadavg()
    registry = build_registry(plan.n_sensors, plan.per_zone, bin_)
    victim = procs[-1] if kill else None
    t0, t_pub, _ = publish_partitioned(port, protocol, plan, registry.ids, partitions, bin_,
                                       kill=(lambda: os.kill(victim.pid, signal.SIGKILL)) if victim else None)
    # wait until every published reading is in some worker's committed file (or the deadline)
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end and not bare:
        # cheap: the files' sizes (16 bytes a reading); the exact count of distinct readings once they suffice
        if sum(os.path.getsize(f) for f in files if os.path.exists(f)) >= 16 * plan.n_readings:
            last = time.time()
            if _distinct(files, plan)[0] >= plan.n_readings:
                break
            last = None
        time.sleep(0.01)
    stop.set()
    alive = [p for p in procs if p is not victim]
    out = [results.get(timeout=timeout + 30) for _ in alive]
    for p in procs:
        p.join(30)
    load_after = os.getloadavg()
    if bare:
        last = out[0]["last"]
    distinct, rows = _distinct(files, plan) if not bare else (out[0]["stored"], out[0]["stored"])
    if last is None:
        return {"error": "timed out", "distinct": distinct, "expected": plan.n_readings}
    elapsed = last - t0
    cpu = sum(o["cpu_s"] for o in out)
    return {"broker": broker, "workers": 0 if bare else workers, "killed": kill,
            "readings_per_s": round(plan.n_readings / elapsed), "elapsed_s": round(elapsed, 3),
            "publish_s": round(t_pub - t0, 3), "cpu_s_survivors": round(cpu, 2),
            "cores_used": round(cpu / elapsed, 2),
            "readings_per_cpu_s": round(plan.n_readings / cpu) if cpu else None,
            "lost": plan.n_readings - distinct, "repeated": rows - distinct,
            "takeovers": sum(o["takeovers"] for o in out),
            "loadavg_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)]}


def _distinct(files: list[str], plan: Plan) -> tuple[int, int]:
    parts = []
    for path in files:
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            continue
        usable = len(raw) // 16 * 16
        if usable:
            parts.append(np.frombuffer(raw[:usable], dtype=np.float64).reshape(-1, 2))
    if not parts:
        return 0, 0
    both = np.concatenate(parts)
    return len(np.unique(both, axis=0)), len(both)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100k readings a run")
    parser.add_argument("--readings", type=int, default=400_000, help="readings per run")
    parser.add_argument("--batch", type=int, default=500, help="readings per MQTT message")
    parser.add_argument("--sensors", type=int, default=2000)
    parser.add_argument("--per-zone", type=int, default=50, help="sensors per gateway batch (one zone)")
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--brokers", default="mosquitto,nats")
    parser.add_argument("--no-forwarding", action="store_true", help="skip the earlier design's runs")
    args = parser.parse_args()
    if args.quick:
        args.readings = 100_000
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the private brokers shared with the tests
    import tempfile

    from tests.mosquitto import PrivateBroker
    from tests.nats import PrivateNats

    plan = Plan(args.readings, args.batch, args.sensors, args.per_zone, 10**9)
    timeout = 120.0
    print(f"cores={os.cpu_count()} loadavg={os.getloadavg()} readings={plan.n_readings} messages={plan.n_messages} "
          f"batch={plan.batch} sensors={plan.n_sensors} zones={plan.chunks} partitions={args.partitions} qos=1",
          flush=True)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="qorgau-bench-") as tmp:
        for broker_name in args.brokers.split(","):
            broker = PrivateBroker(persistence=False) if broker_name == "mosquitto" else PrivateNats()
            protocol = 5 if broker_name == "mosquitto" else 4
            with broker:
                for label, workers, kill, bare in (("bare", 1, False, True), ("1", 1, False, False),
                                                   ("2", 2, False, False), ("4", 4, False, False),
                                                   ("2-kill", 2, True, False)):
                    key = f"{broker_name}-{label}"
                    res = run_partitioned(broker_name, broker.port, protocol, workers, plan, args.partitions,
                                          Path(tmp), key, timeout, kill=kill, bare=bare)
                    results[key] = res
                    print(f"{key:20s} {json.dumps(res)}", flush=True)
    forwarding = {}
    if not args.no_forwarding:
        registry = build_registry(args.sensors, args.per_zone)
        fplan = Plan(args.readings, args.batch, args.sensors, args.per_zone, 10**9)
        with PrivateBroker(persistence=False) as broker:
            for workers in (1, 2):
                res = run("pipeline", workers, broker.port, fplan, registry, "binary", f"fwd{workers}", timeout)
                forwarding[f"forwarding-{workers}"] = round(res["readings_per_s"]) if "readings_per_s" in res else res
                print(f"forwarding-{workers:<9d} {forwarding[f'forwarding-{workers}']}", flush=True)

    def rate(key: str) -> int | None:
        return results.get(key, {}).get("readings_per_s")

    summary: dict = {"readings": plan.n_readings, "partitions": args.partitions, "cores": os.cpu_count(),
                     "loadavg_1m_end": round(os.getloadavg()[0], 2), "qos": 1}
    for b in args.brokers.split(","):
        one = rate(f"{b}-1")
        summary[b] = {
            "bare_subscriber_readings_per_s": rate(f"{b}-bare"),
            "readings_per_s": {w: rate(f"{b}-{w}") for w in ("1", "2", "4")},
            "speedup_vs_1": {w: round(rate(f"{b}-{w}") / one, 2) if one and rate(f"{b}-{w}") else None
                             for w in ("2", "4")},
            "readings_per_cpu_s": {w: results.get(f"{b}-{w}", {}).get("readings_per_cpu_s") for w in ("1", "2", "4")},
            "cores_used": {w: results.get(f"{b}-{w}", {}).get("cores_used") for w in ("1", "2", "4")},
            "killed_worker": {k: results.get(f"{b}-2-kill", {}).get(k)
                              for k in ("readings_per_s", "lost", "repeated", "takeovers", "error")},
        }
    summary["forwarding_design_mosquitto"] = forwarding
    summary["note"] = ("publisher, broker and workers share this machine's cores with other work; per-core rates "
                       "are readings per CPU second of the workers; baseline: 1 worker of the same run")
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
