"""The example files of docs/formats go through their commands and give what the format description says."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

EXAMPLES = Path(__file__).parents[2] / "docs" / "formats" / "examples"
runner = CliRunner()


def _json(app, *args):
    result = runner.invoke(app, [*map(str, args)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_incidents_examples():
    from qorgau.incidents.cli import app

    osha = _json(app, "rates-file", "--exposure", EXAMPLES / "osha_ita_300a.csv", "--by", "state")
    frame = pd.read_csv(EXAMPLES / "osha_ita_300a.csv")
    ohio = frame[(frame["state"] == "OH") & (frame["total_hours_worked"] > 0)]
    row = next(r for r in osha["rows"] if r["group"] == "OH")
    assert row["dart"]["rate"] == pytest.approx(
        ohio[["total_dafw_cases", "total_djtr_cases"]].sum().sum() * 2e5 / ohio["total_hours_worked"].sum())
    assert osha["notes"]["zero_hours"]["rows"] == 1
    refused = runner.invoke(app, ["rates-file", "--cases", str(EXAMPLES / "cases.csv"), "--exposure",
                                  str(EXAMPLES / "denominators.csv")])
    assert refused.exit_code == 1 and "row 5, column cases" in refused.output
    dropped = _json(app, "rates-file", "--cases", EXAMPLES / "cases.csv", "--exposure", EXAMPLES / "denominators.csv",
                    "--missing", "drop")
    assert dropped["rows"][0]["cases"] == 6 and dropped["notes"]["missing_cases"]["rows"] == 1
    accidents = _json(app, "rates-file", "--cases", EXAMPLES / "accidents.csv", "--exposure",
                      EXAMPLES / "denominators.csv", "--severity", "fatal")
    assert accidents["rows"][0]["cases"] == 1
    estimate = _json(app, "capture-recapture", EXAMPLES / "capture_recapture_patterns.csv")
    assert estimate["estimate"]["df"] >= 1 and estimate["warnings"]


def test_monitoring_example():
    from qorgau.monitoring.cli import app

    out = {r["sensor_id"]: r for r in _json(app, "exposure", EXAMPLES / "readings.csv", "--format", "json")}
    assert out["smelter.co"]["missing_readings"] == 2 and out["smelter.co"]["unit"] == "ppm"
    assert out["station.no2"]["unit"] == "ug/m3" and out["station.no2"]["twa_8h"] is None


def test_sensors_example():
    from qorgau.monitoring.sensors import SensorConfig, read_sensors_csv
    from qorgau.monitoring.substances import default_catalogue

    sensors = {s.sensor_id: s for s in read_sensors_csv(EXAMPLES / "sensors.csv")}
    assert sensors["smelter.co"].a1 == 20 and sensors["smelter.co"].max_gap_s == 60
    defaults = SensorConfig.for_substance("smelter.so2", "990940000016", "smelter", default_catalogue()["so2"])
    assert sensors["smelter.so2"] == defaults  # blank cells take the catalogue's defaults
    assert sensors["shaft.o2"].direction == "falling" and sensors["shaft.ch4"].stuck_readings == 120


def test_risk_panel_example():
    from qorgau.risk.cli import app
    from qorgau.risk.panel import read_panel

    frame = pd.read_csv(EXAMPLES / "risk_panel_synthetic.csv")
    panel = read_panel(EXAMPLES / "risk_panel_synthetic.csv")
    assert len(panel.frame) == len(frame) and panel.frame["cases"].sum() == frame["cases"].sum() > 0
    out = _json(app, "backtest", "--panel", EXAMPLES / "risk_panel_synthetic.csv", "--test-periods", "2",
                "--trees", "10", "--threads", "1")
    assert out["periods_tested"] == 2


def test_aiwork_examples():
    from qorgau.aiwork.cli import app

    regions = {r["group"]["region"]: r["employed"]
               for r in _json(app, "exposure", EXAMPLES / "employment_isco.csv", "--by", "region", "--format", "json")}
    assert regions == {"350000000": 1640.0, "710000000": 85.0, "750000000": 40.0}
    soc = _json(app, "exposure", EXAMPLES / "employment_soc.csv", "--format", "json")
    assert soc[0]["employed"] == pytest.approx(1_002_930 + 11_270 + 657_840)


def test_enterprises_example_through_the_registry_import(sign_in):
    client = sign_in("admin")
    response = client.post("/api/v1/registry/enterprises/import",
                           files={"file": ("enterprises.csv", (EXAMPLES / "enterprises.csv").read_bytes(), "text/csv")})
    assert response.status_code == 200, response.text
    assert response.json()["created"] + response.json()["updated"] == 1


def test_index_indicators_example():
    from qorgau.index.cli import app

    method = Path(__file__).parents[2] / "src" / "qorgau" / "index" / "methodology" / "v1_1.yaml"
    rows = {r["entity_id"]: r for r in _json(app, "compute", "--indicators", EXAMPLES / "index_indicators.csv",
                                             "--method", method)}
    # Read independently as a Russian Excel writes it: ';' between cells, decimal commas, ':' and 'x' for no value.
    frame = pd.read_csv(EXAMPLES / "index_indicators.csv", sep=";", decimal=",", na_values=[":", "x"],
                        index_col="entity_id").drop(columns="sector")
    for entity, values in frame.iterrows():
        assert rows[entity]["coverage"] == pytest.approx(values.notna().sum() / len(values))
        assert set(rows[entity]["imputed"]) <= set(values[values.isna()].index)
    assert rows["E2"]["contributions"]["exposure_exceedance_rate"] is None  # ':' is missing, left out, not 0
    assert "equipment_renewal" in rows["E3"]["imputed"]  # filled by the methodology's rule, and said so
