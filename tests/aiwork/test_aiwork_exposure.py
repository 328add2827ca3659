"""Employment tables computed by hand, including 1-, 2- and 3-digit codes, and bad input reported by row."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.aiwork import employment, exposure, reference
from qorgau.aiwork.gradients import CLASSES, COLUMNS

# 24 has 11 unit groups: 3 = 2411 2412 2431 2433 2434; 4 = 2413; 2 = 2421 2423 2424 2432; minimal = 2422.
# 143 = 1431 (minimal) + 1439 (unscored); 721 = five unit groups, all not exposed; 0 = three, all unscored.
HAND = pd.DataFrame({
    "isco08": ["2411", "4110", "24", "143", "721", "0"],
    "employed": ["100", "50", "110", "40", "25", "9"],
    "sex": ["female", "female", "male", "male", "female", "male"],
})


def _row(result: pd.DataFrame, **group) -> dict:
    mask = pd.Series(True, index=result.index)
    for key, value in group.items():
        mask &= result[key] == value
    assert mask.sum() == 1
    return result[mask].iloc[0].to_dict()


def test_hand_computed_equal_split():
    table = employment.validate(HAND, dims=["sex"])
    total = _row(exposure.aggregate(table))
    assert total["employed"] == 334
    expected = {"not_exposed": 25, "minimal": 30, "1": 0, "2": 40, "3": 150, "4": 60, "unscored": 29}
    assert {c: pytest.approx(total[c]) for c in COLUMNS} == expected
    by_sex = exposure.aggregate(table, by=["sex"])
    female, male = _row(by_sex, sex="female"), _row(by_sex, sex="male")
    assert {c: female[c] for c in COLUMNS} == pytest.approx(
        {"not_exposed": 25, "minimal": 0, "1": 0, "2": 0, "3": 100, "4": 50, "unscored": 0})
    assert {c: male[c] for c in COLUMNS} == pytest.approx(
        {"not_exposed": 0, "minimal": 30, "1": 0, "2": 40, "3": 50, "4": 10, "unscored": 29})
    assert female["share_exposed"] == pytest.approx(150 / 175)


def test_hand_computed_split_by_the_tables_own_detail():
    # 24 goes wholly to 2411 (the only 24xx row); 143, 721 and 0 have no detail, so they split equally.
    table = employment.validate(HAND, dims=["sex"])
    total = _row(exposure.aggregate(table, split="table"))
    assert {c: total[c] for c in COLUMNS} == pytest.approx(
        {"not_exposed": 25, "minimal": 20, "1": 0, "2": 0, "3": 210, "4": 50, "unscored": 29})


def test_hand_computed_reference_split():
    table = employment.validate(pd.DataFrame({"isco08": ["24"], "employed": [110.0]}))
    total = _row(exposure.aggregate(table, split="reference", reference_counts={"2413": 3, "2422": 1}))
    assert total["4"] == pytest.approx(82.5) and total["minimal"] == pytest.approx(27.5)


def test_mean_score_is_weighted_over_scored_jobs():
    table = employment.validate(pd.DataFrame({"isco08": ["2411", "4110", "143"], "employed": [100, 50, 40]}))
    result = exposure.aggregate(table)
    # 2411: 0.51, 4110: 0.60, 143 -> 20 jobs in 1431 (0.32) and 20 unscored jobs left out.
    assert result.loc[0, "mean_score"] == pytest.approx((100 * 0.51 + 50 * 0.60 + 20 * 0.32) / 170)


def test_records_have_the_cli_shape():
    table = employment.validate(HAND, dims=["sex"])
    records = exposure.to_records(exposure.aggregate(table, by=["sex"]), ["sex"])
    assert [r["group"] for r in records] == [{"sex": "female"}, {"sex": "male"}]
    assert set(records[0]) == {"group", "employed", "by_gradient", "unscored"}
    assert list(records[0]["by_gradient"]) == ["not_exposed", "minimal", "1", "2", "3", "4"]
    assert records[1]["unscored"] == 29.0


def test_unknown_codes_and_bad_counts_are_reported_with_row_and_column():
    raw = pd.DataFrame({"isco08": ["2411", "9999", "24x", "", "0110", "2411 "],
                        "employed": ["1", "x", "-3", "2", "inf", "1 200"]},
                       index=pd.RangeIndex(2, 8))
    with pytest.raises(employment.EmploymentInputError) as caught:
        employment.validate(raw)
    found = {(p.row, p.column, p.value) for p in caught.value.problems}
    assert found == {(3, "isco08", "9999"), (3, "employed", "x"), (4, "isco08", "24x"), (4, "employed", "-3"),
                     (5, "isco08", ""), (6, "employed", "inf")}
    assert "row 3, column isco08: '9999' is not an ISCO-08 code" in str(caught.value)


def test_missing_column_is_reported():
    with pytest.raises(employment.EmploymentInputError) as caught:
        employment.validate(pd.DataFrame({"isco08": ["2411"]}), dims=["region"])
    assert {(p.row, p.column) for p in caught.value.problems} == {("header", "employed"), ("header", "region")}


def test_dimension_values_are_normalised_or_reported():
    raw = pd.DataFrame({"isco08": ["2411"] * 5, "employed": [1] * 5,
                        "region": ["750000000", "751110000", "990000000", "75", "unknown"],
                        "sector": ["k", "62.01", "6201", "Z", "A"],
                        "sex": ["Ж", "ер", "f", "x", "male"]})
    with pytest.raises(employment.EmploymentInputError) as caught:
        employment.validate(raw, dims=["region", "sector", "sex"])
    # "75" is the 2-digit KATO prefix of Almaty city, accepted like the 9-digit code.
    assert {(p.row, p.column) for p in caught.value.problems} == {(2, "region"), (3, "sector"), (3, "sex")}
    ok = employment.validate(raw.drop(index=[2, 3]), dims=["region", "sector", "sex"])
    assert list(ok["region"]) == ["750000000", "750000000", "unknown"]
    assert list(ok["sector"]) == ["K", "J", "A"]
    assert list(ok["sex"]) == ["female", "male", "male"]


def test_read_table_numbers_rows_by_file_line(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("isco08,employed\n2411,10\n7777,5\n", encoding="utf-8")
    with pytest.raises(employment.EmploymentInputError) as caught:
        employment.validate(employment.read_table(path))
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "isco08")]


def test_read_table_xlsx(tmp_path):
    path = tmp_path / "e.xlsx"
    pd.DataFrame({"isco08": ["0110", "2411"], "employed": [3, 4]}).to_excel(path, index=False)
    table = employment.validate(employment.read_table(path))
    assert list(table["isco08"]) == ["0110", "2411"]  # leading zero kept: read as text


def test_top_occupations_and_sector_ranking():
    raw = pd.DataFrame({"isco08": ["4110", "2411", "7212", "4132"], "employed": [10, 30, 100, 20],
                        "sector": ["K", "K", "C", "J"]})
    table = employment.validate(raw, dims=["sector"])
    top = exposure.top_occupations(table, n=2)
    assert list(top["isco08"]) == ["2411", "4132"]
    ranked = exposure.rank_groups(table, "sector")
    assert list(ranked["sector"]) == ["J", "K", "C"]
    assert ranked.loc[0, "share_selected"] == 1.0 and ranked.loc[2, "share_selected"] == 0.0


def test_gender_gap_ratios():
    raw = pd.DataFrame({"isco08": ["4132", "7212", "4132", "7212"], "employed": [30, 70, 10, 90],
                        "sex": ["female", "female", "male", "male"]})
    gap = exposure.gender_gap(employment.validate(raw, dims=["sex"]))
    assert gap.loc[0, "female_share_4"] == pytest.approx(0.3)
    assert gap.loc[0, "male_share_4"] == pytest.approx(0.1)
    assert gap.loc[0, "ratio_4"] == pytest.approx(3.0)


def test_split_weights_rows_sum_to_one_and_cover_only_children():
    weights = employment.split_weights("equal")
    assert weights.matrix.shape == (619, 436)
    assert abs(weights.matrix.sum(axis=1) - 1).max() < 1e-12
    row = weights.matrix[weights.row_of()["143"]]
    assert {weights.units[i]: row[i] for i in row.nonzero()[0]} == {"1431": 0.5, "1439": 0.5}


ALL_CODES = sorted(reference.isco_titles().index)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ALL_CODES), st.floats(0, 1e6, allow_nan=False),
                          st.sampled_from(["female", "male"]), st.sampled_from(["A", "C", "K"])),
                min_size=1, max_size=40),
       st.sampled_from(["equal", "table"]))
def test_totals_are_conserved_across_splits_and_groupings(rows, split):
    raw = pd.DataFrame(rows, columns=["isco08", "employed", "sex", "sector"])
    table = employment.validate(raw, dims=["sex", "sector"])
    total = float(raw["employed"].sum())
    for by in ([], ["sex"], ["sector", "sex"]):
        result = exposure.aggregate(table, by=by, split=split)
        parts = result[list(CLASSES)].sum(axis=1) + result["unscored"]
        assert parts.to_numpy() == pytest.approx(result["employed"].to_numpy(), rel=1e-9, abs=1e-6)
        assert result["employed"].sum() == pytest.approx(total, rel=1e-9, abs=1e-6)
    units = exposure.occupations(table, split=split)
    assert units["employed"].sum() == pytest.approx(total, rel=1e-9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="0123456789x ", min_size=0, max_size=5), min_size=1, max_size=20))
def test_every_bad_code_is_reported_at_its_row(codes):
    raw = pd.DataFrame({"isco08": codes, "employed": ["1"] * len(codes)})
    known = set(ALL_CODES)
    bad_rows = {i for i, c in enumerate(codes) if c.strip() not in known}
    if not bad_rows:
        assert len(employment.validate(raw)) == len(codes)
        return
    with pytest.raises(employment.EmploymentInputError) as caught:
        employment.validate(raw)
    assert {p.row for p in caught.value.problems} == bad_rows


def test_free_dimensions_enterprise_and_age_band_and_their_crossing():
    raw = pd.DataFrame({"isco08": ["4132", "4132", "7212", "24"], "employed": [10, 5, 20, 11],
                        "enterprise": ["BIN 1", "BIN 2", " BIN 1 ", "BIN 2"],
                        "age_band": ["15-24", "25-54", "25-54", "55+"]})
    table = employment.validate(raw, dims=["enterprise", "age_band"])
    result = exposure.aggregate(table, by=["enterprise", "age_band"])
    assert len(result) == 4
    one = _row(result, enterprise="BIN 1", age_band="25-54")
    assert one["not_exposed"] == 20 and one["employed"] == 20
    by_enterprise = exposure.aggregate(table, by=["enterprise"])
    assert _row(by_enterprise, enterprise="BIN 2")["4"] == pytest.approx(5 + 1)
    blank = raw.assign(enterprise=["BIN 1", "", "BIN 1", "BIN 2"])
    with pytest.raises(employment.EmploymentInputError) as caught:
        employment.validate(blank, dims=["enterprise"])
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "enterprise")]
