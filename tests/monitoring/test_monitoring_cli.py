"""`qorgau monitoring` commands through Typer's test runner."""

from __future__ import annotations

import json
import threading

import pytest
from tests.mosquitto import PrivateBroker, find_mosquitto
from typer.testing import CliRunner

from qorgau.monitoring.cli import app, load_sink
from qorgau.monitoring.pipeline import MemorySink
from qorgau.monitoring.simulate import DEMO_BIN, Simulator, demo_fleet, publish_mqtt

runner = CliRunner()
KEYS = ["sensor_id", "twa_8h", "twa_8h_measured_share", "stel_max", "stel_max_at", "stel_measured_share",
        "ceiling_max", "minutes_over_stel", "interval_s", "max_gap_s", "readings", "missing_readings",
        "measured_share", "min_measured", "warnings", "unit", "substance", "stel_limit", "negative_readings"]
SHORT = ["sensor_id", "twa_8h", "stel_max", "stel_max_at", "ceiling_max", "minutes_over_stel"]


@pytest.fixture
def readings(tmp_path):
    path = tmp_path / "readings.csv"
    lines = ["sensor_id,ts,value"]
    for minute in range(26):  # the pulse of the hand-computed example: 100 ppm for 5 of 26 minutes
        lines.append(f"shop-1.h2s,2025-03-01T08:{minute:02d}:00Z,{100 if 10 <= minute < 15 else 0}")
    lines += ["x-7,1740816000,1.5", "x-7,1740816060.5,2.5"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_exposure_json_has_exactly_the_issue_keys(readings):
    res = runner.invoke(app, ["exposure", str(readings), "--format", "json", "--unit", "ppm", "--min-measured", "0",
                              "--max-gap", "300"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [list(r) for r in out] == [[*KEYS, "stel_limit_source"], KEYS]
    assert out[0]["stel_limit_source"] == "EU 10 ppm" and out[0]["stel_limit"] == 10
    h2s, x7 = ({k: r[k] for k in SHORT} for r in out)
    # H2S STEL (EU) = 10 ppm: the 15-min average exceeds 10 while the window holds > 90 s of the
    # 08:10-08:15 pulse, i.e. for window ends in (08:11:30, 08:25] (the last sample): 13.5 minutes
    assert h2s == {"sensor_id": "shop-1.h2s", "twa_8h": 1.04167, "stel_max": 33.3333,
                   "stel_max_at": "2025-03-01T08:15:00Z", "ceiling_max": 100.0, "minutes_over_stel": 13.5}
    assert x7["minutes_over_stel"] is None and x7["ceiling_max"] == 2.5  # no substance, no STEL
    assert x7["twa_8h"] == pytest.approx(1.5 * 60.5 / 28800, rel=1e-5)


def test_exposure_options(readings):
    res = runner.invoke(app, ["exposure", str(readings), "--stel-limit", "20", "--substance", "so2",
                              "--method", "trapezoid", "--unmeasured", "measured", "--max-gap", "120"])
    assert res.exit_code == 0, res.output
    h2s = json.loads(res.output)[0]
    assert h2s["stel_max"] == pytest.approx(33.3333) and h2s["minutes_over_stel"] > 0
    table = runner.invoke(app, ["exposure", str(readings), "--format", "table"])
    assert table.exit_code == 0 and "shop-1.h2s" in table.output and "33.3333" in table.output


def test_exposure_errors_name_the_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("sensor_id,ts,value\na,2025-03-01T08:00:00Z,1\na,2025-13-01T08:00:00Z,2\n")
    res = runner.invoke(app, ["exposure", str(bad)])
    assert res.exit_code == 2 and "row 3" in res.output and "'ts'" in res.output
    res = runner.invoke(app, ["exposure", str(tmp_path / "missing.csv")])
    assert res.exit_code == 2 and "no such file" in res.output
    res = runner.invoke(app, ["exposure", str(bad), "--substance", "unobtainium"])
    assert res.exit_code == 2 and "unknown code" in res.output


def test_substances_json():
    res = runner.invoke(app, ["substances", "--format", "json"])
    rows = {r["code"]: r for r in json.loads(res.output)}
    assert rows["so2"]["stel_15"] == {"value": 1.0, "source": "EU"}
    assert rows["o2"]["a1"] == 19.5 and rows["o2"]["direction"] == "falling"


def test_ingest_needs_sensors_and_a_valid_sink():
    res = runner.invoke(app, ["ingest", "--duration", "0.1"])
    assert res.exit_code == 2 and "--sensors-csv" in res.output
    res = runner.invoke(app, ["ingest", "--demo-sensors", "3", "--sink", "nonsense"])
    assert res.exit_code == 2
    assert isinstance(load_sink("memory", None), MemorySink)
    assert load_sink("qorgau.monitoring.pipeline:MemorySink", True).keep_readings is True


@pytest.mark.mqtt
@pytest.mark.skipif(find_mosquitto() is None, reason="mosquitto is not installed")
@pytest.mark.timeout(120)
def test_simulate_into_ingest_through_a_real_broker(tmp_path, monkeypatch):
    from qorgau.monitoring import mqtt_worker

    sensors = tmp_path / "sensors.csv"
    subscribed = threading.Event()  # the broker acknowledged the ingest worker's subscription
    made = mqtt_worker.IngestWorker.__init__

    def watched(worker, *args, **kwargs):
        made(worker, *args, **kwargs)
        worker.client.on_subscribe = lambda client, userdata, mid, reason_codes, properties: subscribed.set()

    monkeypatch.setattr(mqtt_worker.IngestWorker, "__init__", watched)
    with PrivateBroker() as broker:
        out: dict = {}

        def ingest() -> None:
            out["res"] = runner.invoke(app, ["ingest", "--broker-port", str(broker.port), "--sensors-csv",
                                             str(sensors), "--duration", "8", "--client-id", "cli-test"])

        sim = runner.invoke(app, ["simulate", "--broker-port", str(broker.port), "--sensors", "12", "--rate", "5",
                                  "--duration", "0.1", "--write-sensors", str(sensors)])
        assert sim.exit_code == 0, sim.output
        thread = threading.Thread(target=ingest)
        thread.start()
        assert subscribed.wait(30), "the ingest worker did not subscribe"
        # Published by the simulator's own function, not a second CliRunner: a runner swaps the process's
        # standard streams, and two at once in two threads close each other's.
        sent = publish_mqtt(Simulator(demo_fleet(12, DEMO_BIN), seed=0), "127.0.0.1", broker.port, 5, 1.5, 0.5,
                            "binary")
        thread.join(30)
    counters = json.loads(out["res"].output.strip().splitlines()[-1])
    assert sent["messages"] > 0 and sent["readings"] > 0
    assert counters["readings_in"] == sent["readings"] and counters["dead_letters"] == 0
