"""`qorgau index compute` and `qorgau index methodology` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qorgau.index.cli import app

runner = CliRunner()
V1 = Path(__file__).resolve().parents[2] / "src" / "qorgau" / "index" / "methodology" / "v1.yaml"
MINIMAL = """
aggregation: arithmetic
indicators:
  - {id: fatal_rate, direction: lower_is_better, normalisation: minmax, weight: 2}
  - {id: training, direction: higher_is_better, normalisation: rank, weight: 1}
"""
TABLE = "entity_id,fatal_rate,training\nA,0.1,80\nB,0.3,90\nC,0.2,\nD,,\nE,0.0,70\n"


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    method = tmp_path / "method.yaml"
    method.write_text(MINIMAL, encoding="utf-8")
    table = tmp_path / "indicators.csv"
    table.write_text(TABLE, encoding="utf-8")
    return table, method


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_compute_prints_exactly_the_documented_json(files):
    table, method = files
    result = run("compute", "--indicators", table, "--method", method, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [set(r) for r in rows] == [{"entity_id", "score", "rank", "rank_p05", "rank_p95", "contributions",
                                       "coverage", "imputed"}] * 5
    by_id = {r["entity_id"]: r for r in rows}
    # fatal_rate (lower is better) min-max over 0.0..0.3; training percentile rank over 70, 80, 90
    assert by_id["A"]["score"] == pytest.approx((2 * 100 * 2 / 3 + 50) / 3, abs=1e-6)
    assert by_id["A"]["contributions"] == pytest.approx({"fatal_rate": 2 / 3 * 100 * 2 / 3, "training": 50 / 3},
                                                       abs=1e-6)
    assert by_id["C"]["contributions"]["training"] is None  # left out, not a zero
    assert [by_id[e]["rank"] for e in "EABC"] == [1, 2, 3, 3]
    assert all(r["rank_p05"] == r["rank_p95"] == r["rank"] for r in rows if r["rank"] is not None)
    assert by_id["D"] == {"entity_id": "D", "score": None, "rank": None, "rank_p05": None, "rank_p95": None,
                          "contributions": {"fatal_rate": None, "training": None}, "coverage": 0, "imputed": []}
    assert by_id["C"]["coverage"] == 0.5 and by_id["C"]["imputed"] == []


def test_compute_with_monte_carlo_is_seeded(files):
    table, method = files
    args = ("compute", "--indicators", table, "--method", method, "--format", "json", "--runs", "300")
    first = json.loads(run(*args, "--seed", "5").stdout)
    assert first == json.loads(run(*args, "--seed", "5").stdout)
    for row in first:
        if row["rank"] is not None:
            assert row["rank_p05"] <= row["rank"] + 1 and row["rank_p05"] <= row["rank_p95"]
    assert any(r["rank_p05"] != r["rank_p95"] for r in first if r["rank"] is not None)


def test_compute_csv(files):
    table, method = files
    result = run("compute", "--indicators", table, "--method", method, "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0] == ("entity_id,score,rank,rank_p05,rank_p95,coverage,imputed,contribution_fatal_rate,"
                        "contribution_training")
    assert lines[1].startswith("E,66.666667,1,1,1,")


def test_data_errors_name_row_and_column(files, tmp_path):
    _, method = files
    bad = tmp_path / "bad.csv"
    bad.write_text("entity_id,fatal_rate,training\nA,0.1,80\nB,zero,90\n", encoding="utf-8")
    result = run("compute", "--indicators", bad, "--method", method)
    assert result.exit_code == 1
    assert "bad.csv: row 3, column fatal_rate: 'zero' is not a number" in result.stderr
    missing = tmp_path / "missing.csv"
    missing.write_text("entity_id,fatal_rate\nA,0.1\n", encoding="utf-8")
    result = run("compute", "--indicators", missing, "--method", method)
    assert result.exit_code == 1 and "column training: missing" in result.stderr


def test_methodology_errors_name_indicator_and_field(files, tmp_path):
    table, _ = files
    broken = tmp_path / "broken.yaml"
    broken.write_text(MINIMAL.replace("weight: 2", "weight: -2"), encoding="utf-8")
    for args in (("compute", "--indicators", table, "--method", broken), ("methodology", broken)):
        result = run(*args)
        assert result.exit_code == 1
        assert "indicator 'fatal_rate' (#1).weight: must be a positive number" in result.stderr


@pytest.mark.parametrize(("locale", "words"), [
    ("en", ["# Trade Union Safety Index", "Methodology version: **1.0**", "| Pillar | Weight |", "20.0%",
            "y = 100 × clip((x − 0.5) / (0 − 0.5), 0, 1)"]),
    ("ru", ["# Профсоюзный индекс безопасности", "Версия методологии", "Коэффициент смертельного травматизма",
            "20,0%", "медиана", "Неопределённость и чувствительность"]),
    ("kk", ["# Кәсіподақтың қауіпсіздік индексі", "Әдіснама нұсқасы", "Көрсеткіштер", "Салмақ"]),
])
def test_methodology_page_in_three_languages(locale, words):
    result = run("methodology", V1, "--locale", locale)
    assert result.exit_code == 0, result.output
    for word in words:
        assert word in result.stdout, word


def test_methodology_page_as_data():
    page = json.loads(run("methodology", V1, "--format", "json").stdout)
    assert page["version"] == "1.0"
    assert sum(i["share"] for i in page["indicators"]) == pytest.approx(1.0)
    fatal = next(i for i in page["indicators"] if i["id"] == "fatal_injury_rate")
    assert fatal["normalisation"] == {"method": "goalposts", "label": "goalposts", "params": {"worst": 0.5, "best": 0},
                                      "formula": "y = 100 × clip((x − 0.5) / (0 − 0.5), 0, 1)"}
    assert fatal["source"] == "incidents" and fatal["label"]["kk"]
    assert page["uncertainty"]["choices"]["aggregation"] == ["arithmetic", "geometric"]
