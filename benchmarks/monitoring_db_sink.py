"""Throughput of the pipeline into the database sink (no broker): decode, rules, readings, rollups, alarms.

    python benchmarks/monitoring_db_sink.py [--url sqlite:////tmp/x.db | postgresql+psycopg://...]
                                            [--sensors 200] [--seconds 600] [--batch 20000]

Makes a fresh database at --url (migrations, no demo), registers the sensors in one zone of one
enterprise, then feeds binary zone batches of simulated smelter telemetry (one reading a second per
sensor) through `Pipeline` + `DatabaseSink`, one commit per batch. Prints JSON on the last line:
{"readings_per_s", "readings", "backend", "batch"}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np
from sqlalchemy import func, select

from qorgau.core.db import session_factory, unit_of_work
from qorgau.core.migrate import upgrade
from qorgau.monitoring.codec import encode_binary, zone_topic
from qorgau.monitoring.models import Alarm, Reading, Sensor
from qorgau.monitoring.pipeline import Pipeline
from qorgau.monitoring.simulate import DEMO_BIN, Simulator, demo_fleet
from qorgau.monitoring.sink import DatabaseSink, load_registry
from qorgau.registry.models import Enterprise, Site, Zone


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="")
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    with unit_of_work(url) as session:
        enterprise = Enterprise(bin=DEMO_BIN, name_en="Bench smelter", region_kato="750000000", sector_code="C")
        session.add(enterprise)
        session.flush()
        site = Site(enterprise_id=enterprise.id, name="Site")
        session.add(site)
        session.flush()
        zone = Zone(site_id=site.id, name="Roasting")
        session.add(zone)
        session.flush()
        fleet = demo_fleet(args.sensors, DEMO_BIN)
        for s in fleet:
            session.add(Sensor(code=s.config.sensor_id, enterprise_id=enterprise.id, zone_id=zone.id,
                               quantity=s.config.quantity, unit=s.config.unit))
        zone_id = zone.id
    session = session_factory(url)()
    session.info["actor"] = "bench"
    registry, directory = load_registry(session)
    sink = DatabaseSink(session, registry, directory)
    pipeline = Pipeline(registry, sink)
    sim = Simulator(fleet, seed=1, start=time.time() - args.seconds - 60, faults=False)
    sid, ts, v = sim.readings(sim.start, sim.start + args.seconds, 1.0)
    ids = np.array([s.config.sensor_id for s in fleet], dtype=object)
    topic = zone_topic(DEMO_BIN, str(zone_id))
    payloads = []
    for a in range(0, ts.size, args.batch):
        part = slice(a, a + args.batch)
        uniq, inv = np.unique(sid[part], return_inverse=True)
        payloads.append(encode_binary(ts[part], v[part], ids[uniq].tolist(), inv, f64=True))
    start = time.perf_counter()
    for payload in payloads:
        now = time.time()
        pipeline.submit(topic, payload, now)
        pipeline.process(now)
    pipeline.flush(time.time())
    elapsed = time.perf_counter() - start
    stored = session.execute(select(func.count()).select_from(Reading)).scalar()
    alarms = session.execute(select(func.count()).select_from(Alarm)).scalar()
    session.close()
    print(json.dumps({"readings_per_s": round(stored / elapsed), "readings": stored,
                      "backend": url.split(":", 1)[0], "batch": args.batch, "alarms": alarms}))


if __name__ == "__main__":
    main()
