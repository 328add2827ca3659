"""Every file command reads a number one way (the core's `parse_number`): a decimal comma and a space as the
thousands separator read alike everywhere, an ambiguous '1,500' is refused with its row, never read as 1.5."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from qorgau.core.imports.cells import CellError, parse_number

runner = CliRunner()


@pytest.mark.parametrize(("text", "value"), [("1 234,5", 1234.5), ("1234,5", 1234.5), ("1,234.5", 1234.5),
                                             ("12", 12.0), ("0,001", 0.001), ("0,250", 0.25)])
def test_the_core_parser_on_the_cells_below(text, value):
    assert parse_number(text) == value
    with pytest.raises(CellError):
        parse_number("1,500")  # 1.5 in kk/ru usage, 1500 in English; '0,250' has no such second reading


def test_monitoring_readings_read_decimal_commas_and_refuse_an_ambiguous_number(tmp_path):
    from qorgau.monitoring.cli import app

    path = tmp_path / "readings.csv"
    rows = ["sensor_id;ts;value;unit"] + [f"co;2004-03-10T{h:02d}:00:00Z;{v};mg/m3"
                                          for h, v in enumerate(["2,5", "1 002,0", ":", "1,5"])]
    path.write_bytes("\n".join(rows).encode("cp1251"))
    result = runner.invoke(app, ["exposure", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)[0]
    assert record["ceiling_max"] == 1002.0 and record["missing_readings"] == 1
    path.write_text("sensor_id,ts,value\nco,2004-03-10T00:00:00Z,\"1,500\"\n", encoding="utf-8")
    result = runner.invoke(app, ["exposure", str(path), "--format", "json"])
    assert result.exit_code != 0 and "row 2" in result.output and "ambiguous" in result.output


def test_employment_read_with_decimal_commas_from_a_cp1251_file(tmp_path):
    from qorgau.aiwork.cli import app

    path = tmp_path / "занятость.csv"
    path.write_bytes("isco08;employed;region\n8111;1 234,5;Карагандинская область\n7112;10,5;35\n".encode("cp1251"))
    result = runner.invoke(app, ["exposure", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["employed"] == pytest.approx(1245.0)
    path.write_bytes("isco08;employed\n8111;1,500\n".encode("cp1251"))
    result = runner.invoke(app, ["exposure", str(path), "--format", "json"])
    assert result.exit_code == 2 and "line 2" in result.output and "1,500" in result.output


def test_index_indicators_read_alike_and_markers_are_missing_not_zero():
    from qorgau.index import engine
    from qorgau.index.methodology import parse_methodology

    method = parse_methodology("""
aggregation: arithmetic
indicators:
  - {id: x1, direction: higher_is_better, weight: 1, normalisation: minmax}
""")
    data = pd.DataFrame({"entity_id": ["A", "B", "C", "D"], "x1": ["1 234,5", "1,234.5", ":", "-200"]})
    prepared = engine.prepare(data, method)
    assert prepared.raw[:, 0][:2].tolist() == [1234.5, 1234.5] and np.isnan(prepared.raw[2, 0])
    assert prepared.raw[3, 0] == -200  # a number is a number: the index takes no UCI marker
    data["x1"] = ["1", "2", "1,500", "3"]
    with pytest.raises(engine.DataError) as caught:
        engine.prepare(data, method)
    assert caught.value.problems[0][:2] == (4, "x1") and "ambiguous" in caught.value.problems[0][2]

