"""The ILO 2025 gradient rule reproduces every published label; boundary cases behave as documented."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from qorgau.aiwork import gradients, reference

DATA = Path(reference.__file__).parent / "data"


def _published() -> list[dict]:
    with (DATA / "ilo_genai_scores.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_rule_reproduces_all_427_published_labels():
    rows = _published()
    assert len(rows) == 427
    means = np.array([float(r["mean_2025"]) for r in rows])
    sds = np.array([float(r["sd_2025"]) for r in rows])
    expected = [gradients.ILO_LABELS[r["label_2025"]] for r in rows]
    predicted = list(gradients.gradient(means, sds))
    mismatches = [(r["isco08"], e, p) for r, e, p in zip(rows, expected, predicted, strict=True) if e != p]
    assert mismatches == []


def test_published_class_counts():
    counts = {label: 0 for label in gradients.ILO_LABELS}
    for row in _published():
        counts[row["label_2025"]] += 1
    assert counts == {"Not Exposed": 231, "Minimal Exposure": 84, "Exposed: Gradient 1": 17,
                      "Exposed: Gradient 2": 44, "Exposed: Gradient 3": 38, "Exposed: Gradient 4": 13}


@pytest.mark.parametrize(("mean", "sd", "expected"), [
    (0.70, 0.03, "4"),            # 4132 data entry clerks
    (0.60, 0.10, "4"),            # 4110: mean - SD exactly 0.5
    (0.58, 0.08, "3"),            # 4414: mean below 0.6
    (0.63, 0.20, "3"),            # mean >= 0.6 but mean - SD < 0.5
    (0.50, 0.10, "3"),            # 2433
    (0.41, 0.09, "2"),            # mean + SD exactly 0.5
    (0.40, 0.06, "minimal"),      # 1223: mean 0.4 but mean + SD < 0.5
    (0.39, 0.11, "1"),            # 2351
    (0.28, 0.23, "1"),
    (0.27, 0.13, "minimal"),      # 1311: float sum is exactly 0.4
    (0.36, 0.04, "not_exposed"),  # 1213: float sum is 0.39999999999999997
    (0.29, 0.11, "not_exposed"),  # 3134, 3152
    (0.10, 0.05, "not_exposed"),
])
def test_boundaries(mean, sd, expected):
    assert gradients.gradient(mean, sd) == expected


def test_decimal_boundary_cases_are_the_float_artefacts():
    scores = reference.ilo_scores()
    for code, cls in gradients.DECIMAL_BOUNDARY_CASES.items():
        mean, sd = scores.loc[code, "mean_2025"], scores.loc[code, "sd_2025"]
        assert round(mean + sd, 10) == 0.4 and mean + sd < 0.4
        assert gradients.ILO_LABELS[scores.loc[code, "label_2025"]] == cls


def test_unscored_unit_groups_are_reported_not_guessed():
    classes = gradients.occupation_classes()
    assert len(classes) == 436
    unscored = sorted(classes[classes == "unscored"].index)
    assert unscored == ["0110", "0210", "0310", "1439", "3139", "3435", "5249", "7319", "8189"]


def test_explain_names_the_condition():
    assert "Gradient 4" in gradients.explain(0.6, 0.1)
    assert "mean-SD 0.50" in gradients.explain(0.6, 0.1)
    assert "Not Exposed" in gradients.explain(0.1, 0.05)


def test_class_rank_orders_classes():
    ranks = [gradients.class_rank(c) for c in gradients.CLASSES]
    assert ranks == sorted(ranks) and gradients.class_rank("unscored") == -1
