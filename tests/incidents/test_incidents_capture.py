"""Capture-recapture on published worked examples, record linkage across sources, the concealment ratio.

Published figures used here (all reproduced by the R package Rcapture, Baillargeon & Rivest 2007, J Stat
Softw 19(5); its tests/testPapersResults.R and examples list the data and the published numbers):

- Seber (1982), The Estimation of Animal Abundance, 2nd ed., p. 107: two samples, 167 seen in both, 781 only in
  the first, 254 only in the second. Lincoln-Petersen / log-linear model Mt: N = 2389.9, SE 130.4.
- Cormack, Chang & Smith (2000), "Estimating deaths from industrial injury by capture-recapture: a cautionary
  tale", Int J Epidemiol 29:1053-1059, Table 3b, three lists, capture histories 111..001 =
  72, 5, 29, 54, 24, 3, 14. Independence: N = 209, deviance 75.1 on 3 df, 95% profile interval 203-217;
  with [2,3]: deviance 1.2 on 2 df, lower limit 210; with [1,2][2,3]: deviance 0.6 on 1 df; with [1,3][2,3]:
  N = 233 on 1 df, lower limit 204; saturated: deviance 0 on 0 df.
- Darroch et al. (1993) three-list data R3 (72, 155, 7, 71, 13, 53, 43) as analysed by Rivest (2011):
  saturated N = 1240 (SE 451); with [1,2][2,3]: N = 850 (SE 186), deviance 3.8 on 1 df.
- Bruno et al. (1994) diabetes, four lists (58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10),
  Rivest (2011): all two-way interactions but [1,4]: N = 2771 (SE 145), deviance 7.62 on 5 df;
  [1,3][2,4][3,4]: N = 2472 (SE 53), deviance 21.97 on 7 df.
"""

from __future__ import annotations

import itertools
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from qorgau.incidents.engine import capture_recapture as cr


def histories(t: int) -> list[tuple[int, ...]]:
    """Capture histories in Rcapture's histpos.t order (111..., then 110..., ..., 0...01)."""
    rows = [(1, 1), (1, 0), (0, 1)]
    for i in range(3, t + 1):
        rows = [(1, *r) for r in rows] + [(1,) + (0,) * (i - 1)] + [(0, *r) for r in rows]
    return rows


def table(counts: list[int]) -> tuple[dict, list[str]]:
    t = int(np.log2(len(counts) + 1))
    return dict(zip(histories(t), counts, strict=True)), [f"c{i}" for i in range(1, t + 1)]


CORMACK_3B = [72, 5, 29, 54, 24, 3, 14]
DARROCH_R3 = [72, 155, 7, 71, 13, 53, 43]
BRUNO_DIABETES = [58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10]


def test_chapman_on_seber_two_sample_example():
    n1, n2, m = 167 + 781, 167 + 254, 167
    estimate = cr.chapman(n1, n2, m)
    assert estimate.observed == 1202
    assert estimate.estimate == pytest.approx(949 * 422 / 168 - 1)  # 2382.80, just below Lincoln-Petersen
    assert estimate.se ** 2 == pytest.approx(949 * 422 * 781 * 254 / (168 ** 2 * 169))
    assert estimate.extra["lincoln_petersen"] == pytest.approx(2389.9, abs=0.05)
    assert estimate.observed < estimate.ci_low < estimate.estimate < estimate.ci_high
    # Chao's log-normal interval is asymmetric: longer above than below.
    assert estimate.ci_high - estimate.estimate > estimate.estimate - estimate.ci_low


def test_two_source_loglinear_is_seber_lincoln_petersen():
    estimate = cr.loglinear({(1, 1): 167, (1, 0): 781, (0, 1): 254}, ["first", "second"])
    assert round(estimate.estimate, 1) == 2389.9 and round(estimate.se, 1) == 130.4
    assert estimate.df == 0


def test_chapman_validates_its_input():
    with pytest.raises(cr.CaptureRecaptureError, match="overlap"):
        cr.chapman(10, 5, 6)
    with pytest.raises(cr.CaptureRecaptureError):
        cr.chapman(-1, 5, 0)
    nobody_unseen = cr.chapman(10, 10, 10)
    assert nobody_unseen.estimate == pytest.approx(10) and nobody_unseen.ci_low == 10


@pytest.mark.parametrize("interactions,estimate,deviance,df,low,high", [
    ([], 209, 75.1, 3, 203, 217),
    ([("c2", "c3")], None, 1.2, 2, 210, None),
    ([("c1", "c2"), ("c2", "c3")], None, 0.6, 1, None, None),
    ([("c1", "c3"), ("c2", "c3")], 233, None, 1, 204, None),
    ([("c1", "c2"), ("c1", "c3"), ("c2", "c3")], None, 0.0, 0, None, None),
])
def test_cormack_industrial_deaths_three_lists(interactions, estimate, deviance, df, low, high):
    counts, sources = table(CORMACK_3B)
    fit = cr.loglinear(counts, sources, interactions)
    assert fit.observed == 201 and fit.df == df
    if estimate is not None:
        assert round(fit.estimate) == estimate
    if deviance is not None:
        assert round(fit.deviance, 1) == deviance
    if low is not None:
        assert round(fit.ci_low) == low
    if high is not None:
        assert round(fit.ci_high) == high
    assert fit.interval.startswith("multinomial profile likelihood")
    assert fit.ci_low <= fit.estimate <= fit.ci_high


def test_darroch_r3_published_estimates():
    counts, sources = table(DARROCH_R3)
    saturated = cr.loglinear(counts, sources, [("c1", "c2"), ("c1", "c3"), ("c2", "c3")], profile=False)
    assert (round(saturated.estimate), round(saturated.se)) == (1240, 451)
    two = cr.loglinear(counts, sources, [("c1", "c2"), ("c2", "c3")], profile=False)
    assert (round(two.estimate), round(two.se), round(two.deviance, 1), two.df) == (850, 186, 3.8, 1)


def test_bruno_diabetes_four_lists_published_estimates():
    counts, sources = table(BRUNO_DIABETES)
    pairs = [p for p in itertools.combinations(sources, 2) if p != ("c1", "c4")]
    bruno = cr.loglinear(counts, sources, pairs, profile=False)
    assert (round(bruno.estimate), round(bruno.se), round(bruno.deviance, 2), bruno.df) == (2771, 145, 7.62, 5)
    rivest = cr.loglinear(counts, sources, [("c1", "c3"), ("c2", "c4"), ("c3", "c4")], profile=False)
    assert (round(rivest.estimate), round(rivest.se), round(rivest.deviance, 2), rivest.df) == (2472, 53, 21.97, 7)


def test_aic_selection_on_cormack_picks_the_well_fitting_model():
    counts, sources = table(CORMACK_3B)
    best, fits = cr.select_loglinear(counts, sources)
    assert len(fits) == 8  # every subset of the three two-way interactions
    assert best.aic == pytest.approx(min(f.aic for f in fits))
    assert best.model == "c1 + c2 + c3 + c2:c3" and round(best.deviance, 1) == 1.2
    # The cautionary tale: the independence model fits badly and understates the total.
    independence = next(f for f in fits if f.model == "c1 + c2 + c3")
    assert independence.estimate < best.ci_low


def test_loglinear_recovers_a_known_total_from_three_independent_sources():
    rng = np.random.default_rng(2024)
    true_n, p = 1000, np.array([0.5, 0.35, 0.25])
    seen = rng.random((true_n, 3)) < p
    seen = seen[seen.any(axis=1)]
    patterns = pd.DataFrame(seen.astype(int), columns=["employer", "speaks", "hospital"]).value_counts()
    frame = patterns.rename("count").reset_index()
    fit = cr.loglinear(frame, ["employer", "speaks", "hospital"])
    assert fit.ci_low < true_n < fit.ci_high
    assert abs(fit.estimate - true_n) < 3 * fit.se


def test_pattern_table_errors_are_explained():
    with pytest.raises(cr.CaptureRecaptureError, match="count"):
        cr.loglinear(pd.DataFrame({"a": [1], "b": [0]}))
    with pytest.raises(cr.CaptureRecaptureError, match="no source"):
        cr.loglinear(pd.DataFrame({"a": [0, 1], "b": [0, 1], "count": [3, 4]}))
    with pytest.raises(cr.CaptureRecaptureError, match="interaction"):
        cr.loglinear({(1, 1): 5, (1, 0): 3, (0, 1): 2}, ["a", "b"], [("a", "z")])


def records() -> pd.DataFrame:
    """Three sources; true events: e1 (all three), e2 (group accident, 2 victims), e3 (hospital only)."""
    rows = [
        # e1: one worker, seen by the employer, Worker Speaks one day later (sex unknown), the hospital.
        ("employer", "BIN1", "2025-03-03", "m", "25-34", "serious"),
        ("speaks", "BIN1", "2025-03-04", None, "25-34", "serious"),
        ("hospital", "BIN1", "2025-03-03", "m", "25-34", "serious"),
        # e2: a group accident with two victims, both reported by the employer and the hospital.
        ("employer", "BIN2", "2025-05-10", "m", "35-44", "light"),
        ("employer", "BIN2", "2025-05-10", "f", "45-54", "light"),
        ("hospital", "BIN2", "2025-05-10", "f", "45-54", "serious"),
        ("hospital", "BIN2", "2025-05-10", "m", "35-44", "light"),
        # e3: hospital only; the employer's record of BIN1 ten days later is another event.
        ("hospital", "BIN3", "2025-06-01", "f", "55-64", "fatal"),
        ("employer", "BIN1", "2025-03-14", "m", "25-34", "light"),
        # a Worker Speaks report about BIN3 on the same day but a man: not the same case.
        ("speaks", "BIN3", "2025-06-01", "m", "55-64", "fatal"),
    ]
    return pd.DataFrame(rows, columns=["source", "enterprise_id", "event_date", "sex", "age_band", "severity"])


def test_linkage_finds_the_same_case_across_sources():
    linked = cr.link_records(records())
    cluster = linked["cluster"].tolist()
    assert cluster[0] == cluster[1] == cluster[2]  # e1 in three sources
    assert linked.loc[2, "link"] == "exact" and linked.loc[1, "link"] == "fuzzy"
    assert cluster[3] == cluster[6] and cluster[4] == cluster[5] and cluster[3] != cluster[4]  # two victims
    assert len({cluster[7], cluster[8], cluster[9], cluster[0]}) == 4
    assert linked["cluster"].nunique() == 6
    counts = cr.pattern_counts(linked, ["employer", "speaks", "hospital"])
    got = {tuple(r[:3]): r[3] for r in counts.itertuples(index=False)}
    assert got == {(1, 1, 1): 1, (1, 0, 1): 2, (1, 0, 0): 1, (0, 1, 0): 1, (0, 0, 1): 1}


def test_linkage_window_and_required_columns():
    frame = records()
    strict = cr.link_records(frame, cr.LinkageRules(date_window_days=0))
    assert strict.loc[1, "cluster"] != strict.loc[0, "cluster"]  # one day apart is now too far
    with pytest.raises(ValueError, match="event_date"):
        cr.link_records(frame.drop(columns=["event_date"]))
    broken = frame.copy()
    broken.loc[4, "event_date"] = "soon"
    with pytest.raises(ValueError, match="row"):
        cr.link_records(broken)


def test_dates_written_day_first_link_as_the_day_they_name():
    """'01.04.2024' is 1 April (kk/ru usage), read by the core's date parser: a day after '31.03.2024', so the two
    sources' records are one case; read month first it would be 4 January, 87 days away, and two cases."""
    frame = pd.DataFrame({"source": ["employer", "hospital"], "enterprise_id": ["E1", "E1"],
                          "event_date": ["31.03.2024", "01.04.2024"], "sex": ["m", "m"]})
    linked = cr.link_records(frame)
    assert linked.loc[0, "cluster"] == linked.loc[1, "cluster"]
    stored = frame.assign(event_date=[date(2024, 3, 31), pd.Timestamp("2024-04-01")])
    assert cr.link_records(stored)["cluster"].nunique() == 1


def test_concealment_ratio_against_a_target():
    counts, sources = table(CORMACK_3B)
    best, _ = cr.select_loglinear(counts, sources)
    registered = 72 + 5 + 29 + 54  # list 1
    result = cr.concealment(best, registered, target=1.2)
    assert result["ratio"] == pytest.approx(best.estimate / 160)
    assert result["ci_low"] == pytest.approx(best.ci_low / 160)
    assert result["meets_target"] is False and result["significantly_above_target"] is True
    assert cr.concealment(best, registered, target=2.0)["meets_target"] is True
    with pytest.raises(cr.CaptureRecaptureError):
        cr.concealment(best, 0)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_chapman_interval_brackets_the_estimate_and_never_falls_below_observed(a, b, m):
    n1, n2 = a + m, b + m
    estimate = cr.chapman(n1, n2, m)
    assert estimate.observed == a + b + m
    assert estimate.observed <= estimate.ci_low <= estimate.estimate + 1e-9 <= estimate.ci_high + 2e-9


def test_records_of_one_source_are_never_linked():
    frame = records()
    frame["source"] = "employer"
    assert cr.link_records(frame)["cluster"].nunique() == len(frame)


def test_six_sources_use_forward_selection():
    rng = np.random.default_rng(6)
    seen = rng.random((800, 6)) < np.array([0.3, 0.25, 0.2, 0.2, 0.15, 0.1])
    seen = seen[seen.any(axis=1)]
    names = [f"s{i}" for i in range(6)]
    frame = pd.DataFrame(seen.astype(int), columns=names).value_counts().rename("count").reset_index()
    best, fits = cr.select_loglinear(frame, names)
    assert len(fits) < len(cr.candidate_interactions(6))  # not all 32,768 subsets
    assert best.ci_low < 800 < best.ci_high


# Hepatitis A, Taiwan 1995: three lists (P, Q, E), Chao, Tsay, Lin, Shau & Chao (2001), Stat Med 20:3123.
HEPATITIS_A = [(1, 1, 1, 28), (1, 1, 0, 21), (1, 0, 1, 17), (1, 0, 0, 69), (0, 1, 1, 18), (0, 1, 0, 55),
               (0, 0, 1, 63)]


def test_default_model_is_testable_and_the_spread_warns(tmp_path):
    from qorgau.incidents.cli import app as cli_app

    frame = pd.DataFrame(HEPATITIS_A, columns=["p", "q", "e", "count"])
    _best, fits = cr.select_loglinear(frame, ["p", "q", "e"])
    saturated = min(fits, key=cr.aic_of)
    assert saturated.df == 0 and round(saturated.estimate) == 1313  # what plain AIC would have chosen
    path = tmp_path / "hepatitis.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(cli_app, ["capture-recapture", str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["estimate"]["df"] >= 1 and round(out["estimate"]["estimate"]) == 527
    assert out["estimate"]["model"] == "p + q + e + p:q + q:e"
    spread = out["spread"]
    assert [round(x) for x in spread["testable_range"]] == [388, 527]
    assert spread["untestable"][0]["df"] == 0 and round(spread["high"]) == 1313
    assert spread["ratio"] == pytest.approx(saturated.estimate / out["estimate"]["estimate"])
    assert any("disagree by a factor of 2.49" in w for w in out["warnings"])
    assert any("no testable model fits" in w for w in out["warnings"])
    assert all(m["testable"] == (m["df"] >= 1) for m in out["models"])


def test_pattern_table_cells_read_by_the_core_parser_and_a_blank_count_refused_with_its_cell(tmp_path):
    from qorgau.incidents.cli import app

    path = tmp_path / "patterns.csv"
    path.write_text('employer,hospital,count\n1,1,"1 200"\n1,0,300\n0,1,250\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["capture-recapture", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["estimate"]["observed"] == 1750  # '1 200' is 1,200 cases
    path.write_text("employer,hospital,count\n1,1,1200\n1,0,300\n0,1,\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["capture-recapture", str(path)])
    assert result.exit_code == 1 and "row 4, column count" in result.stderr

