"""Panel validation: typed columns, period parsing, and errors that name the row and column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.risk.panel import PanelError, read_panel, validate


def _table(**extra) -> pd.DataFrame:
    base = {"entity_id": ["a", "a", "b", "b"], "period": ["2024-01", "2024-02", "2024-01", "2024-02"],
            "workers": ["10", "12", "100", "100"], "cases": ["0", "1", "2", "0"]}
    base.update(extra)
    return pd.DataFrame(base)


def _problems(error: PanelError) -> set[tuple[int, str]]:
    return {(p.row, p.column) for p in error.problems}


def test_valid_panel_is_typed_and_sorted():
    panel = validate(_table(sector=["C", "C", "B", "B"], violations=["1", "", "3,5", "4"])[::-1])
    frame = panel.frame
    assert panel.periods == ["2024-01", "2024-02"]
    assert panel.features == ["violations"]
    assert panel.groups == ["sector"]
    assert frame["entity_id"].tolist() == ["a", "a", "b", "b"]
    assert frame["period_index"].tolist() == [0, 1, 0, 1]
    assert frame["cases"].dtype == np.int64 and frame["cases"].tolist() == [0, 1, 2, 0]
    assert np.isnan(frame.loc[1, "violations"]) and frame.loc[2, "violations"] == 3.5  # blank -> NaN, decimal comma


def test_month_gaps_stay_gaps_and_integer_periods_are_consecutive():
    months = validate(_table(period=["2024-01", "2024-03", "2024-01", "2024-03-15"]))
    assert months.periods == ["2024-01", "2024-02", "2024-03"]
    assert months.frame["period_index"].tolist() == [0, 2, 0, 2]
    integers = validate(_table(period=["7", "9", "7", "9"]))
    assert integers.periods == ["7", "9"] and integers.frame["period_index"].tolist() == [0, 1, 0, 1]


def test_errors_name_row_and_column():
    table = _table(workers=["10", "0", "x", "100"], cases=["0", "-1", "1.5", ""], noise=["1", "2", "high", "3"])
    with pytest.raises(PanelError) as caught:
        validate(table)
    assert _problems(caught.value) == {(3, "workers"), (4, "workers"), (3, "cases"), (4, "cases"), (5, "cases"),
                                       (4, "noise")}
    text = str(caught.value)
    assert "row 4, column noise: 'high' is not a number" in text
    assert "row 3, column workers: '0' workers: the headcount must be above zero." in text


def test_missing_columns_duplicates_and_bad_periods():
    with pytest.raises(PanelError) as caught:
        validate(_table().drop(columns=["cases"]))
    assert _problems(caught.value) == {(1, "cases")}
    with pytest.raises(PanelError) as caught:
        validate(_table(period=["2024-01", "2024-01", "2024-01", "2024-02"]))
    assert _problems(caught.value) == {(3, "period")}
    assert "first on row 2" in str(caught.value)
    with pytest.raises(PanelError) as caught:
        validate(_table(period=["2024-01", "Jan", "2024-01", "2024-02"]))
    assert _problems(caught.value) == {(3, "period")}


def test_read_panel_semicolon_csv(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_text("entity_id;period;workers;cases;gross\nA;1;10;0;1,5\nA;2;10;1;0\n", encoding="utf-8")
    panel = read_panel(path)
    assert panel.frame["gross"].tolist() == [1.5, 0.0]
    path.write_bytes(b"entity_id;period\n\x98;1\n")  # 0x98: no character in UTF-8 or Windows-1251
    with pytest.raises(PanelError, match="neither UTF-8, UTF-16 nor Windows-1251"):
        read_panel(path)
    path.write_text("entity_id,period,workers,cases\nA,1,10,0\nA,2,10,1\n", encoding="cp1251")
    assert len(read_panel(path).frame) == 2  # the one reader: any delimiter and encoding it states


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=8))
def test_feature_numbers_round_trip_through_text(values):
    n = len(values)
    table = pd.DataFrame({"entity_id": [f"e{i}" for i in range(n)], "period": ["1"] * n, "workers": ["5"] * n,
                          "cases": ["0"] * n, "x": [repr(v) for v in values]})
    panel = validate(table)
    got = panel.frame.set_index("entity_id").loc[[f"e{i}" for i in range(n)], "x"].to_numpy()
    assert np.allclose(got, values, rtol=0, atol=0)


def test_numbers_and_markers_read_as_every_file_reads_them():
    """The core's number parser and missing markers: '1 200,5' reads, ':' and '-' are missing (never zero), and
    '1,500' (1.5 or 1500 depending on the locale) is refused with its row rather than read as 1.5."""
    panel = validate(_table(workers=["1 200,5", "12", "100", "100"], violations=[":", "-", "2,5", "n/a"]))
    frame = panel.frame.set_index(["entity_id", "period"])
    assert frame.loc[("a", "2024-01"), "workers"] == 1200.5 and frame.loc[("b", "2024-01"), "violations"] == 2.5
    assert frame["violations"].isna().sum() == 3
    with pytest.raises(PanelError) as caught:
        validate(_table(workers=["10", "1,500", "100", "100"]))
    assert _problems(caught.value) == {(3, "workers")}
