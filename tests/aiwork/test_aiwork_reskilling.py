"""Reskilling ranking checked against the similarity definition, on toy matrices and on real occupations."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qorgau.aiwork import reference, reskilling
from qorgau.aiwork.gradients import class_rank, occupation_classes

DATA = Path(reference.__file__).parent / "data"


def _skills_from_file() -> tuple[dict[str, list[float]], set[str], list[str]]:
    """The shipped skill file read with the csv module, independently of the package's loaders."""
    with (DATA / "onet_skill_importance_isco08.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        names = [c for c in reader.fieldnames if c not in ("isco08", "n_soc", "n_onet", "imputed")]
        vectors, imputed = {}, set()
        for row in reader:
            vectors[row["isco08"]] = [float(row[n]) for n in names]
            if row["imputed"] == "1":
                imputed.add(row["isco08"])
    return vectors, imputed, names


def test_cosine_toy():
    skills = pd.DataFrame([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]], index=["a", "b", "c"])
    sim = reskilling.cosine_matrix(skills, centre=np.zeros(2))
    assert sim.loc["a", "b"] == pytest.approx(1 / math.sqrt(2))
    assert sim.loc["a", "c"] == pytest.approx(0.0)
    assert sim.loc["b", "b"] == pytest.approx(1.0)


def test_dawson_toy_by_hand():
    # RCA: a=(15/11)[1,1,.2], b=(15/7)[1,.2,.2], c=(15/11)[.2,1,1], d=(15/7)[.2,.2,1] -> effective use
    # a={0,1}, b={0}, c={1,2}, d={2}; theta = [[1,.5,0],[.5,1,.5],[0,.5,1]].
    skills = pd.DataFrame([[5, 5, 1], [5, 1, 1], [1, 5, 5], [1, 1, 5]], index=list("abcd"), dtype=float)
    theta = reskilling.complementarity(reskilling.rca(skills).to_numpy() >= 1)
    assert theta == pytest.approx(np.array([[1, 0.5, 0], [0.5, 1, 0.5], [0, 0.5, 1]]))
    sim = reskilling.dawson_matrix(skills)
    assert sim.loc["a", "b"] == pytest.approx(0.75)
    assert sim.loc["a", "d"] == pytest.approx(0.25)
    assert sim.loc["b", "d"] == pytest.approx(0.0)
    assert sim.loc["a", "a"] == pytest.approx(0.75)
    assert np.allclose(sim.to_numpy(), sim.to_numpy().T)


def _expected_ranking(source: str, top: int) -> list[str]:
    """Re-derive the default ranking from the module docstring's definition."""
    from scipy.spatial.distance import cosine as scipy_cosine_distance

    vectors, imputed, _names = _skills_from_file()
    measured = [v for code, v in vectors.items() if code not in imputed]
    centre = [sum(col) / len(measured) for col in zip(*measured, strict=True)]

    def centred(code):
        return [x - c for x, c in zip(vectors[code], centre, strict=True)]

    scores = reference.ilo_scores()["mean_2025"]
    classes = occupation_classes()
    src_mean, src_rank = scores[source], class_rank(classes[source])
    level = reskilling.skill_level
    ranked = []
    for code in vectors:
        if code == source or code.startswith("0") or code in imputed or code not in scores.index:
            continue
        if not class_rank(classes[code]) < src_rank or level(code) < level(source):
            continue
        similarity = 1 - scipy_cosine_distance(centred(source), centred(code))
        reduction = max(0.0, src_mean - scores[code]) / src_mean
        ranked.append((0.7 * max(similarity, 0) + 0.2 * reduction) / 0.9)
        ranked[-1] = (round(ranked[-1], 12), code)
    ranked.sort(key=lambda t: (-t[0], t[1]))
    return [code for _, code in ranked[:top]]


@pytest.mark.parametrize("source", ["4110", "2411", "4311", "5244"])
def test_ranking_matches_the_definition(source):
    result = reskilling.rank_targets(source, top=8)
    assert [p.isco08 for p in result.pathways] == _expected_ranking(source, 8)
    assert result.weights == {"similarity": pytest.approx(0.7 / 0.9, abs=1e-4),
                              "exposure": pytest.approx(0.2 / 0.9, abs=1e-4), "demand": 0.0}


def test_targets_respect_exposure_and_skill_level_rules():
    result = reskilling.rank_targets("4110", top=50)
    assert result.pathways
    for p in result.pathways:
        assert class_rank(p.exposure_class) < class_rank("4")
        assert p.skill_level >= 2 and not p.skills_imputed
    welders = reskilling.rank_targets("7212", top=10)
    assert all(p.exposure_class == "not_exposed" for p in welders.pathways)


def test_skill_gaps_use_the_margin_and_names():
    vectors, _imputed, names = _skills_from_file()
    gaps = reskilling.skill_gaps("4110", "3411", margin=0.25)
    expected = sorted(((t - s, n) for n, s, t in zip(names, vectors["4110"], vectors["3411"], strict=True)
                       if t - s >= 0.25 - 1e-9), key=lambda g: -g[0])
    assert [g.skill for g in gaps] == [n for _, n in expected]
    assert all(g.skill in reskilling.SKILL_LABELS for g in gaps)
    assert all(g.gap == pytest.approx(g.target - g.source, abs=1e-3) for g in gaps)


def test_demand_changes_weights_and_can_reorder():
    base = reskilling.rank_targets("4110", top=5)
    target = base.pathways[-1].isco08
    demand = pd.Series({target: 1_000_000.0, base.pathways[0].isco08: 1.0})
    with_demand = reskilling.rank_targets("4110", top=5, employment_by_unit=demand)
    assert with_demand.weights["demand"] == pytest.approx(0.1)
    assert with_demand.pathways[0].isco08 == target
    assert with_demand.pathways[0].demand == 1.0


def test_errors_for_unusable_sources():
    with pytest.raises(reskilling.ReskillingError):
        reskilling.rank_targets("24")
    with pytest.raises(reskilling.ReskillingError):
        reskilling.rank_targets("0110")
    with pytest.raises(reskilling.ReskillingError):
        reskilling.rank_targets("4110", method="jaccard")


def test_dawson_method_runs_on_real_data():
    result = reskilling.rank_targets("2411", top=5, method="dawson")
    sims = reskilling.similarity_matrix("dawson")
    assert len(result.pathways) == 5
    for p in result.pathways:
        assert p.similarity == pytest.approx(sims.loc["2411", p.isco08], abs=1e-4)
