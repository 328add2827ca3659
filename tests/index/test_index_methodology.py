"""Methodology YAML: the minimal form with defaults, the shipped v1, and errors that name what is wrong."""

from __future__ import annotations

import math

import pytest

from qorgau.index.methodology import (
    SOURCES,
    MethodologyError,
    default_methodology,
    parse_methodology,
)

MINIMAL = """
aggregation: arithmetic          # or geometric
indicators:
  - id: fatal_rate               # a column of the CSV
    direction: lower_is_better   # or higher_is_better
    normalisation: minmax        # or zscore, rank
    weight: 2
  - id: training
    direction: higher_is_better
    weight: 1
"""


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(MethodologyError) as caught:
        parse_methodology(text)
    return caught.value.problems


def test_minimal_form_gets_the_documented_defaults():
    m = parse_methodology(MINIMAL)
    assert m.version.startswith("sha256:") and len(m.version) == len("sha256:") + 12
    assert [p.id for p in m.pillars] == ["index"]
    fatal, training = m.indicators
    assert (fatal.id, fatal.direction, fatal.weight, fatal.pillar) == ("fatal_rate", "lower_is_better", 2.0, "index")
    assert training.normalisation.method == "minmax"
    assert training.outliers.method == "none"
    assert training.missing.method == "exclude"
    assert m.aggregation.method == "arithmetic" and m.aggregation.floor == 1.0
    assert m.min_coverage == 0.5 and m.ties == "min"
    assert m.effective_weights() == pytest.approx({"fatal_rate": 2 / 3, "training": 1 / 3})


def test_version_names_the_text_so_a_changed_file_gets_a_new_name():
    assert parse_methodology(MINIMAL).version == parse_methodology(MINIMAL).version
    assert parse_methodology(MINIMAL).version != parse_methodology(MINIMAL.replace("weight: 2", "weight: 3")).version
    assert parse_methodology("version: '2.1'\n" + MINIMAL).version == "2.1"


def test_v1_has_the_indicators_of_issue_8_in_pillars_with_three_languages():
    m = default_methodology()
    assert m.version == "1.0"
    ids = set(m.indicator_ids)
    for needed in ("fatal_injury_rate", "serious_injury_rate", "violation_closure_rate", "overdue_rate",
                   "repeat_violation_rate", "speaks_response_rate", "inspectors_per_100_workers", "safety_committee",
                   "training_coverage", "equipment_renewal", "exposure_exceedance_rate", "social_audit_score",
                   "union_presence", "ca_safety_clauses"):
        assert needed in ids
    assert len(m.pillars) >= 4
    for item in [*m.pillars, *m.indicators]:
        assert item.label.en and item.label.kk and item.label.ru, item.id
        assert item.rationale.en and item.rationale.kk and item.rationale.ru, item.id
    for indicator in m.indicators:
        assert indicator.source in SOURCES
        assert indicator.unit.kk and indicator.period.ru
    assert math.isclose(sum(m.effective_weights().values()), 1.0)
    assert m.uncertainty.runs == 1000 and len(m.uncertainty.aggregation) == 2


def test_every_option_parses_with_parameters():
    m = parse_methodology("""
version: "x"
aggregation: {method: geometric, floor: 5}
min_coverage: 0.75
ties: average
defaults: {outliers: {method: quantile, lower: 0.05, upper: 0.95}, missing: median}
pillars:
  - {id: a, weight: 3, label: {en: A, ru: А, kk: А}}
  - {id: b}
indicators:
  - {id: x1, pillar: a, direction: higher_is_better, normalisation: {method: zscore, centre: 40, scale: 10}}
  - {id: x2, pillar: a, direction: lower_is_better, normalisation: {method: goalposts, worst: 9, best: 1},
     missing: {method: value, value: 9}, valid_range: [0, 10]}
  - {id: x3, pillar: b, direction: lower_is_better, normalisation: {method: distance_to_target, target: 2},
     outliers: {method: skew_kurtosis, transform: none, max_points: 2}, missing: {method: group_median, group: Region}}
uncertainty:
  weights: {method: dirichlet, concentration: 20}
  normalisation: [nominal, rank]
  aggregation: nominal
  imputation: [nominal, worst, pillar_mean]
  runs: 50
""")
    x1, x2, x3 = m.indicators
    assert (m.aggregation.method, m.aggregation.floor, m.min_coverage, m.ties) == ("geometric", 5.0, 0.75, "average")
    assert (x1.normalisation.centre, x1.normalisation.scale) == (40.0, 10.0)
    assert x1.outliers.method == "quantile" and x1.outliers.upper == 0.95 and x1.missing.method == "median"
    assert (x2.normalisation.worst, x2.normalisation.best, x2.missing.value, x2.valid_range) == (9, 1, 9, (0, 10))
    assert x3.missing.group == "region" and x3.outliers.max_points == 2
    assert m.effective_weights() == pytest.approx({"x1": 0.375, "x2": 0.375, "x3": 0.25})
    assert m.uncertainty.aggregation == ("nominal",) and m.uncertainty.weights.concentration == 20


@pytest.mark.parametrize(("text", "where", "words"), [
    ("indicators:\n  - {id: a, direction: up}\n", "indicator 'a' (#1).direction", "not one of"),
    ("indicators:\n  - {id: a}\n", "indicator 'a' (#1).direction", "required"),
    ("indicators:\n  - {id: a, direction: lower_is_better, weight: -1}\n", "indicator 'a' (#1).weight", "positive"),
    ("indicators:\n  - {id: a, direction: lower_is_better, weight: heavy}\n", "indicator 'a' (#1).weight", "number"),
    ("indicators:\n  - {id: a, direction: lower_is_better, wieght: 2}\n", "indicator 'a' (#1)", "unknown key 'wieght'"),
    ("indicators:\n  - {id: a, direction: lower_is_better, normalisation: log}\n",
     "indicator 'a' (#1).normalisation.method", "not one of"),
    ("indicators:\n  - {id: a, direction: lower_is_better, normalisation: distance_to_target}\n",
     "indicator 'a' (#1).normalisation.target", "needs a target"),
    ("indicators:\n  - {id: a, direction: lower_is_better, normalisation: {method: goalposts, worst: 0, best: 5}}\n",
     "indicator 'a' (#1).normalisation", "contradict the direction"),
    ("indicators:\n  - {id: a, direction: lower_is_better, normalisation: {method: goalposts, best: 5}}\n",
     "indicator 'a' (#1).normalisation", "both worst and best"),
    ("indicators:\n  - {id: a, direction: lower_is_better, missing: value}\n",
     "indicator 'a' (#1).missing.value", "needs a value"),
    ("indicators:\n  - {id: a, direction: lower_is_better, missing: {method: impute}}\n",
     "indicator 'a' (#1).missing.method", "not one of"),
    ("indicators:\n  - {id: a, direction: lower_is_better, outliers: {method: quantile, lower: 0.9, upper: 0.1}}\n",
     "indicator 'a' (#1).outliers", "lower < upper"),
    ("indicators:\n  - {id: a, direction: lower_is_better, outliers: skew_kurtosis,"
     " normalisation: {method: goalposts, worst: 5, best: 0}}\n",
     "indicator 'a' (#1).outliers.transform", "log transform"),
    ("indicators:\n  - {id: a, direction: lower_is_better, valid_range: [5, 1]}\n",
     "indicator 'a' (#1).valid_range", "low < high"),
    ("indicators:\n  - {id: a, direction: lower_is_better}\n  - {id: a, direction: lower_is_better}\n",
     "indicator 'a' (#2).id", "duplicate"),
    ("indicators:\n  - {direction: lower_is_better}\n", "indicators[0].id", "needs an id"),
    ("indicators: []\n", "indicators", "non-empty"),
    ("indicators:\n  - {id: a, direction: lower_is_better, pillar: p}\n", "indicator 'a' (#1).pillar", "not declared"),
    ("pillars: [{id: p}, {id: q}]\nindicators:\n  - {id: a, direction: lower_is_better, pillar: r}\n",
     "indicator 'a' (#1).pillar", "not one of the declared pillars"),
    ("pillars: [{id: p}, {id: q}]\nindicators:\n  - {id: a, direction: lower_is_better, pillar: p}\n",
     "pillar 'q'", "has no indicators"),
    ("aggregation: harmonic\nindicators:\n  - {id: a, direction: lower_is_better}\n", "aggregation.method",
     "not one of"),
    ("aggregation: {method: geometric, floor: 0}\nindicators:\n  - {id: a, direction: lower_is_better}\n",
     "aggregation.floor", "between"),
    ("min_coverage: 1.5\nindicators:\n  - {id: a, direction: lower_is_better}\n", "methodology.min_coverage",
     "between"),
    ("uncertainty: {normalisation: [nominal, softmax]}\nindicators:\n  - {id: a, direction: lower_is_better}\n",
     "uncertainty.normalisation", "'softmax' not among"),
    ("uncertainty: {weights: {method: uniform, spread: 2}}\nindicators:\n  - {id: a, direction: lower_is_better}\n",
     "uncertainty.weights.spread", "between"),
    ("indicators:\n  - {id: a, direction: lower_is_better, label: {ru: Только}}\n", "indicator 'a' (#1).label.en",
     "English"),
])
def test_errors_say_which_indicator_and_field(text, where, words):
    found = problems_of(text)
    assert any(w == where and words in message for w, message in found), found


def test_all_problems_are_reported_at_once_and_error_is_a_value_error():
    with pytest.raises(ValueError) as caught:
        parse_methodology("indicators:\n  - {id: a, direction: up, weight: 0}\n  - {id: b, direction: down}\n")
    text = str(caught.value)
    assert "indicator 'a' (#1).direction" in text and "indicator 'a' (#1).weight" in text
    assert "indicator 'b' (#2).direction" in text


def test_bad_yaml_names_line_and_column():
    found = problems_of("indicators:\n  - id: a\n    direction: [lower\n")
    assert found[0][0].startswith("line ") and "not valid YAML" in found[0][1]


def test_not_a_mapping():
    assert problems_of("- just\n- a list\n")[0][0] == "file"


def test_version_1_2_names_a_real_source_for_every_indicator_with_texts_in_three_languages():
    from pathlib import Path

    from qorgau.index import methodology, sources

    folder = Path(methodology.__file__).with_name("methodology")
    older, m = methodology.load_methodology(folder / "v1_1.yaml"), methodology.load_methodology(folder / "v1_2.yaml")
    assert m.version == "1.2" and m.coverage_of == "available" and m.indicator_ids == older.indicator_ids
    expected = {"training_coverage": "training", "social_audit_score": "audits", "equipment_renewal": "equipment",
                "ca_safety_clauses": "agreements"}
    for indicator in m.indicators:
        assert indicator.source in sources.READERS and indicator.source in SOURCES
        assert indicator.label.kk and indicator.label.ru and indicator.unit.kk and indicator.unit.ru
        assert indicator.rationale.kk and indicator.rationale.ru and indicator.period.kk and indicator.period.ru
        if indicator.id in expected:
            assert indicator.source == expected[indicator.id]
        else:  # everything else is as in 1.1
            assert indicator == older.indicator(indicator.id)
    clauses = m.indicator("ca_safety_clauses")
    assert clauses.valid_range == (0.0, 100.0) and clauses.missing.method == "exclude"
    assert m.effective_weights() == older.effective_weights()
