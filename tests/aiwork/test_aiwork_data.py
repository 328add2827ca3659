"""Shipped data: consistent codes, attribution files present, size small, lenses convert via the crosswalk."""

from __future__ import annotations

import pandas as pd
import pytest

from qorgau.aiwork import reference


def test_files_are_small_and_attributed():
    files = list(reference.DATA.iterdir())
    assert sum(f.stat().st_size for f in files) < 2_000_000
    provenance = (reference.DATA / "PROVENANCE.md").read_text(encoding="utf-8")
    for needle in ("ILO Working Paper 140", "CC BY 4.0", "O*NET", "public domain", "Nesta", "ESCO", "MIT",
                   "Frey", "Felten"):
        assert needle in provenance


def test_codes_are_valid_isco08_unit_groups():
    units = set(reference.unit_groups())
    assert len(units) == 436
    assert set(reference.ilo_scores().index) <= units and len(reference.ilo_scores()) == 427
    assert set(reference.skill_table().index) <= units
    assert set(reference.crosswalk()["isco08"]) <= units
    assert set(reference.eloundou().index) <= units and set(reference.nesta().index) <= units


def test_titles_and_translations():
    titles = reference.isco_titles()
    assert titles["level"].value_counts().to_dict() == {4: 436, 3: 130, 2: 43, 1: 10}
    translated = titles[(titles["title_kk"] != "") & (titles["title_ru"] != "")]
    assert set(translated["level"]) == {1, 2, 3, 4} and len(translated) == 619  # every group, all four levels
    assert reference.title("2", "ru") == "Специалисты-профессионалы"
    assert reference.title("2411", "kk") == "Бухгалтерлер"
    assert reference.title("4110", "ru") == "Офисные служащие широкого профиля"  # НК РК 01-2017 wording
    assert reference.is_translated("25", "kk") and reference.is_translated("2511", "ru")


def test_skills_have_35_columns_and_imputation_is_flagged():
    skills = reference.skill_matrix()
    assert skills.shape[1] == 35 and skills.to_numpy().min() >= 1 and skills.to_numpy().max() <= 5
    assert reference.skill_table()["imputed"].sum() == 11


def test_search_in_three_languages():
    assert "2411" in reference.search_occupations("accountant").index
    assert "2511" in reference.search_occupations("Systems analysts").index
    # A Russian or Kazakh group title brings its unit groups, and unit groups match by their own titles.
    hits = reference.search_occupations("информационно-коммуникационных технологий", limit=50)
    assert set(hits.index) >= {u for u in reference.unit_groups() if u[:2] in ("25", "35")} | {"1330", "2434"}
    assert "8111" in reference.search_occupations("Кеншілер", limit=50).index
    assert "2221" in reference.search_occupations("денсаулық сақтау", limit=50).index


def test_soc_lens_conversion_by_hand():
    # 2411 Accountants maps to SOC 13-2011 (and others); give two O*NET codes of 13-2011 and one unrelated.
    scores = pd.Series({"13-2011.01": 0.2, "13-2011.02": 0.4, "99-9999.00": 1.0})
    converted = reference.soc_scores_to_isco(scores)
    assert converted.loc["2411", "score"] == pytest.approx(0.3)
    assert "99-9999" not in set(reference.crosswalk()["soc2010"])
    with pytest.raises(ValueError):
        reference.soc_scores_to_isco(scores, how="median")


def test_lens_weighted_mean_by_hand():
    from qorgau.aiwork import employment, lenses

    raw = pd.DataFrame({"isco08": ["2411", "4110", "0110"], "employed": [30, 10, 60], "sex": ["f", "m", "m"]})
    table = employment.validate(raw, dims=["sex"])
    lens = lenses.shipped_lenses()["eloundou_gpt4_beta"]
    assert lens.us_based
    e = reference.eloundou()["gpt4_beta"]
    national = lenses.weighted_mean(table, lens)
    assert national.loc[0, "mean"] == pytest.approx((30 * e["2411"] + 10 * e["4110"]) / 40)
    assert national.loc[0, "coverage"] == pytest.approx(0.4)  # 0110 has no Eloundou score
    by_sex = lenses.weighted_mean(table, lens, by=["sex"]).set_index("sex")
    assert by_sex.loc["female", "mean"] == pytest.approx(e["2411"])
    custom = lenses.register_soc_lens("toy", "toy", pd.Series({"13-2011.00": 0.9}), source="test",
                                      licence="test", scale="0-1")
    assert custom.scores["2411"] == pytest.approx(0.9)
