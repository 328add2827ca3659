"""Employment tables as users have them: US SOC codes (BLS OEWS), KATO prefixes and region names."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from qorgau.aiwork import reference
from qorgau.aiwork.cli import app

runner = CliRunner()
OEWS = Path(__file__).parents[1] / "data" / "public" / "bls_oews_national_may2021_soc47.csv"


def _independent_soc_total() -> tuple[float, float]:
    """Detailed OEWS rows whose SOC code the BLS crosswalk maps to ISCO-08, computed with pandas alone."""
    frame = pd.read_csv(OEWS, dtype=str)
    detailed = frame[frame["O_GROUP"] == "detailed"].copy()
    detailed["n"] = pd.to_numeric(detailed["TOT_EMP"].str.replace(",", ""), errors="coerce")
    pairs = pd.read_csv(reference.DATA / "bls_isco08_soc2010.csv", dtype=str)
    matched = detailed["OCC_CODE"].isin(set(pairs["soc2010"]))
    return float(detailed.loc[matched, "n"].sum()), float(detailed.loc[~matched, "n"].sum() / detailed["n"].sum())


def test_soc_codes_are_refused_only_where_the_crosswalk_has_no_match(tmp_path):
    result = runner.invoke(app, ["exposure", str(OEWS), "--format", "json"])
    assert result.exit_code == 2
    assert "'47-5022'" in result.output and "line 89" in result.output  # SOC 2018 codes changed since 2010


def test_soc_employment_goes_through_the_crosswalk_with_the_split_stated():
    result = runner.invoke(app, ["exposure", str(OEWS), "--format", "json", "--unmatched", "drop"])
    assert result.exit_code == 0, result.output
    total, unmatched_share = _independent_soc_total()
    records = json.loads(result.stdout)
    assert records[0]["employed"] == pytest.approx(total, rel=1e-12)
    assert "split equally across several ISCO-08 codes" in result.stderr
    assert f"({unmatched_share:.1%} of employment)" in result.stderr and "44 subtotal rows left out" in result.stderr


@pytest.mark.parametrize("region", ["35", "351010000", "Karaganda Region", "Карагандинская область",
                                    "Қарағанды облысы", "Qaraghandy"])
def test_region_as_prefix_code_or_name(tmp_path, region):
    path = tmp_path / "employment.csv"
    path.write_text(f"isco08,employed,region\n8111,120,{region}\n8111,30,Nur-Sultan\n8111,5,75\n", encoding="utf-8")
    result = runner.invoke(app, ["exposure", str(path), "--by", "region", "--format", "json"])
    assert result.exit_code == 0, result.output
    groups = {r["group"]["region"]: r["employed"] for r in json.loads(result.stdout)}
    assert groups == {"350000000": 120.0, "710000000": 30.0, "750000000": 5.0}


def test_unknown_region_is_named_with_its_line(tmp_path):
    path = tmp_path / "employment.csv"
    path.write_text("isco08,employed,region\n8111,120,Atlantis\n8111,1,99\n", encoding="utf-8")
    result = runner.invoke(app, ["exposure", str(path), "--by", "region", "--format", "json"])
    assert result.exit_code == 2 and "line 2" in result.output and "line 3" in result.output
    assert "2-digit prefix" in result.output


def test_russian_and_kazakh_column_names(tmp_path):
    path = tmp_path / "занятость.csv"
    path.write_bytes("Код занятия;Численность занятых;Регион\n8111;1 200,5;71\n7112;300;Карагандинская область\n".encode("cp1251"))
    result = runner.invoke(app, ["exposure", str(path), "--by", "region", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {r["group"]["region"]: r["employed"] for r in json.loads(result.stdout)} == {"710000000": 1200.5,
                                                                                    "350000000": 300.0}
    path.write_text("кәсіп коды,жұмыспен қамтылғандар,өңір\n8111,10,Қарағанды облысы\n", encoding="utf-8")
    result = runner.invoke(app, ["exposure", str(path), "--by", "region", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["employed"] == 10.0
