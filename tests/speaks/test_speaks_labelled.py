"""The labelled report set is well formed, redaction keeps its measured recall on it, and the triage
benchmark runs."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from qorgau.registry.hazards import CATEGORIES
from qorgau.registry.identifiers import has_valid_check_digit, is_valid_iin
from qorgau.speaks import evaluation as ev
from qorgau.speaks import lexicon, nlp, pii, urgency_model
from qorgau.speaks.labels import URGENCIES

ROOT = Path(__file__).resolve().parents[2]
# Measured on all 477 reports (overlap match, after the occupation words were added): person kk 1.000,
# ru 0.968, en 1.000; iin, phone and e-mail 1.000 in every language. Floors sit a few points below.
RECALL_FLOORS = {
    ("kk", "person"): 0.95, ("ru", "person"): 0.93, ("en", "person"): 0.95,
    **{(lang, kind): 0.97 for lang in ev.LANGS for kind in ("iin", "phone", "email")},
}
# Lexicon v2 on the held-out half (stems tuned on the other half): category macro-F1 kk 0.866, ru 0.868,
# en 0.844. A regression of the stems shows here.
CATEGORY_F1_FLOOR = 0.78


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return ev.load()


@pytest.fixture(scope="module")
def found(rows) -> list[list[dict]]:
    return [[span.as_dict() for span in pii.find(row["text"])] for row in rows]


def test_labelled_set_is_large_and_covers_every_category_in_every_language(rows):
    assert len({row["id"] for row in rows}) == len(rows)
    for lang in ev.LANGS:
        mine = [row for row in rows if row["lang"] == lang]
        assert len(mine) >= 110, lang
        per_category = Counter(row["category"] for row in mine)
        assert set(per_category) == set(CATEGORIES), lang
        assert min(per_category.values()) >= 5, (lang, per_category)
        assert set(row["urgency"] for row in mine) == set(URGENCIES)
        imminent = sum(row["urgency"] == "imminent" for row in mine) / len(mine)
        with_pii = sum(bool(row["pii"]) for row in mine) / len(mine)
        assert 0.10 <= imminent <= 0.20, (lang, imminent)
        assert 0.25 <= with_pii <= 0.45, (lang, with_pii)
        assert {span["type"] for row in mine for span in row["pii"]} == set(ev.PII_TYPES)


def test_kazakh_reports_are_kazakh(rows):
    """Kazakh-specific letters (ә ғ қ ң ө ұ ү һ і) outside names in nearly every Kazakh report."""
    kazakh = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
    kk = [row for row in rows if row["lang"] == "kk"]

    def without_pii(row: dict) -> str:
        text = row["text"]
        for span in sorted(row["pii"], key=lambda s: -s["start"]):
            text = text[:span["start"]] + text[span["end"]:]
        return text

    assert sum(bool(kazakh.search(without_pii(row))) for row in kk) >= 0.95 * len(kk)


def test_offsets_are_exact_and_identifiers_are_what_they_claim(rows):
    for row in rows:
        for span in row["pii"]:
            assert row["text"][span["start"]:span["end"]] == span["text"], row["id"]
            assert span["type"] in ev.PII_TYPES
            if span["type"] == "iin":
                assert is_valid_iin(span["text"]), row["id"]
        marked = {(s["start"], s["end"]) for s in row["pii"]}
        for match in re.finditer(r"(?<!\d)\d{12}(?!\d)", row["text"]):
            if has_valid_check_digit(match.group()):
                assert (match.start(), match.end()) in marked, row["id"]
            else:  # an order number: not personal data, not marked
                assert not any(s["start"] < match.end() and match.start() < s["end"] for s in row["pii"]), row["id"]
    order_numbers = [m.group() for row in rows for m in re.finditer(r"(?<!\d)\d{12}(?!\d)", row["text"])
                     if not has_valid_check_digit(m.group())]
    assert len(order_numbers) >= 15


def test_load_names_the_bad_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    good = {"id": "x", "lang": "kk", "text": "Газ шығып жатыр", "category": "chemical_gas_dust",
            "urgency": "imminent", "pii": []}
    bad.write_text(json.dumps(good, ensure_ascii=False) + "\n"
                   + json.dumps({**good, "pii": [{"type": "phone", "start": 0, "end": 3, "text": "xyz"}]},
                                ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: pii span"):
        ev.load(bad)


def test_redaction_recall_on_the_labelled_set_stays_above_its_floor(rows, found):
    for lang in ev.LANGS:
        idx = [i for i, row in enumerate(rows) if row["lang"] == lang]
        figures = ev.pii_figures([rows[i] for i in idx], [found[i] for i in idx])
        for kind in ev.PII_TYPES:
            assert figures[kind]["recall_overlap"] >= RECALL_FLOORS[(lang, kind)], (lang, kind, figures[kind])
        assert figures["precision_overlap"] >= 0.95, (lang, figures["precision_overlap"])


def test_order_numbers_with_a_failing_check_digit_are_not_redacted(rows, found):
    for row, spans in zip(rows, found, strict=True):
        for match in re.finditer(r"(?<!\d)\d{12}(?!\d)", row["text"]):
            if not has_valid_check_digit(match.group()):
                assert not any(s["start"] < match.end() and match.start() < s["end"] for s in spans), row["id"]


def test_lexicon_category_f1_on_the_held_out_half(rows):
    held_out = ev.held_out_stories(rows)
    for lang in ev.LANGS:
        test = [row for row in rows if row["lang"] == lang and ev.story_of(row) in held_out]
        predicted = [lexicon.classify(row["text"]).category for row in test]
        assert ev.macro_f1([row["category"] for row in test], predicted) >= CATEGORY_F1_FLOOR, lang


def test_splits_keep_the_versions_of_a_story_together(rows):
    held_out = ev.held_out_stories(rows)
    folds = ev.story_folds(rows, 5)
    fold_of: dict[str, set[int]] = {}
    for row, fold in zip(rows, folds, strict=True):
        fold_of.setdefault(ev.story_of(row), set()).add(fold)
    assert all(len(f) == 1 for f in fold_of.values())
    assert 0.4 < sum(ev.story_of(r) in held_out for r in rows) / len(rows) < 0.6


def test_explanation_names_the_deciding_words():
    result = lexicon.classify("Утечка газа в компрессорной прямо сейчас, люди задыхаются")
    assert (result.category, result.urgency) == ("chemical_gas_dust", "imminent")
    explanation = result.explanation()
    assert "газ" in [w["word"] for w in explanation["category_words"]]
    assert {"утечк", "прямо сейчас"} <= {w["word"] for w in explanation["urgency_words"]}
    # "Now" alone does not make a suggestion urgent; negation turns a fire word off.
    assert lexicon.classify("Предлагаю повесить замки LOTO, сейчас на всю линию два ключа").urgency == "low"
    assert lexicon.classify("На горке половина прожекторов не горит, темно").category == "physical_environment"


def test_shipped_urgency_model_matches_a_fresh_fit_of_the_training_reports():
    """urgency_model.json is the model `_build_category_model.py` fits on the labelled reports and the
    development sets; the pure-Python path agrees with scikit-learn on every one of them (rebuild the data
    files when this fails)."""
    from qorgau.speaks import category_model

    training, _ = category_model.training()
    texts = [row["text"] for row in training]
    vectoriser, svm = urgency_model.fit(texts, [row["urgency"] for row in training])
    expected = svm.predict(vectoriser.transform(texts))
    shipped = urgency_model.shipped()
    got = [max(scores, key=scores.get) for scores in (shipped.decision(text) for text in texts)]
    assert list(expected) == got


def test_triage_raises_to_imminent_on_the_model_and_says_why():
    text = "Кабель под напряжением лежит в луже у насосной, люди ходят по воде"
    assert lexicon.classify(text).urgency != "imminent"
    verdict = nlp.triage(text)
    assert verdict.urgency == "imminent"
    words = verdict.explanation["urgency_words"]
    assert words[0]["source"] == "model" and "напряжением" in [w["word"] for w in words]
    assert verdict.explanation["lexicon_urgency"] == lexicon.classify(text).urgency
    assert "urgency model" in verdict.explanation["method"]
    calm = nlp.triage("Предлагаю поставить лавочки в комнате отдыха")
    assert calm.urgency == "low" and "raised_by" not in calm.explanation


def test_independent_set_is_separate_and_covers_every_category_language_and_urgency():
    independent = ev.load(ev.INDEPENDENT)
    assert len(independent) >= 150
    own_texts = {row["text"] for row in ev.load()}
    assert not own_texts & {row["text"] for row in independent}
    for lang in ev.LANGS:
        mine = [row for row in independent if row["lang"] == lang]
        assert {row["category"] for row in mine} == set(CATEGORIES), lang
        assert {row["urgency"] for row in mine} == set(URGENCIES), lang
    provenance = (ev.INDEPENDENT.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Now development data" in provenance


def test_first_held_out_set_is_now_development_data_and_covers_everything():
    held = ev.load(ev.HELDOUT)
    assert len(held) >= 150
    others = {row["text"] for row in ev.load()} | {row["text"] for row in ev.load(ev.INDEPENDENT)}
    assert not others & {row["text"] for row in held}
    for lang in ev.LANGS:
        mine = [row for row in held if row["lang"] == lang]
        assert {row["category"] for row in mine} == set(CATEGORIES), lang
        assert {row["urgency"] for row in mine} == set(URGENCIES), lang
    kinds = Counter(span["type"] for row in held for span in row["pii"])
    assert kinds["person"] >= 30 and kinds["iin"] and kinds["phone"] and kinds["email"]
    readme = (ev.HELDOUT.parent / "README.md").read_text(encoding="utf-8")
    assert "development data since" in readme and "HELD OUT" not in readme


def test_second_held_out_set_is_now_development_data_and_covers_every_category_and_urgency():
    second = ev.load(ev.HELDOUT2)
    assert len(second) >= 150
    earlier = {row["text"] for row in ev.load()} | {row["text"] for row in ev.load(ev.INDEPENDENT)} \
        | {row["text"] for row in ev.load(ev.HELDOUT)}
    assert not earlier & {row["text"] for row in second}
    for lang in ev.LANGS:
        mine = [row for row in second if row["lang"] == lang]
        assert {row["category"] for row in mine} == set(CATEGORIES), lang
        assert {row["urgency"] for row in mine} == set(URGENCIES), lang
    assert sum(row["urgency"] == "imminent" for row in second) >= 25
    readme = (ev.HELDOUT2.parent / "README.md").read_text(encoding="utf-8")
    assert "development data since" in readme and "HELD OUT" not in readme


def test_third_held_out_set_is_separate_and_covers_every_category_and_urgency():
    third = ev.load(ev.HELDOUT3)
    assert len(third) >= 180
    earlier = {row["text"] for row in ev.load()} | {row["text"] for path in (ev.INDEPENDENT, ev.HELDOUT, ev.HELDOUT2)
                                                   for row in ev.load(path)}
    assert not earlier & {row["text"] for row in third}
    for lang in ev.LANGS:
        mine = [row for row in third if row["lang"] == lang]
        assert {row["category"] for row in mine} == set(CATEGORIES), lang
        assert {row["urgency"] for row in mine} == set(URGENCIES), lang
    assert sum(row["urgency"] == "imminent" for row in third) >= 30
    readme = (ev.HELDOUT3.parent / "README.md").read_text(encoding="utf-8")
    assert "HELD OUT, never tuned on" in readme


def test_osha_sample_has_outcomes_and_no_victim_names():
    osha = ev.load_osha()
    counts = Counter(row["outcome"] for row in osha)
    assert sum(counts.values()) >= 300 and set(counts) == set(ev.OUTCOMES)
    assert not any(re.search(r"\(\d{1,3}\)", row["text"]) for row in osha)  # "Name (age)" was replaced
    assert ev.urgent_share(["high", "normal", "imminent", "low"]) == 0.5 and ev.urgent_share([]) is None
