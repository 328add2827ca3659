"""Real logger files through `monitoring exposure`: hourly data, declared units, missing markers, negatives."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from qorgau.monitoring.cli import app
from qorgau.monitoring.units import UnitError, canonical_unit, convert

runner = CliRunner()
NO2_MW = 46.01


def _hourly(path, sensor, values, unit=None, start_hour=0):
    lines = ["sensor_id,ts,value" + (",unit" if unit else "")]
    for i, value in enumerate(values):
        day, hour = divmod(start_hour + i, 24)
        lines.append(f"{sensor},2004-03-{10 + day:02d}T{hour:02d}:00:00Z,{value}" + (f",{unit}" if unit else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(*args):
    result = runner.invoke(app, ["exposure", *map(str, args), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_hourly_data_infers_the_interval_and_counts_hours_as_measured(tmp_path):
    values = [2.6, 2.0, 2.2, 2.2, 1.6, 1.2, 1.2, 1.0, 0.9, 0.6, 0.7, 1.1]  # CO, mg/m3, hourly
    out = _run(_hourly(tmp_path / "co.csv", "AirQualityUCI.co", values, "mg/m3"))[0]
    assert out["interval_s"] == 3600 and out["max_gap_s"] == 5400
    # Step weighting: the best 8-hour window is the first 8 hours, each reading standing for its hour.
    best = max(sum(values[i:i + 8]) / 8 for i in range(len(values) - 7))
    assert out["twa_8h"] == pytest.approx(best, rel=1e-5) and out["twa_8h"] > 0
    assert out["twa_8h_measured_share"] == 1.0 and out["measured_share"] == 1.0
    # A 15-minute window inside one hour holds one reading: STEL max = the largest hourly value.
    assert out["stel_max"] == pytest.approx(max(values[:-1])) and out["ceiling_max"] == max(values)


def test_too_little_measured_time_gives_null_and_a_warning_never_zero(tmp_path):
    out = _run(_hourly(tmp_path / "co.csv", "co", [3.0, 4.0, 5.0], "mg/m3"))[0]  # 2 measured hours of 8
    assert out["twa_8h"] is None and out["stel_max"] == 4.0
    assert any("twa_8h is null" in w and "75%" in w for w in out["warnings"])
    out = _run(_hourly(tmp_path / "co.csv", "co", [3.0, 4.0, 5.0], "mg/m3"), "--min-measured", "0.25")[0]
    assert out["twa_8h"] == pytest.approx((3 + 4) / 8) and out["twa_8h_measured_share"] == pytest.approx(0.25)


def test_unit_is_never_taken_from_the_sensor_name(tmp_path):
    values = [40, 90, 120, 150, 60] * 4  # NO2 in ug/m3, hourly
    path = _hourly(tmp_path / "no2.csv", "station.no2", values)
    out = _run(path)[0]
    assert out["unit"] is None and out["minutes_over_stel"] is None and out["stel_limit"] is None
    assert any("no unit" in w for w in out["warnings"])


def test_unit_column_converts_the_limit_with_the_stated_molar_volume(tmp_path):
    values = [40, 90, 1900, 150, 60] * 4
    out = _run(_hourly(tmp_path / "no2.csv", "station.no2", values, "µg/m³"))[0]
    # EU IOELV STEL for NO2 is 1 ppm: 1 x 46.01 / 24.45 mg/m3 = 1,881.8 ug/m3 (not 1 ug/m3).
    assert out["unit"] == "ug/m3" and out["stel_limit"] == pytest.approx(1000 * NO2_MW / 24.45)
    assert out["molar_volume_l_per_mol"] == 24.45
    # Each 1,900 hour: 45 minutes of windows wholly inside it, plus the edges where the 15-minute average of
    # (1,900, neighbour) still exceeds the limit: entering after 90, leaving into 150.
    limit = 1000 * NO2_MW / 24.45
    edges = 15 * (limit - 90) / (1900 - 90), 15 * (1900 - limit) / (1900 - 150)
    assert out["minutes_over_stel"] == pytest.approx(4 * (45 + (15 - edges[0]) + edges[1]), rel=1e-4)
    same = _run(_hourly(tmp_path / "no2b.csv", "station.no2", values), "--unit", "ug/m3")[0]
    assert same["stel_limit"] == out["stel_limit"]


def test_missing_markers_and_negatives_are_missing_and_do_not_cost_the_hour_before(tmp_path):
    values = [2.0, 3.0, -200, 4.0, "", 5.0, "n/a", 6.0, -1.5, 7.0, ":", 8.0, "x", 9.0, "–", 10.0, 11.0]
    out = _run(_hourly(tmp_path / "co.csv", "co", values, "mg/m3"), "--min-measured", "0")[0]
    assert out["missing_readings"] == 7 and out["negative_readings"] == 1
    valid = np.array([v if isinstance(v, float) and v >= 0 else np.nan for v in values], dtype=float)
    # Each valid reading but the last stands for its hour; the hours starting at a missing reading are unmeasured.
    measured_hours = int(np.sum(~np.isnan(valid[:-1])))
    assert out["measured_share"] == pytest.approx(measured_hours / (len(values) - 1))
    assert out["ceiling_max"] == 11.0
    sums = [np.nansum(valid[i:i + 8]) / 8 for i in range(len(values) - 8)]
    assert out["twa_8h"] == pytest.approx(max(sums), rel=1e-5) and out["twa_8h"] > 0


def test_bad_unit_names_are_refused():
    assert canonical_unit("мг/м³") == "mg/m3" and canonical_unit("dB(A)") == "dBA"
    assert canonical_unit("°C WBGT") == "degC WBGT" and canonical_unit("%LEL") == "%LEL"
    assert convert(1.0, "ppm", "ppb") == 1000.0 and convert(1000.0, "ug/m3", "mg/m3", 46.01) == pytest.approx(1.0)
    with pytest.raises(UnitError):
        canonical_unit("furlongs")
    with pytest.raises(UnitError):
        convert(1.0, "dBA", "ppm")


def test_an_unknown_unit_option_is_an_error(tmp_path):
    result = runner.invoke(app, ["exposure", str(_hourly(tmp_path / "co.csv", "co", [1, 2])), "--unit", "bananas"])
    assert result.exit_code == 2 and "unknown unit" in result.output
