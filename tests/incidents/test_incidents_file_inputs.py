"""Files as users bring them to `incidents rates-file`: blanks, Form 300A totals, repeated names, estimates."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from qorgau.incidents.cli import app

runner = CliRunner()

EXPOSURE = """enterprise_id,year,annual_average_employees,total_hours_worked,region
E1,2024,1000,1800000,KZ-KAR
E2,2024,500,,KZ-KAR
E3,2024,2000,3600000,KZ-ALA
"""
# One blank count: read as 0 it would make the Karaganda rate 4 cases instead of 497.
CASES = """enterprise_id,year,cases
E1,2024,4
E2,2024,
E3,2024,493
"""
ITA_HEADER = ("id,establishment_name,company_name,state,naics_code,size,year_filing_for,annual_average_employees,"
              "total_hours_worked,total_deaths,total_dafw_cases,total_djtr_cases,total_other_cases,"
              "total_dafw_days,total_djtr_days")
ITA = "\n".join([
    ITA_HEADER,
    "101,Warehouse,Acme,TX,493110,22,2023,120,240000,0,5,10,20,60,90",
    "102,Warehouse,Acme,TX,493110,22,2023,80,160000,0,2,3,6,10,12",   # same name, another establishment
    "103,Mill,Steelco,OH,331110,3,2023,400,800000,1,20,30,34,300,200",
    "104,Depot,Acme,OH,493110,21,2023,15,0,0,0,0,0,0,0",               # zero hours, workers present
    "105,Plant,Steelco,TX,331110,3,2022,300,600000,0,1,2,3,20,10",
]) + "\n"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "exposure.csv").write_text(EXPOSURE)
    (tmp_path / "cases.csv").write_text(CASES)
    (tmp_path / "ita.csv").write_text(ITA)
    return tmp_path


def _run(*args):
    result = runner.invoke(app, ["rates-file", *map(str, args)])
    return result, (json.loads(result.stdout) if result.exit_code == 0 else None)


def test_blank_case_count_is_refused_with_its_row_and_column(files):
    result, _ = _run("--cases", files / "cases.csv", "--exposure", files / "exposure.csv")
    assert result.exit_code == 1 and "row 3, column cases" in result.output and "--missing" in result.output


def test_file_problems_are_printed_in_the_readers_language(files, monkeypatch):
    monkeypatch.setenv("QORGAU_LANG", "ru")
    result, _ = _run("--cases", files / "cases.csv", "--exposure", files / "exposure.csv")
    assert result.exit_code == 1 and "строка 3, столбец cases" in result.output
    assert "укажите число (0, если нет) или используйте --missing drop|zero" in result.output
    assert "blank" not in result.output
    monkeypatch.setenv("QORGAU_LANG", "kk")
    _, dropped = _run("--cases", files / "cases.csv", "--exposure", files / "exposure.csv", "--missing", "drop")
    note = dropped["notes"]["missing_cases"]["list"][0]
    assert note["reason"] == "бос: жол алынып тасталды" and note["message"] == "blank: row left out"


def test_blank_case_count_dropped_or_zero_only_when_asked_and_counted(files):
    args = ("--cases", files / "cases.csv", "--exposure", files / "exposure.csv", "--by", "region")
    _, dropped = _run(*args, "--missing", "drop")
    assert dropped["notes"]["missing_cases"]["rows"] == 1
    assert dropped["notes"]["missing_cases"]["list"][0] == {"row": 3, "column": "cases",
                                                             "reason": "blank: row left out",
                                                             "message": "blank: row left out", "params": {}}
    rows = {r["group"]: r for r in dropped["rows"]}
    assert rows["KZ-ALA"]["cases"] == 493 and rows["KZ-KAR"]["cases"] == 4
    assert any("--missing drop" in w for w in dropped["warnings"])
    _, zero = _run(*args, "--missing", "zero")
    assert zero["notes"]["missing_cases"]["rows"] == 1 and "read as 0" in zero["notes"]["missing_cases"]["list"][0][
        "reason"]


def test_form_300a_alone_gives_trir_dart_fatality_and_dafw_by_state(files):
    from scipy import stats

    result, out = _run("--exposure", files / "ita.csv", "--by", "state")
    assert result.exit_code == 0, result.output
    assert out["base"] == "per_200k_hours"
    frame = pd.read_csv(files / "ita.csv")
    frame = frame[frame["total_hours_worked"] > 0]  # the zero-hours row is dropped by default, and noted
    assert out["notes"]["zero_hours"]["rows"] == 1 and out["notes"]["zero_hours"]["list"][0]["row"] == 5
    for state, part in frame.groupby("state"):
        row = next(r for r in out["rows"] if r["group"] == state)
        hours = part["total_hours_worked"].sum()
        recordable = part[["total_deaths", "total_dafw_cases", "total_djtr_cases", "total_other_cases"]].sum().sum()
        dart = part[["total_dafw_cases", "total_djtr_cases"]].sum().sum()
        assert row["trir"]["cases"] == recordable and row["trir"]["rate"] == pytest.approx(recordable * 2e5 / hours)
        assert row["dart"]["rate"] == pytest.approx(dart * 2e5 / hours)
        assert row["dafw"]["rate"] == pytest.approx(part["total_dafw_cases"].sum() * 2e5 / hours)
        assert row["fatality"]["cases"] == part["total_deaths"].sum()
        low = stats.chi2.ppf(0.025, 2 * recordable) / 2 * 2e5 / hours
        assert row["trir"]["ci_low"] == pytest.approx(low)
        assert row["trir"]["rate"] > 0
    texas = next(r for r in out["rows"] if r["group"] == "TX")
    assert texas["trir"]["cases"] == 35 + 11 + 6 and texas["establishments"] == 3


def test_form_300a_by_industry_size_and_year(files):
    _, out = _run("--exposure", files / "ita.csv", "--by", "industry", "--by", "year")
    groups = {(r["group"]["naics_code"], r["group"]["year"]): r for r in out["rows"]}
    assert groups[("331110", 2023)]["trir"]["cases"] == 85 and groups[("331110", 2022)]["trir"]["cases"] == 6
    result = runner.invoke(app, ["rates-file", "--exposure", str(files / "ita.csv"), "--by", "size", "--format",
                                 "csv"])
    assert result.stdout.splitlines()[0].startswith("group,base,trir_cases,trir,trir_ci_low")


def test_repeated_establishment_name_with_different_ids_is_not_a_duplicate(files):
    result, out = _run("--exposure", files / "ita.csv", "--by", "enterprise")
    assert result.exit_code == 0, result.output
    assert {r["group"] for r in out["rows"]} == {"101", "102", "103", "105"}


def test_zero_hours_with_workers_estimated_or_refused_as_asked(files):
    _, out = _run("--exposure", files / "ita.csv", "--zero-hours", "estimate")
    assert out["rows"][0]["hours"] == 1_800_000 + 15 * 1800
    assert "estimated" in out["notes"]["zero_hours"]["list"][0]["reason"]
    assert out["rows"][0]["hours_estimated_share"] == pytest.approx(15 * 1800 / out["rows"][0]["hours"])
    result, _ = _run("--exposure", files / "ita.csv", "--zero-hours", "refuse")
    assert result.exit_code == 1 and "row 5, column total_hours_worked" in result.output


def test_hours_estimated_from_headcount_are_flagged_on_an_hours_base(files):
    (files / "cases_ok.csv").write_text(CASES.replace("E2,2024,\n", "E2,2024,1\n"))
    _, out = _run("--cases", files / "cases_ok.csv", "--exposure", files / "exposure.csv", "--by", "region",
                  "--base", "per_1m_hours")
    rows = {r["group"]: r for r in out["rows"]}
    assert rows["KZ-KAR"]["hours_estimated_share"] == pytest.approx(900_000 / 2_700_000)
    assert rows["KZ-ALA"]["hours_estimated_share"] == 0
    assert out["notes"]["hours_estimated_rows"] == 1 and any("estimated hours" in w for w in out["warnings"])


def test_russian_and_kazakh_column_names_from_a_cp1251_file(tmp_path):
    exposure = tmp_path / "численность.csv"
    exposure.write_bytes("Предприятие;Год;Численность работников;Отработано часов;Регион\n"
                         "Шахта 1;2024;1 000;1 800 000;KZ-KAR\nШахта 2;2024;500;;KZ-KAR\n".encode("cp1251"))
    cases = tmp_path / "случаи.csv"
    cases.write_bytes("Предприятие;Год;Случаи\nШахта 1;2024;4\nШахта 2;2024;3\n".encode("cp1251"))
    result, out = _run("--cases", cases, "--exposure", exposure, "--base", "per_1m_hours")
    assert result.exit_code == 0, result.output
    row = out["rows"][0]
    assert row["cases"] == 7 and row["exposure"] == 1_800_000 + 500 * 1800
    assert row["rate"] == pytest.approx(7 * 1e6 / 2_700_000) and row["hours_estimated_share"] == pytest.approx(1 / 3)
    kazakh = tmp_path / "kk.csv"
    kazakh.write_text("кәсіпорын,жыл,жұмыскерлер саны,жұмыс сағаттары\nКен 1,2024,100,180000\n", encoding="utf-8")
    cases.write_text("кәсіпорын,жыл,жағдайлар\nКен 1,2024,2\n", encoding="utf-8")
    result, out = _run("--cases", cases, "--exposure", kazakh, "--base", "per_1m_hours")
    assert result.exit_code == 0, result.output
    assert out["rows"][0]["rate"] == pytest.approx(2 * 1e6 / 180_000)
