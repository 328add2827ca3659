"""`qorgau incidents` commands that work without the database: rates-file, capture-recapture, holidays."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qorgau.incidents.cli import app

runner = CliRunner()

EXPOSURE = """enterprise_id,year,annual_average_employees,total_hours_worked,region,sector,union
E1,2024,1000,1800000,KZ-KAR,B,yes
E2,2024,500,,KZ-KAR,C,no
E3,2024,2000,3600000,KZ-ALA,B,no
"""
CASES = """enterprise_id,year,outcome,cause
E1,2024,light,unsafe_act
E1,2024,fatal,worn_equipment
E2,2024,serious,worn_equipment
E3,2024,light,organisation
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "exposure.csv").write_text(EXPOSURE)
    (tmp_path / "cases.csv").write_text(CASES)
    return tmp_path


def test_rates_file_json_shape_and_values(files):
    result = runner.invoke(app, ["rates-file", "--cases", str(files / "cases.csv"), "--exposure",
                                 str(files / "exposure.csv"), "--by", "region", "--base", "per_1m_hours"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["base", "rows", "notes", "warnings"]
    rows = out["rows"]
    assert [list(r) for r in rows] == [["group", "cases", "exposure", "rate", "ci_low", "ci_high", "base",
                                        "hours_estimated_share"]] * 2
    karaganda = next(r for r in rows if r["group"] == "KZ-KAR")
    # E2's hours are estimated: 500 x 1,800 = 900,000; region total 2,700,000 hours, 3 cases.
    assert karaganda["cases"] == 3 and karaganda["exposure"] == 2_700_000.0
    assert karaganda["rate"] == pytest.approx(3 / 2.7) and karaganda["base"] == "per_1m_hours"


def test_rates_file_fatal_by_union_and_csv(files):
    args = ["rates-file", "--cases", str(files / "cases.csv"), "--exposure", str(files / "exposure.csv")]
    result = runner.invoke(app, [*args, "--by", "union", "--severity", "fatal"])
    rows = {r["group"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows[True]["cases"] == 1 and rows[False]["cases"] == 0 and rows[False]["exposure"] == 2500.0
    result = runner.invoke(app, [*args, "--by", "region", "--by", "cause", "--format", "csv"])
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "region,cause,cases,exposure,rate,ci_low,ci_high,base,workers_estimated_share"
    assert len(lines) == 4


def test_rates_file_errors_exit_non_zero(files):
    (files / "bad.csv").write_text("enterprise_id,year,workers\nE1,20x4,10\n")
    args = ["rates-file", "--cases", str(files / "cases.csv")]
    result = runner.invoke(app, [*args, "--exposure", str(files / "bad.csv")])
    assert result.exit_code == 1 and "row 2, column year" in result.output
    result = runner.invoke(app, [*args, "--exposure", str(files / "exposure.csv"), "--base", "per_hour"])
    assert result.exit_code == 1 and "per_1m_hours" in result.output
    result = runner.invoke(app, [*args, "--exposure", str(files / "exposure.csv"), "--by", "oblast"])
    assert result.exit_code == 1 and "oblast" in result.output


def test_capture_recapture_from_pattern_counts(tmp_path):
    # Cormack, Chang & Smith (2000), Table 3b.
    path = tmp_path / "patterns.csv"
    path.write_text("c1,c2,c3,count\n1,1,1,72\n1,1,0,5\n1,0,1,29\n1,0,0,54\n0,1,1,24\n0,1,0,3\n0,0,1,14\n")
    result = runner.invoke(app, ["capture-recapture", str(path), "--registered", "c1", "--target", "1.2"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["estimate"]["model"] == "c1 + c2 + c3 + c2:c3" and out["estimate"]["observed"] == 201
    assert len(out["models"]) == 8 and out["concealment"]["registered"] == 160
    result = runner.invoke(app, ["capture-recapture", str(path), "--interaction", "c1:c2", "--interaction", "c2:c3"])
    assert round(json.loads(result.stdout)["estimate"]["deviance"], 1) == 0.6


def test_capture_recapture_from_records_uses_chapman(tmp_path):
    lines = ["source,enterprise_id,event_date,sex,age_band,severity"]
    for i in range(30):  # 30 events known to the employer, 12 of them also to the union inspector
        lines.append(f"employer,E{i},2025-04-{1 + i % 28:02d},m,25-34,light")
        if i < 12:
            lines.append(f"inspector,E{i},2025-04-{1 + i % 28:02d},m,25-34,light")
    for i in range(30, 38):  # 8 events only the inspector saw
        lines.append(f"inspector,E{i},2025-05-01,f,35-44,serious")
    path = tmp_path / "records.csv"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["capture-recapture", str(path), "--registered", "employer"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["records"] == 50 and out["estimate"]["method"] == "chapman"
    assert out["estimate"]["estimate"] == pytest.approx(31 * 21 / 13 - 1)
    assert out["concealment"]["ratio"] == pytest.approx((31 * 21 / 13 - 1) / 30)


def test_capture_recapture_bad_file(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a,b,count\n1,1,x\n")
    result = runner.invoke(app, ["capture-recapture", str(path)])
    assert result.exit_code == 1


def test_holidays_command():
    result = runner.invoke(app, ["holidays", "2026"])
    out = json.loads(result.stdout)
    assert out["complete"] and out["working_days"] == 247  # no Constitution Day in 2026 (decision 0040)
    assert {"date": "2026-03-24", "code": "observed", "name": "Day off for a holiday on a weekend"} in out["days_off"]
