"""`qorgau risk backtest|plan|synthetic|features`: the JSON shapes and errors that name row and column."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qorgau.risk import synthetic
from qorgau.risk.cli import app

runner = CliRunner()
FAST = ["--trees", "30", "--threads", "1"]


@pytest.fixture(scope="module")
def panel_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("risk") / "panel.csv"
    synthetic.generate_panel(250, 16, seed=2).to_csv(path, index=False)
    return path


def test_backtest_json_schema(panel_file):
    result = runner.invoke(app, ["backtest", "--panel", str(panel_file), "--format", "json", "--test-periods", "4", *FAST])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["k", "model", "baseline_last_rate", "baseline_size", "random", "periods_tested"]
    assert data["k"] == [0.05, 0.1, 0.2]
    assert data["periods_tested"] == 4 and isinstance(data["periods_tested"], int)
    for method in ("model", "baseline_last_rate", "baseline_size", "random"):
        assert list(data[method]) == ["capture", "auc_pr", "brier"]
        assert list(data[method]["capture"]) == ["0.05", "0.1", "0.2"]
        values = [*data[method]["capture"].values(), data[method]["auc_pr"], data[method]["brier"]]
        assert all(isinstance(v, float) and 0 <= v <= 1 for v in values)
        capture = data[method]["capture"]
        assert capture["0.05"] <= capture["0.1"] <= capture["0.2"]


def test_backtest_table(panel_file):
    result = runner.invoke(app, ["backtest", "--panel", str(panel_file), "--format", "table", "--test-periods", "2", *FAST])
    assert result.exit_code == 0, result.output
    assert "baseline_last_rate" in result.stdout and "2 periods tested" in result.stdout


def test_backtest_names_bad_row_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("entity_id,period,workers,cases,gross\nA,1,10,0,1\nA,2,ten,0,2\nA,3,10,1,lots\nA,4,10,0,x\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["backtest", "--panel", str(path), *FAST])
    assert result.exit_code == 1
    assert "bad.csv: row 3, column workers: 'ten' is not a number." in result.stderr
    assert "bad.csv: row 4, column gross: 'lots' is not a number" in result.stderr
    assert "row 5" not in result.stderr  # 'x' is a declared missing marker, as in every file
    path.write_text("entity_id,period,workers\nA,1,10\n", encoding="utf-8")
    result = runner.invoke(app, ["backtest", "--panel", str(path), *FAST])
    assert "row 1, column cases: The required column is missing." in result.stderr


def test_plan_json_and_table(panel_file):
    result = runner.invoke(app, ["plan", "--panel", str(panel_file), "--inspectors", "3", "--days", "10",
                                 "--format", "json", "--seed", "4", *FAST])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["capacity"] == {"inspectors": 3, "days": 10, "per_inspector_day": 0.5, "inspections": 15}
    assert len(data["picks"]) == 15
    assert sum(p["kind"] == "random_audit" for p in data["picks"]) == 2  # 10% of 15, rounded half up
    assert data["model_version"].startswith("risk-")
    assert all(p["explanation"] for p in data["picks"])
    table = runner.invoke(app, ["plan", "--panel", str(panel_file), "--inspectors", "1", "--days", "4",
                                "--format", "table", *FAST])
    assert table.exit_code == 0 and "Expected serious cases prevented" in table.stdout


def test_synthetic_and_features(tmp_path):
    out = tmp_path / "demo.csv"
    result = runner.invoke(app, ["synthetic", "--out", str(out), "--enterprises", "10", "--months", "3"])
    assert result.exit_code == 0 and "Synthetic data" in result.stderr
    assert out.read_text().splitlines()[0].startswith("entity_id,period,workers,cases,sector,region")
    listing = runner.invoke(app, ["features", "--format", "json"])
    ids = [r["id"] for r in json.loads(listing.stdout)]
    assert "overdue_gross" in ids and "own_rate_eb" in ids


def test_a_panel_without_a_case_to_train_on_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "quiet.csv"
    rows = [f"E{e},{p},10,0,{p % 3}" for e in range(4) for p in range(1, 13)]
    path.write_text("entity_id,period,workers,cases,gross\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["backtest", "--panel", str(path), "--test-periods", "2", *FAST])
    assert result.exit_code == 1 and "no serious or fatal case in the periods trained on" in result.stderr
    assert "Traceback" not in result.output
