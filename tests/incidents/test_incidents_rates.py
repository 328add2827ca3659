"""Rates with named bases: hand-computed values, the JSON core of the CLI, pooling, shares, standardisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qorgau.incidents.engine import rates
from qorgau.incidents.engine.intervals import poisson_ci

KEYS = ["group", "cases", "exposure", "rate", "ci_low", "ci_high", "base"]


@pytest.fixture
def registry():
    """Three enterprises over two years, and their cases (one row per injured worker)."""
    exposure = pd.DataFrame({
        "enterprise_id": ["E1", "E2", "E3", "E1", "E2", "E3"],
        "year": [2024, 2024, 2024, 2025, 2025, 2025],
        "region": ["KZ-ALA", "KZ-ALA", "KZ-KAR", "KZ-ALA", "KZ-ALA", "KZ-KAR"],
        "sector": ["B", "C", "B", "B", "C", "B"],
        "union": [True, False, False, True, False, False],
        "workers": [1000.0, 500.0, 2000.0, 1000.0, 500.0, 2000.0],
        "hours": [1.8e6, 0.9e6, 3.6e6, 1.8e6, 0.9e6, 3.6e6],
    })
    cases = pd.DataFrame({
        "enterprise_id": ["E1", "E1", "E2", "E3", "E3", "E3", "E3", "E1"],
        "year": [2024, 2024, 2024, 2024, 2024, 2025, 2025, 2025],
        "outcome": ["light", "fatal", "serious", "light", "light", "fatal", "light", "light"],
        "days_lost": [10, 0, 40, 5, 7, 0, 12, 3],
        "cause": ["unsafe_act", "worn_equipment", "worn_equipment", "organisation", "unsafe_act",
                  "employer_negligence", "worn_equipment", "unsafe_act"],
    })
    return cases, exposure


def test_bases_are_named_with_their_multiplier_and_denominator():
    assert {name: (b.multiplier, b.denominator) for name, b in rates.BASES.items()} == {
        "per_1m_hours": (1_000_000, "hours"), "per_1000_workers": (1_000, "workers"),
        "per_100k_workers": (100_000, "workers"), "per_200k_hours": (200_000, "hours")}
    with pytest.raises(rates.RateError, match="per_1m_hours"):
        rates.get_base("per_million")


def test_rate_by_hand_for_every_base():
    # 9 cases, 4,000 workers, 7,200,000 hours.
    for base, expected in (("per_1m_hours", 9 / 7.2), ("per_1000_workers", 9 / 4), ("per_100k_workers", 225.0),
                           ("per_200k_hours", 9 * 200_000 / 7.2e6)):
        denominator = 7.2e6 if rates.BASES[base].denominator == "hours" else 4000
        rate, low, high = rates.rate_ci([9], [denominator], base)
        assert rate[0] == pytest.approx(expected)
        exact_low, exact_high = poisson_ci([9])
        assert low[0] == pytest.approx(exact_low[0] * rates.BASES[base].multiplier / denominator)
        assert high[0] == pytest.approx(exact_high[0] * rates.BASES[base].multiplier / denominator)


def test_rates_table_by_region_by_hand(registry):
    from scipy import stats

    cases, exposure = registry
    rows = rates.rates_table(cases, exposure, "region", "per_1000_workers")
    assert [list(r) for r in rows] == [KEYS, KEYS]
    almaty, karaganda = rows
    # KZ-ALA: cases of E1 and E2 = 4, workers summed over both years = 3,000.
    assert almaty["group"] == "KZ-ALA" and almaty["cases"] == 4 and almaty["exposure"] == 3000.0
    assert almaty["rate"] == pytest.approx(4 / 3000 * 1000)
    assert karaganda["cases"] == 4 and karaganda["exposure"] == 4000.0 and karaganda["rate"] == pytest.approx(1.0)
    low = stats.chi2.ppf(0.025, 8) / 2 / 4000 * 1000
    high = stats.chi2.ppf(0.975, 10) / 2 / 4000 * 1000
    assert (karaganda["ci_low"], karaganda["ci_high"]) == pytest.approx((low, high))
    assert all(isinstance(r["cases"], int) and isinstance(r["exposure"], float) for r in rows)
    assert {r["base"] for r in rows} == {"per_1000_workers"}


def test_fatal_severity_and_hours_base(registry):
    cases, exposure = registry
    rows = rates.rates_table(cases, exposure, "year", "per_1m_hours", severity="fatal")
    assert [(r["group"], r["cases"]) for r in rows] == [(2024, 1), (2025, 1)]
    assert rows[0]["rate"] == pytest.approx(1 / 6.3)  # 6.3 million hours in 2024


def test_enterprise_with_no_case_gets_a_zero_rate_row(registry):
    cases, exposure = registry
    rows = rates.rates_table(cases, exposure, ["enterprise", "year"], "per_1000_workers", severity="serious")
    by_group = {(r["group"]["enterprise_id"], r["group"]["year"]): r for r in rows}
    assert len(by_group) == 6
    zero = by_group[("E3", 2025)]
    assert zero["cases"] == 0 and zero["rate"] == 0.0 and zero["ci_low"] == 0.0
    assert zero["ci_high"] == pytest.approx(-np.log(0.025) / 2000 * 1000)


def test_case_attribute_slice_uses_the_enterprise_exposure(registry):
    cases, exposure = registry
    rows = rates.rates_table(cases, exposure, ["region", "cause"], "per_1000_workers")
    row = next(r for r in rows if r["group"] == {"region": "KZ-KAR", "cause": "unsafe_act"})
    assert row["cases"] == 1 and row["exposure"] == 4000.0


def test_cases_without_exposure_are_shown_not_dropped(registry):
    cases, exposure = registry
    extra = pd.concat([cases, pd.DataFrame({"enterprise_id": ["E9"], "year": [2024], "outcome": ["light"]})])
    rows = rates.rates_table(extra, exposure, "region", "per_1000_workers")
    unknown = [r for r in rows if r["group"] is None]
    assert unknown and unknown[0]["cases"] == 1 and unknown[0]["exposure"] == 0.0 and unknown[0]["rate"] is None
    assert sum(r["cases"] for r in rows) == len(extra)


def test_unknown_columns_and_severities_are_named(registry):
    cases, exposure = registry
    with pytest.raises(rates.RateError, match="size_band"):
        rates.rates_table(cases, exposure, "size_band", "per_1000_workers")
    with pytest.raises(rates.RateError, match="severity"):
        rates.rates_table(cases, exposure, "region", "per_1000_workers", severity="minor")


@st.composite
def units(draw):
    """Aggregated rows: a slice label, cases and positive exposure."""
    n = draw(st.integers(2, 30))
    labels = draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=n, max_size=n))
    cases = draw(st.lists(st.integers(0, 200), min_size=n, max_size=n))
    hours = draw(st.lists(st.floats(1.0, 1e7, allow_nan=False), min_size=n, max_size=n))
    return pd.DataFrame({"label": labels, "cases": cases, "hours": hours, "workers": [h / 1800 for h in hours]})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units(), st.sampled_from(list(rates.BASES)))
def test_merging_two_slices_gives_the_pooled_rate(frame, base):
    table = rates.grouped_rates(frame, "label", base)
    present = set(table["label"])
    if not {"A", "B"} <= present:
        return
    merged = rates.grouped_rates(frame.assign(label=frame["label"].replace({"B": "A"})), "label", base)
    got = merged[merged["label"] == "A"].iloc[0]
    expected = rates.pooled(rates.to_records(table[table["label"].isin(["A", "B"])], "label"), base)
    assert got["cases"] == expected["cases"]
    assert got["exposure"] == pytest.approx(expected["exposure"], rel=1e-12)
    for key in ("rate", "ci_low", "ci_high"):
        assert got[key] == pytest.approx(expected[key], rel=1e-9)
    # Slices partition the whole: their cases and exposure add up to the total.
    total = rates.grouped_rates(frame, None, base).iloc[0]
    assert table["cases"].sum() == total["cases"]
    assert table["exposure"].sum() == pytest.approx(total["exposure"], rel=1e-12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units(), st.sampled_from(list(rates.BASES)))
def test_interval_contains_the_point_estimate(frame, base):
    table = rates.grouped_rates(frame, "label", base)
    assert (table["ci_low"] <= table["rate"]).all()
    assert (table["rate"] <= table["ci_high"]).all()
    assert (table.loc[table["cases"] > 0, "ci_low"] < table.loc[table["cases"] > 0, "rate"]).all()


def test_severity_rate_by_hand(registry):
    cases, exposure = registry
    cube = rates.build_cube(exposure, cases, ["region"])
    table = rates.severity_rates(cube, "region", "per_1m_hours").set_index("region")
    # KZ-ALA: days 10 + 0 + 40 + 3 = 53 over 5.4 million hours; 4 cases.
    assert table.loc["KZ-ALA", "days_lost"] == 53
    assert table.loc["KZ-ALA", "severity_rate"] == pytest.approx(53 / 5.4)
    assert table.loc["KZ-ALA", "days_per_case"] == pytest.approx(53 / 4)
    half = 1.959963984540054 * np.sqrt(10 ** 2 + 40 ** 2 + 3 ** 2) / 5.4
    assert table.loc["KZ-ALA", "ci_high"] == pytest.approx(53 / 5.4 + half)


def test_share_without_union_matches_scipy(registry):
    from scipy import stats

    cases, exposure = registry
    cube = rates.build_cube(exposure, cases, ["union"])
    shares = rates.shares_table(cube, "union").set_index("union")
    # Cases at enterprises without a union: E2 (1) and E3 (4) = 5 of 8.
    assert shares.loc[False, "part"] == 5 and shares.loc[False, "total"] == 8
    exact = stats.binomtest(5, 8).proportion_ci(method="exact")
    assert (shares.loc[False, "ci_low"], shares.loc[False, "ci_high"]) == pytest.approx((exact.low, exact.high))
    seed_figure = rates.share(69, 100, "wilson")  # seed 002: 69% of accidents where there is no union
    assert seed_figure["share"] == 0.69 and seed_figure["ci_low"] < 0.69 < seed_figure["ci_high"]
    with pytest.raises(rates.RateError):
        rates.share(5, 4)


def test_direct_standardisation_by_hand():
    # Two regions, two sectors; the standard is the total exposure mix (60% B, 40% C).
    frame = pd.DataFrame({"region": ["R1", "R1", "R2", "R2"], "sector": ["B", "C", "B", "C"],
                          "cases": [8, 1, 2, 6], "workers": [1000.0, 1000.0, 2000.0, 1000.0],  # B 60%, C 40%
                          "hours": [0.0, 0.0, 0.0, 0.0]})
    table = rates.standardised_rates(frame, "region", "sector", "per_1000_workers").set_index("region")
    r1 = 0.6 * 8 / 1000 * 1000 + 0.4 * 1 / 1000 * 1000
    r2 = 0.6 * 2 / 2000 * 1000 + 0.4 * 6 / 1000 * 1000
    assert table.loc["R1", "rate"] == pytest.approx(r1) and table.loc["R2", "rate"] == pytest.approx(r2)
    assert table.loc["R1", "crude_rate"] == pytest.approx(9 / 2000 * 1000)
    assert (table["ci_low"] < table["rate"]).all() and (table["rate"] < table["ci_high"]).all()
    assert (table["coverage"] == 1.0).all()


def test_standardisation_with_a_missing_stratum_renormalises():
    frame = pd.DataFrame({"region": ["R1", "R1", "R2"], "sector": ["B", "C", "B"], "cases": [4, 2, 3],
                          "workers": [1000.0, 1000.0, 1000.0], "hours": [1.0, 1.0, 1.0]})
    table = rates.standardised_rates(frame, "region", "sector").set_index("region")
    # R2 has no sector C: it is standardised over B alone, which carries 2/3 of the standard weight.
    assert table.loc["R2", "coverage"] == pytest.approx(2 / 3)
    assert table.loc["R2", "rate"] == pytest.approx(3.0)


def test_trend_is_reexported():
    frame = pd.DataFrame({"year": [2020, 2021], "cases": [100, 50], "hours": [1e6, 1e6]})
    assert rates.poisson_trend(frame).slope == pytest.approx(np.log(0.5))


def test_ratio_of_nonfatal_to_fatal_with_exact_interval():
    from scipy import stats

    ratio, low, high = rates.ratio_ci(1200, 100)
    assert ratio == 12.0
    p = stats.binomtest(1200, 1300).proportion_ci(method="exact")
    assert low == pytest.approx(p.low / (1 - p.low)) and high == pytest.approx(p.high / (1 - p.high))


def test_exposure_must_be_one_row_per_enterprise_year(registry):
    cases, exposure = registry
    with pytest.raises(rates.RateError, match="repeated"):
        rates.rates_table(cases, pd.concat([exposure, exposure.iloc[:1]]), "region")
    broken = exposure.copy()
    broken.loc[2, "workers"] = np.nan
    with pytest.raises(rates.RateError, match="workers is missing"):
        rates.rates_table(cases, broken, "region")


def test_concept_2030_targets():
    from qorgau.incidents.engine.targets import fatal_rate_vs_target, nonfatal_to_fatal, target_for

    assert target_for({2024: 0.035, 2030: 0.023}, 2027) == pytest.approx(0.029)
    assert target_for({2024: 0.035, 2030: 0.023}, 2035) == 0.023
    # Seeds: about 200 deaths a year; with 6.5 million workers that is 0.0308 per 1,000 in 2025.
    check = fatal_rate_vs_target(200, 6_500_000, 2025)
    assert check["rate"] == pytest.approx(200 / 6500) and check["target"] == pytest.approx(0.033)
    assert check["meets_target"] and check["ci_low"] < check["rate"] < check["ci_high"]
    ratio = nonfatal_to_fatal(1000, 200, 2024)
    assert ratio["ratio"] == 5.0 and not ratio["meets_target"] and ratio["significantly_below_target"]
