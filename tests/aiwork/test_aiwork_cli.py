"""`qorgau aiwork` commands: exact JSON shape, errors naming line and column."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qorgau.aiwork.cli import app

runner = CliRunner()
CSV = ("isco08,employed,region,sector,sex\n"
       "2411,100,750000000,K,female\n"
       "4110,50,750000000,K,female\n"
       "24,110,710000000,O,male\n"
       "143,40,710000000,G,male\n")


@pytest.fixture
def employment_csv(tmp_path):
    path = tmp_path / "employment.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_exposure_json_exact_shape(employment_csv):
    result = runner.invoke(app, ["exposure", str(employment_csv), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == [{"group": {}, "employed": 300.0,
                     "by_gradient": {"not_exposed": 0.0, "minimal": 30.0, "1": 0.0, "2": 40.0, "3": 150.0, "4": 60.0},
                     "unscored": 20.0}]


def test_exposure_by_region_and_sex(employment_csv):
    result = runner.invoke(app, ["exposure", str(employment_csv), "--by", "region,sex", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["group"] for d in data] == [{"region": "710000000", "sex": "male"},
                                          {"region": "750000000", "sex": "female"}]
    for record in data:
        assert sum(record["by_gradient"].values()) + record["unscored"] == pytest.approx(record["employed"])
    assert data[1]["by_gradient"]["4"] == 50.0


def test_exposure_table_split_and_text_output(employment_csv):
    result = runner.invoke(app, ["exposure", str(employment_csv), "--split", "table", "--format", "json"])
    assert json.loads(result.stdout)[0]["by_gradient"]["3"] == 210.0
    text = runner.invoke(app, ["exposure", str(employment_csv)])
    assert text.exit_code == 0 and "ILO" in text.stdout


def test_exposure_errors_name_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("isco08,employed,sex\n2411,10,female\n9999,5,male\n2412,many,male\n2413,1,robot\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["exposure", str(path), "--by", "sex", "--format", "json"])
    assert result.exit_code == 2
    assert "line 3, column isco08: '9999' is not an ISCO-08 code" in result.stderr
    assert "line 4, column employed: 'many' is not a number." in result.stderr
    assert "line 5, column sex" in result.stderr
    assert result.stdout == ""


def test_exposure_missing_by_column(employment_csv):
    result = runner.invoke(app, ["exposure", str(employment_csv), "--by", "age_band", "--format", "json"])
    assert result.exit_code == 2 and "column age_band" in result.stderr


def test_reskill_json(employment_csv):
    result = runner.invoke(app, ["reskill", "4110", "--top", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"]["isco08"] == "4110" and data["source"]["exposure_class"] == "4"
    assert len(data["pathways"]) == 3
    first = data["pathways"][0]
    assert {"isco08", "title", "similarity", "exposure_class", "score", "gaps"} <= set(first)
    with_demand = runner.invoke(app, ["reskill", "4110", "--employment", str(employment_csv), "--format", "json"])
    assert json.loads(with_demand.stdout)["weights"]["demand"] == pytest.approx(0.1)


def test_reskill_bad_code():
    result = runner.invoke(app, ["reskill", "99", "--format", "json"])
    assert result.exit_code == 2 and "unit group" in result.stderr


def test_occupation_and_scenario_and_synthetic(employment_csv, tmp_path):
    occ = json.loads(runner.invoke(app, ["occupation", "4110", "--format", "json"]).stdout)
    assert occ["class"] == "4" and occ["tasks"] and "eloundou_2024_us" in occ["alternative_lenses_us_based"]
    assert occ["title"]["ru"] == "Офисные служащие широкого профиля"
    unscored = json.loads(runner.invoke(app, ["occupation", "1439", "--format", "json"]).stdout)
    assert unscored["class"] == "unscored" and "tasks" not in unscored
    scen = json.loads(runner.invoke(app, ["scenario", str(employment_csv), "--format", "json"]).stdout)
    assert scen["assumptions"]["scenario"] == "central" and len(scen["totals"]) == 11
    out = tmp_path / "kz.csv"
    summary = json.loads(runner.invoke(app, ["synthetic", str(out), "--employed", "100000"]).stdout)
    assert summary["synthetic"] is True and summary["employed"] == 100000 and out.exists()
