"""Denominator import (OSHA Form 300A layout, CSV and XLSX), TRIR/DART by hand, and the accident layout."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from qorgau.core.imports import FileProblems as ImportProblems
from qorgau.core.imports import parse_number
from qorgau.incidents.engine import rates
from qorgau.incidents.engine.accident_file import parse_accidents
from qorgau.incidents.engine.form300a import dart, denominators_frame, parse_denominators, trir

# The OSHA ITA summary (Form 300A) column layout, two establishments.
ITA_HEADER = ("establishment_name,ein,company_name,street_address,city,state,zip,naics_code,industry_description,"
              "size,establishment_type,year_filing_for,annual_average_employees,total_hours_worked,"
              "no_injuries_illnesses,total_deaths,total_dafw_cases,total_djtr_cases,total_other_cases,"
              "total_dafw_days,total_djtr_days,total_injuries,total_skin_disorders,total_respiratory_conditions,"
              "total_poisonings,total_hearing_loss,total_other_illnesses")
FORM_300A = "\n".join([
    ITA_HEADER,
    "Mine North,123456789,KazMine,1 Street,Karaganda,KZ,100000,212,Mining,3,1,2024,130,250000,1,0,3,2,5,61,20,9,0,1,0,0,0",
    "Plant South,987654321,KazPlant,2 Street,Shymkent,KZ,160000,331,Metals,3,1,2024,520,1000000,1,1,4,0,5,90,0,10,0,0,0,0,0",
]) + "\n"


def test_form_300a_file_reproduces_trir_and_dart_by_hand():
    rows = parse_denominators(FORM_300A.encode(), "ita_summary.csv")
    mine, plant = rows
    # Mine North: (0 + 3 + 2 + 5) x 200,000 / 250,000 = 8.0; DART (3 + 2) x 200,000 / 250,000 = 4.0.
    assert mine.enterprise_id == "Mine North" and mine.year == 2024 and mine.workers == 130
    assert mine.trir == pytest.approx(8.0) and mine.dart == pytest.approx(4.0)
    # Plant South: (1 + 4 + 0 + 5) x 200,000 / 1,000,000 = 2.0; DART 4 x 0.2 = 0.8.
    assert plant.trir == pytest.approx(2.0) and plant.dart == pytest.approx(0.8)
    assert not mine.hours_estimated and mine.dafw_days == 61
    # Both together, through the rate engine on the OSHA base: 20 cases over 1.25 million hours = 3.2.
    frame = denominators_frame(rows).assign(cases=lambda f: f["recordable"].astype(float))
    total = rates.to_records(rates.grouped_rates(frame, None, "per_200k_hours"), None)[0]
    assert total["rate"] == pytest.approx(3.2) and total["cases"] == 20
    dart_frame = frame.assign(cases=frame["dafw"] + frame["djtr"])
    assert rates.grouped_rates(dart_frame, None, "per_200k_hours")["rate"][0] == pytest.approx(9 * 200_000 / 1.25e6)
    assert frame["state"].tolist() == ["KZ", "KZ"]  # other columns are kept as attributes
    assert frame["size_band"].tolist() == ["medium", "large"]  # 130 and 520 workers


def test_trir_and_dart_formulas():
    assert trir(1, 2, 3, 4, 400_000) == pytest.approx(5.0)
    assert dart(2, 3, 400_000) == pytest.approx(2.5)
    with pytest.raises(ValueError):
        trir(1, 0, 0, 0, 0)


def test_form_300a_xlsx_reads_the_same():
    workbook = Workbook()
    sheet = workbook.active
    for line in FORM_300A.strip().split("\n"):
        cells = line.split(",")
        sheet.append([int(c) if c.isdigit() else c for c in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = parse_denominators(buffer.getvalue(), "ita_summary.xlsx")
    assert [(r.enterprise_id, r.trir, r.dart) for r in rows] == [("Mine North", 8.0, 4.0), ("Plant South", 2.0, 0.8)]


def test_every_problem_is_listed_and_no_row_is_returned():
    bad = FORM_300A + "\n".join([
        "Depot,1,X,3 St,Almaty,KZ,0,493,Storage,2,1,2024,40,,1,0,-1,0,0,0,0,0,0,0,0,0,0",
        "Depot,1,X,3 St,Almaty,KZ,0,493,Storage,2,1,2024,40,80000,1,0,0,0,two,0,0,0,0,0,0,0,0",
        "Yard,2,X,4 St,Almaty,KZ,0,493,Storage,2,1,1875,40,80000,1,0,1,0,0,0,0,3,0,0,0,0,0",
        "Mine North,123456789,KazMine,1 Street,Karaganda,KZ,100000,212,Mining,3,1,2024,5,900000,1,0,0,0,0,0,0,0,0,0,0,0,0",
    ]) + "\n"
    with pytest.raises(ImportProblems) as caught:
        parse_denominators(bad.encode(), "ita.csv")
    found = {(p.row, p.column) for p in caught.value.problems}
    assert (4, "total_dafw_cases") in found  # -1 cases
    assert (5, "total_other_cases") in found  # 'two'
    assert (5, "establishment_name") in found  # Depot 2024 twice
    assert (6, "year_filing_for") in found  # 1875
    assert (6, "total_injuries") in found  # types add up to 3, cases to 1
    assert (7, "establishment_name") in found  # Mine North 2024 again
    assert (7, "total_hours_worked") in found  # 180,000 hours a worker
    message = str(caught.value)
    assert "ita.csv" in message and "row 4, column total_dafw_cases" in message and "nothing was imported" in message


def test_missing_columns_are_named_on_the_header_row():
    with pytest.raises(ImportProblems) as caught:
        parse_denominators(b"enterprise_id,total_deaths,total_dafw_cases\nE1,0,1\n", "x.csv")
    found = {(p.row, p.column) for p in caught.value.problems}
    assert {(1, "year"), (1, "workers"), (1, "total_djtr_cases"), (1, "total_other_cases")} <= found


def test_hours_estimated_from_headcount_are_flagged():
    text = "bin;year;workers;hours;region;union\n050740004819;2025;100;;KZ-ALA;yes\n050740004819;2024;100;150000;KZ-ALA;no\n"
    rows = parse_denominators(text.encode(), "d.csv")
    estimated, reported = rows
    assert estimated.hours == 180_000 and estimated.hours_estimated
    assert reported.hours == 150_000 and not reported.hours_estimated
    assert parse_denominators(text.encode(), "d.csv", hours_per_worker=2000)[0].hours == 200_000
    frame = denominators_frame(rows)
    assert frame["union"].tolist() == [True, False] and frame["region"].tolist() == ["KZ-ALA", "KZ-ALA"]


def test_bin_column_is_checked():
    with pytest.raises(ImportProblems) as caught:
        parse_denominators(b"bin,year,workers\n123456789012,2024,10\n", "d.csv")
    assert caught.value.problems[0].column == "bin"


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 99))
def test_numbers_read_with_decimal_comma_or_point(whole, cents):
    assert parse_number(str(whole)) == whole
    assert parse_number(f"{whole}.{cents:02d}") == pytest.approx(whole + cents / 100)
    assert parse_number(f"{whole},{cents:02d}") == pytest.approx(whole + cents / 100)
    grouped = f"{whole:,}".replace(",", " ")
    assert parse_number(grouped) == whole


def test_ambiguous_and_bad_numbers_are_refused():
    for text, reason in (("1,500", "ambiguous"), ("abc", "not a number"), ("2.5", "whole"), ("-3", "minimum")):
        with pytest.raises(ValueError, match=reason):
            parse_number(text, integer=reason == "whole")


ACCIDENTS = """accident_id,date,enterprise_id,outcome,days_lost,sex,age_band,isco08,employment_status,cause,esaw_deviation,esaw_contact,esaw_agent,union_present,region
A1,2025-02-03,E1,serious,40,m,25-34,8111,employee,worn_equipment,41,60,10,no,KZ-KAR
A1,03.02.2025,E1,light,5,m,35-44,8111,contractor,worn_equipment,41,40,10,no,KZ-KAR
A2,2025-03-10,E2,fatal,0,f,45-54,9313,employee,employer_negligence,51,30,02,yes,KZ-ALA
"""


def test_accident_layout_gives_cases_and_group_flags():
    frame = parse_accidents(ACCIDENTS.encode(), "acc.csv", today=date(2026, 1, 1))
    assert len(frame) == 3 and frame["cases"].sum() == 3
    assert frame["group"].tolist() == [True, True, False]
    assert frame["year"].tolist() == [2025, 2025, 2025]
    assert frame["union"].tolist() == [False, False, True]
    assert frame.loc[2, "esaw_agent"] == "02"


def test_accident_layout_errors_name_row_and_column():
    bad = ACCIDENTS + "A2,2025-03-11,E2,minor,x,q,20-30,88888,boss,luck,47,91,55,maybe,\nA3,2030-01-01,E3,light,,,,,,,,,,,\n"
    with pytest.raises(ImportProblems) as caught:
        parse_accidents(bad.encode(), "acc.csv", today=date(2026, 1, 1))
    found = {(p.row, p.column) for p in caught.value.problems}
    expected = {(5, c) for c in ("outcome", "days_lost", "sex", "age_band", "isco08", "employment_status", "cause",
                                 "esaw_contact", "esaw_agent", "union_present", "accident_id")}
    assert expected <= found
    assert (6, "date") in found  # in the future
    assert (5, "esaw_deviation") not in found  # 47 is in group 40


establishment = st.tuples(st.integers(1, 5000), st.integers(1, 10**7), st.integers(0, 5), st.integers(0, 50),
                          st.integers(0, 50), st.integers(0, 200))


@settings(max_examples=40, deadline=None)
@given(st.lists(establishment, min_size=1, max_size=12), st.sampled_from([",", ";"]))
def test_any_valid_300a_file_round_trips(rows, delimiter):
    header = ["establishment_name", "year_filing_for", "annual_average_employees", "total_hours_worked",
              "total_deaths", "total_dafw_cases", "total_djtr_cases", "total_other_cases"]
    lines = [delimiter.join(header)]
    for i, (workers, hours, deaths, dafw, djtr, other) in enumerate(rows):
        hours = min(hours, workers * 8000)  # keep hours a worker plausible
        lines.append(delimiter.join(map(str, [f"Site {i}", 2024, workers, hours, deaths, dafw, djtr, other])))
    parsed = parse_denominators(("\n".join(lines) + "\n").encode(), "f.csv")
    assert len(parsed) == len(rows)
    for got, (workers, hours, deaths, dafw, djtr, other) in zip(parsed, rows, strict=True):
        hours = min(hours, workers * 8000)
        assert got.trir == pytest.approx((deaths + dafw + djtr + other) * 200_000 / hours)
        assert got.dart == pytest.approx((dafw + djtr) * 200_000 / hours)
