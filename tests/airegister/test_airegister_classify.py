"""The classification rules case by case: each demo filing's class with the rule that fired, and the
edges of each rule (consent, medical or safety reasons, profiling, personal data, overrides)."""

from __future__ import annotations

from datetime import date

import pytest

from qorgau.airegister import classify as rules
from qorgau.airegister import demo
from qorgau.airegister.schemas import FilingIn

DEMO = {spec["data"]["name"]: spec["data"] for spec in demo.filings(date(2026, 12, 1))}

# name -> (KZ risk, its rules), (KZ autonomy, rule), (EU category, its rules), prohibited rules
EXPECTED = {
    "Распределение задач на складе (WMS-AI)": (("medium", ["KZ-RISK-M1", "KZ-RISK-M2"]), ("medium", "KZ-AUTO-M"),
                                               ("high", ["EU-ANNEX3-4B"]), []),
    "Отбор резюме (CV screening)": (("high", ["KZ-RISK-H1"]), ("medium", "KZ-AUTO-M"), ("high", ["EU-ANNEX3-4A"]), []),
    "Видеоконтроль СИЗ в цехе электролиза": (("medium", ["KZ-RISK-M1"]), ("low", "KZ-AUTO-L"),
                                             ("high", ["EU-ANNEX3-4B"]), []),
    "Чат-бот колл-центра": (("medium", ["KZ-RISK-M1"]), ("medium", "KZ-AUTO-M"), ("limited", ["EU-ART50"]), []),
    "Предиктивное обслуживание насосов": (("minimal", ["KZ-RISK-L1"]), ("low", "KZ-AUTO-L"), ("minimal", ["EU-MIN"]), []),
    "Распознавание эмоций операторов": (("high", ["KZ-RISK-H3"]), ("low", "KZ-AUTO-L"), ("prohibited", ["EU-ART5-1F"]),
                                        ["KZ-PROH-6", "EU-ART5-1F"]),
    "Составление графика смен медсестёр": (("medium", ["KZ-RISK-M1", "KZ-RISK-M2"]), ("low", "KZ-AUTO-L"),
                                           ("minimal", ["EU-MIN"]), []),
    "Контроль усталости водителей": (("high", ["KZ-RISK-H2"]), ("medium", "KZ-AUTO-M"),
                                     ("high", ["EU-ANNEX3-4B", "EU-ART6-1"]), []),
    "Автоматическая сортировка руды": (("minimal", ["KZ-RISK-L1"]), ("high", "KZ-AUTO-H"), ("minimal", ["EU-MIN"]), []),
    "Рейтинг эффективности и дисциплинарные меры": (("high", ["KZ-RISK-H1"]), ("high", "KZ-AUTO-H"),
                                                     ("high", ["EU-ANNEX3-4B"]), []),
    "Индекс лояльности сотрудников": (("high", ["KZ-RISK-H3"]), ("low", "KZ-AUTO-L"), ("prohibited", ["EU-ART5-1C"]),
                                      ["KZ-PROH-3", "EU-ART5-1C"]),
    "Роботизированная сварка в ремонтном цехе": (("high", ["KZ-RISK-H2"]), ("medium", "KZ-AUTO-M"),
                                                 ("high", ["EU-ART6-1"]), []),
}


def _data(**changes) -> dict:
    base = {"name": "Test system", "purpose": "A system used for testing the rules.", "areas": ["other"]}
    return FilingIn.model_validate({**base, **changes}, strict=False).model_dump(mode="json")


def test_every_demo_filing_is_covered():
    assert set(EXPECTED) == set(DEMO)
    assert len(DEMO) == 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_demo_filing_class_and_the_rule_that_fired(name):
    (risk, risk_rules), (autonomy, autonomy_rule), (eu, eu_rules), banned = EXPECTED[name]
    data = FilingIn.model_validate(DEMO[name], strict=False).model_dump(mode="json")
    result = rules.classify(data)
    assert (result.risk_kz.value, [f.rule for f in result.risk_kz.fired]) == (risk, risk_rules)
    assert (result.autonomy_kz.value, [f.rule for f in result.autonomy_kz.fired]) == (autonomy, [autonomy_rule])
    assert (result.eu_category.value, [f.rule for f in result.eu_category.fired]) == (eu, eu_rules)
    assert [f.rule for f in result.prohibited] == banned
    for fired in [*result.risk_kz.fired, *result.eu_category.fired, *result.prohibited]:
        assert fired.reason and fired.source  # every result explains itself


def test_emotion_recognition_with_consent_is_lawful_in_kazakhstan_but_not_under_the_eu_act():
    result = rules.classify(_data(areas=["monitoring"], emotion_recognition=True, emotion_consent=True))
    assert [f.rule for f in result.prohibited] == ["EU-ART5-1F"]
    assert result.eu_category.value == "prohibited"
    assert "consent" in result.safeguards


def test_emotion_recognition_for_safety_reasons_is_outside_article_5_1_f():
    result = rules.classify(_data(areas=["safety_monitoring"], emotion_recognition=True, emotion_consent=True,
                                  emotion_medical_or_safety=True))
    assert result.prohibited == []
    assert result.eu_category.value != "prohibited"


def test_biometric_categorisation_is_prohibited_in_both_laws():
    result = rules.classify(_data(biometric_categorisation=True))
    assert [f.rule for f in result.prohibited] == ["KZ-PROH-5", "EU-ART5-1G"]
    assert result.risk_kz.value == "high"


def test_task_allocation_is_annex_iii_only_when_it_profiles_workers():
    assert rules.classify(_data(areas=["task_allocation"])).eu_category.value == "minimal"
    profiling = rules.classify(_data(areas=["task_allocation"], profiling=True))
    assert [f.rule for f in profiling.eu_category.fired] == ["EU-ANNEX3-4B"]
    assert "bias_testing" in profiling.safeguards


def test_safety_monitoring_without_personal_data_is_not_monitoring_of_workers():
    assert rules.classify(_data(areas=["safety_monitoring"])).eu_category.value == "minimal"


def test_a_recommender_for_dismissal_is_medium_in_kazakhstan_but_high_in_the_eu():
    result = rules.classify(_data(areas=["discipline"], autonomy="recommends"))
    assert result.risk_kz.value == "medium" and [f.rule for f in result.risk_kz.fired] == ["KZ-RISK-M2"]
    assert result.eu_category.value == "high"
    assert {"human_oversight", "logging", "inform_representatives", "explanation"} <= set(result.safeguards)


def test_overrides_replace_levels_and_the_safeguards_follow():
    data = _data(areas=["maintenance"])
    automatic = rules.classify(data)
    assert automatic.risk_kz.value == "minimal" and "audit" not in automatic.safeguards
    overridden = rules.classify(data, {"risk_kz": "high"})
    assert overridden.risk_kz.value == "high"
    assert [f.rule for f in overridden.risk_kz.fired] == ["KZ-RISK-L1"]  # the automatic reasoning stays visible
    assert {"audit", "risk_management", "human_oversight"} <= set(overridden.safeguards)
    flagged = _data(social_scoring=True)
    assert rules.classify(flagged, {"flag:KZ-PROH-3": "dismissed"}).prohibited[0].rule == "EU-ART5-1C"


def test_every_rule_has_a_reason_and_a_source():
    for rule in rules.RULES.values():
        assert len(rule.reason) > 20 and rule.source


def test_cli_classify_prints_the_rules_and_names_bad_fields(tmp_path):
    import json

    from typer.testing import CliRunner

    from qorgau.airegister.cli import app

    source = tmp_path / "filing.json"
    source.write_text(json.dumps(DEMO["Отбор резюме (CV screening)"], ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", str(source)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["eu_category"] == {"value": "high", "rules": [
        {"rule": "EU-ANNEX3-4A", "reason": rules.RULES["EU-ANNEX3-4A"].reason, "source": "EU AI Act Annex III 4(a)"}]}
    source.write_text(json.dumps({**DEMO["Отбор резюме (CV screening)"], "areas": ["astrology"]}), encoding="utf-8")
    bad = CliRunner().invoke(app, ["classify", str(source)])
    assert bad.exit_code == 1 and "areas.0" in bad.output
