"""Fault drills, measured: what a database outage, a broker restart and hostile uploads cost.

    python benchmarks/faults.py [--outage-s 30] [--sensors 20] [--clients 10]

1. Ingest through a database outage: a private PostgreSQL cluster (its own port; no other server is
   touched) and a private Mosquitto with persistence; the database ingest worker runs while a publisher
   sends one zone batch every 0.5 s; PostgreSQL is stopped for --outage-s seconds mid-stream, then started.
   Readings lost = sent - distinct stored; duplicated = stored rows - distinct (sensor, ts), and readings
   counted twice in the minute rollups.
2. Ingest through a broker restart: the simulator publishes into a SQLite database through the worker
   while the broker is restarted; same counts, and messages the simulator could not get confirmed.
3. The web tier during the outage: --clients clients request pages, the anonymous form and the API while
   PostgreSQL is down; answers are counted by kind (503 is the expected one, 500 or a broken connection
   is an error), and the seconds from the database's return to the first good page.
4. /healthz while bombs are refused: /healthz p50/p99 alone, then while a zip bomb (300 MB inflated), a
   pixel bomb (50,000 x 50,000) and a 10-minute recording are posted again and again.
JSON on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import func, select

from qorgau.core.config import Settings
from qorgau.core.db import engine_for, session_factory, unit_of_work
from qorgau.core.drills import PrivatePostgres, long_recording_mkv, pixel_bomb_png, zip_bomb_xlsx
from qorgau.core.migrate import upgrade
from qorgau.monitoring.cli import run_database_worker
from qorgau.monitoring.codec import encode_binary, zone_topic
from qorgau.monitoring.models import Reading, Rollup
from qorgau.monitoring.simulate import DEMO_BIN, SimSensor, Simulator, publish_mqtt, register_fleet
from qorgau.monitoring.sink import load_sensors

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the private broker shared with the tests
from tests.mosquitto import PrivateBroker


def counts(url: str) -> tuple[int, int, int]:
    with session_factory(url)() as session:
        rows = session.execute(select(func.count()).select_from(Reading)).scalar()
        distinct = session.execute(select(func.count()).select_from(
            select(Reading.sensor_id, Reading.ts).distinct().subquery())).scalar()
        counted = session.execute(select(func.coalesce(func.sum(Rollup.n), 0))).scalar()
    return rows, distinct, counted


def wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


class Worker:
    def __init__(self, url: str, port: int):
        self.worker = None
        self.result: dict = {}
        ready = threading.Event()

        def on_start(worker):
            self.worker = worker
            ready.set()

        self.thread = threading.Thread(target=lambda: self.result.update(run_database_worker(
            url, host="127.0.0.1", port=port, client_id="drill-ingest", on_start=on_start,
            config_overrides={"tick_s": 0.2, "reconnect_max_s": 0.5})), daemon=True)
        self.thread.start()
        ready.wait(60)
        wait_for(self.worker.connected.is_set, 30)
        time.sleep(0.5)  # the subscription is acknowledged

    def stop(self) -> dict:
        self.worker.stop()
        self.thread.join(120)
        return self.result


def database_outage(outage_s: float, sensors: int) -> dict:
    import paho.mqtt.client as mqtt

    with PrivatePostgres() as pg, PrivateBroker() as broker:
        url = pg.create_database("drill")
        upgrade(url)
        fleet, zone_id = register_fleet(url, sensors)
        ids = [s.config.sensor_id for s in fleet]
        worker = Worker(url, broker.port)
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="drill-pub", protocol=mqtt.MQTTv5)
        publisher.connect("127.0.0.1", broker.port)
        publisher.loop_start()
        topic, t0, sent = zone_topic(DEMO_BIN, str(zone_id)), time.time() - 86_400, {"batches": 0, "readings": 0}

        def publish():
            m = sent["batches"]
            ts = t0 + m * 5 + np.repeat(np.arange(5), len(ids)).astype(float)
            sid = np.tile(np.arange(len(ids)), 5)
            publisher.publish(topic, encode_binary(ts, np.full(ts.size, 0.05), ids, sid, f64=True), qos=1) \
                .wait_for_publish(10)
            sent["batches"] += 1
            sent["readings"] += ts.size
            time.sleep(0.5)

        for _ in range(10):
            publish()
        pg.stop()
        stopped = time.monotonic()
        held = 0
        while time.monotonic() - stopped < outage_s:
            publish()
            held = max(held, worker.worker.state()["unacknowledged_messages"])
        pg.start()
        back = time.monotonic()
        for _ in range(10):
            publish()
        wait_for(lambda: counts(url)[1] >= sent["readings"], 180)
        caught_up = time.monotonic() - back
        result = worker.stop()
        publisher.loop_stop()
        rows, distinct, counted = counts(url)
        engine_for(url).dispose()
    return {"outage_s": outage_s, "readings_sent": sent["readings"], "readings_lost": sent["readings"] - distinct,
            "readings_duplicated": rows - distinct, "rollup_double_counts": counted - distinct,
            "max_unacknowledged_during_outage": held, "commit_failures": result.get("commit_failures"),
            "caught_up_s_after_restart": round(caught_up, 1)}


def broker_restart(sensors: int) -> dict:
    with tempfile.TemporaryDirectory() as folder, PrivateBroker() as broker:
        url = f"sqlite:///{folder}/drill.db"
        upgrade(url)
        fleet, _zone = register_fleet(url, sensors)
        with session_factory(url)() as session:
            configs, _directory = load_sensors(session)
        channels = {s.config.sensor_id: s.channel for s in fleet}
        simulator = Simulator([SimSensor(c, channels[c.sensor_id], c.zone) for c in configs], seed=5, faults=False)
        worker = Worker(url, broker.port)
        outcome: dict = {}

        def simulate():
            try:
                outcome.update(publish_mqtt(simulator, "127.0.0.1", broker.port, rate_hz=2.0, duration_s=15.0,
                                            interval_s=0.5, encoding="binary"))
            except Exception as error:  # noqa: BLE001 - reported, not raised
                outcome["crash"] = repr(error)

        thread = threading.Thread(target=simulate)
        thread.start()
        time.sleep(5)
        broker.restart(pause_s=2.0)
        thread.join(180)
        wait_for(lambda: counts(url)[1] >= outcome.get("readings", 0), 120)
        worker.stop()
        rows, distinct, counted = counts(url)
    return {"readings_sent": outcome.get("readings"), "readings_lost": (outcome.get("readings") or 0) - distinct,
            "readings_duplicated": rows - distinct, "rollup_double_counts": counted - distinct,
            "simulator_crashed": "crash" in outcome, "simulator_unconfirmed": outcome.get("unconfirmed"),
            "simulator_disconnects": outcome.get("disconnects")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """The app in uvicorn, in a thread of this process."""

    def __init__(self, url: str, folder: str):
        import uvicorn

        from qorgau.app.web import create_app

        app = create_app(Settings(database_url=url, data_dir=Path(folder), secret_key="drill", data_key="drill"))
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.server.started, 60)
        self.base = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def web_during_outage(outage_s: float, clients: int) -> dict:
    with PrivatePostgres() as pg, tempfile.TemporaryDirectory() as folder:
        url = pg.create_database("web")
        upgrade(url)
        served = Served(url, folder)
        kinds: dict[str, int] = {}
        lock = threading.Lock()
        stop = threading.Event()

        def hammer():
            with httpx.Client(base_url=served.base, timeout=30) as http:
                http.get("/login")
                token = http.cookies.get("qorgau_csrf")
                calls = [lambda: http.get("/speak/"), lambda: http.get("/readyz"),
                         lambda: http.post("/speak/new", data={"kind": "hazard", "region_kato": "750000000",
                                                               "description": "Drill report text", "csrf_token": token}),
                         lambda: http.post("/api/v1/speaks/public/reports", json={
                             "kind": "hazard", "region_kato": "750000000", "description": "Drill report via the API"})]
                i = 0
                while not stop.is_set():
                    try:
                        kind = str(calls[i % len(calls)]().status_code)
                    except httpx.HTTPError as error:
                        kind = type(error).__name__
                    with lock:
                        kinds[kind] = kinds.get(kind, 0) + 1
                    i += 1

        pg.stop()
        threads = [threading.Thread(target=hammer) for _ in range(clients)]
        for thread in threads:
            thread.start()
        time.sleep(outage_s)
        stop.set()
        for thread in threads:
            thread.join(60)
        pg.start()
        back = time.monotonic()
        wait_for(lambda: httpx.get(served.base + "/speak/", timeout=10).status_code == 200, 120)
        recovered = time.monotonic() - back
        served.close()
        engine_for(url).dispose()
    errors = sum(n for kind, n in kinds.items() if kind not in ("503", "422", "403"))
    return {"answers_by_kind": kinds, "web_errors_during_outage": errors, "recovered_s": round(recovered, 2)}


def healthz_under_bombs(rounds: int) -> dict:
    from qorgau.core import users

    bombs = [("zip", zip_bomb_xlsx(300)), ("pixels", pixel_bomb_png(50_000)), ("audio", long_recording_mkv(600))]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/web.db"
        upgrade(url)
        with unit_of_work(url) as session:
            users.create(session, username="drill-admin", role="admin", password="drill-admin-password-2026")
        served = Served(url, folder)

        def probe(seconds: float) -> list[float]:
            spent = []
            end = time.monotonic() + seconds
            with httpx.Client(base_url=served.base, timeout=60) as http:
                while time.monotonic() < end:
                    started = time.perf_counter()
                    http.get("/healthz")
                    spent.append(time.perf_counter() - started)
            return spent

        alone = probe(5)
        answers: dict[str, list] = {name: [] for name, _ in bombs}
        done = threading.Event()

        def attack(name: str, data: bytes):
            with httpx.Client(base_url=served.base, timeout=600) as http:
                http.get("/login")
                token = http.cookies.get("qorgau_csrf")
                if name == "zip":
                    http.post("/login", data={"username": "drill-admin", "password": "drill-admin-password-2026",
                                              "csrf_token": token})
                for _ in range(rounds):
                    if name == "zip":
                        answer = http.post("/registry/import", data={"csrf_token": token},
                                           files={"file": ("bomb.xlsx", data)})
                    else:
                        answer = http.post("/speak/new", files={"photos": ("bomb.bin", data)}, data={
                            "kind": "hazard", "region_kato": "750000000", "csrf_token": token,
                            "description": "A report with a hostile attachment"})
                    answers[name].append(answer.status_code)

        attackers = [threading.Thread(target=attack, args=bomb) for bomb in bombs]
        for thread in attackers:
            thread.start()
        under: list[float] = []

        def probe_until_done():
            while not done.is_set():
                under.append(_one(served.base))

        prober = threading.Thread(target=probe_until_done)
        prober.start()
        for thread in attackers:
            thread.join()
        done.set()
        prober.join(60)
        served.close()

    def stats(values: list[float]) -> dict:
        array = np.array(values or [0.0])
        return {"requests": len(values), "p50_ms": round(float(np.percentile(array, 50)) * 1000, 1),
                "p99_ms": round(float(np.percentile(array, 99)) * 1000, 1)}

    return {"healthz_alone": stats(alone), "healthz_under_bombs": stats(under), "bomb_answers": answers}


def _one(base: str) -> float:
    started = time.perf_counter()
    httpx.get(base + "/healthz", timeout=60)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outage-s", type=float, default=30)
    parser.add_argument("--sensors", type=int, default=20)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--bomb-rounds", type=int, default=5)
    args = parser.parse_args()
    result = {"database_outage": database_outage(args.outage_s, args.sensors),
              "broker_restart": broker_restart(args.sensors),
              "web_during_outage": web_during_outage(args.outage_s, args.clients),
              "healthz_while_bombs_refused": healthz_under_bombs(args.bomb_rounds)}
    result["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    result["cpus"] = os.cpu_count()
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
