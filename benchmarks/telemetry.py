"""End-to-end telemetry benchmark against a real local Mosquitto.

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


def build_registry(n_sensors: int, per_zone: int):
    from qorgau.monitoring.sensors import SensorConfig, SensorRegistry
    from qorgau.monitoring.substances import default_catalogue

    so2 = default_catalogue()["so2"]
    return SensorRegistry(SensorConfig.for_substance(f"b{i:05d}.so2", BIN, f"z{i // per_zone}", so2)
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


def decode_costs(registry, plan: Plan, reps: int) -> dict:
    """Per-reading decode+validate cost and size of the three JSON/binary shapes of one batch."""
    import orjson

    from qorgau.monitoring.codec import Decoder

    dec = Decoder(registry)
    topic, columnar = make_message(plan, 0, registry.ids, "json")
    _, binary = make_message(plan, 0, registry.ids, "binary")
    doc = orjson.loads(columnar)
    rows = orjson.dumps([{"s": s, "ts": t, "v": v} for s, t, v in zip(doc["s"], doc["ts"], doc["v"], strict=True)])
    out = {}
    for name, payload in (("json_rows", rows), ("json_columnar", columnar), ("binary", binary)):
        now = time.time()
        t = time.perf_counter()
        for _ in range(reps):
            got, letters = dec.decode(topic, payload, now)
        dt = time.perf_counter() - t
        assert len(got) == plan.batch and not letters
        out[name] = {"bytes_per_reading": round(len(payload) / plan.batch, 1),
                     "decode_us_per_reading": round(dt / reps / plan.batch * 1e6, 3)}
    return out


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return float(np.percentile(values, q))


def describe(label: str, res: dict) -> str:
    lat = res["latencies_ms"]
    text = (f"{label:24s} {res['readings_per_s']:>10,.0f} readings/s  ({res['elapsed_s']:.2f} s; "
            f"publish {res['publish_s']:.2f} s)")
    if lat:
        text += f"  alarm latency p50 {pct(lat, 50):.0f} ms p99 {pct(lat, 99):.0f} ms (n={len(lat)})"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200k readings, one repeat, short paced run")
    parser.add_argument("--readings", type=int, default=2_000_000, help="readings per saturation run")
    parser.add_argument("--batch", type=int, default=1000, help="readings per MQTT message")
    parser.add_argument("--sensors", type=int, default=2000)
    parser.add_argument("--per-zone", type=int, default=100, help="sensors per gateway batch")
    parser.add_argument("--spike-every", type=int, default=20, help="messages between planted A2 readings")
    parser.add_argument("--encoding", choices=("json", "binary"), default="binary")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=float, default=200_000, help="offered load (readings/s) for latency")
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.quick:
        args.readings, args.repeats, args.paced_seconds = 200_000, 1, 2.0
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the private broker shared with the tests
    from tests.mosquitto import PrivateBroker

    plan = Plan(args.readings, args.batch, args.sensors, args.per_zone, args.spike_every)
    paced = Plan(int(args.rate * args.paced_seconds), args.batch, args.sensors, args.per_zone, args.spike_every)
    registry = build_registry(args.sensors, args.per_zone)
    other = "json" if args.encoding == "binary" else "binary"
    timeout = 120.0
    print(f"cores={os.cpu_count()} readings={plan.n_readings} messages={plan.n_messages} batch={plan.batch} "
          f"sensors={plan.n_sensors} encoding={args.encoding} repeats={args.repeats} qos=1", flush=True)
    codecs = decode_costs(registry, plan, 20 if args.quick else 200)
    for name, c in codecs.items():
        print(f"decode {name:14s} {c['bytes_per_reading']:6.1f} B/reading {c['decode_us_per_reading']:.3f} us/reading")
    best: dict[str, dict] = {}
    runs_by: dict[str, list[dict]] = {}
    runs = [("baseline", 1, args.encoding), ("pipeline", 1, args.encoding), ("pipeline", 2, args.encoding),
            ("pipeline", 1, other)]
    with PrivateBroker(persistence=False) as broker:
        for rep in range(args.repeats):
            for kind, workers, enc in runs:
                label = f"{kind}-{workers}-{enc}"
                res = run(kind, workers, broker.port, plan, registry, enc, f"{rep}{label}", timeout)
                if "error" in res:
                    print(f"{label:24s} ERROR {res}", flush=True)
                    continue
                print(describe(label, res), flush=True)
                runs_by.setdefault(label, []).append(res)
        for label, results in runs_by.items():  # the median run of each configuration
            best[label] = sorted(results, key=lambda r: r["readings_per_s"])[(len(results) - 1) // 2]
        for workers in (1, 2):
            label = f"paced-{workers}-{args.encoding}"
            res = run("pipeline", workers, broker.port, paced, registry, args.encoding, label, timeout, args.rate)
            if "error" in res:
                print(f"{label:24s} ERROR {res}", flush=True)
                continue
            print(describe(f"{label} @{args.rate:,.0f}/s", res), flush=True)
            best[label] = res
    enc = args.encoding
    one, two, base = best.get(f"pipeline-1-{enc}"), best.get(f"pipeline-2-{enc}"), best.get(f"baseline-1-{enc}")
    alt, p1, p2 = best.get(f"pipeline-1-{other}"), best.get(f"paced-1-{enc}"), best.get(f"paced-2-{enc}")

    def rate_of(r: dict | None) -> int | None:
        return round(r["readings_per_s"]) if r else None

    def p(r: dict | None, q: float) -> float | None:
        return round(pct(r["latencies_ms"], q), 1) if r and r["latencies_ms"] else None

    summary = {
        "readings_per_s": rate_of(one),
        "baseline_readings_per_s": rate_of(base),
        "alarm_latency_p99_ms": p(p1, 99),
        "workers": 1,
        "ratio_to_baseline": round(one["readings_per_s"] / base["readings_per_s"], 3) if one and base else None,
        "ratio_per_repeat": [round(a["readings_per_s"] / b["readings_per_s"], 3) for a, b in
                             zip(runs_by.get(f"pipeline-1-{enc}", []), runs_by.get(f"baseline-1-{enc}", []), strict=False)],
        "two_workers_readings_per_s": rate_of(two),
        "alarm_latency_p50_ms": p(p1, 50),
        "alarm_latency_offered_readings_per_s": args.rate,
        "two_workers_alarm_latency_p99_ms": p(p2, 99),
        "saturated_alarm_latency_p99_ms": p(one, 99),
        f"{other}_readings_per_s": rate_of(alt),
        "late_or_duplicate": sum((c or {}).get("late", 0) + (c or {}).get("duplicates", 0)
                                 for r in best.values() for c in r.get("counters") or []),
        "encoding": enc, "readings": plan.n_readings, "batch": plan.batch, "sensors": plan.n_sensors,
        "qos": 1, "cores": os.cpu_count(), "decode": codecs,
        "note": "throughput: median of repeats, publishing as fast as possible; latency: paced at the offered "
                "load; publisher, broker and workers share the machine's cores",
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
