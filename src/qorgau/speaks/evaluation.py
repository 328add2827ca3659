"""Evaluation of triage and redaction on the labelled set (data/labelled_reports.jsonl).

Used by benchmarks/speaks_triage.py and the tests. The labelled set has several language versions of
the same situation (field ``story``); every split here keeps a story's versions on one side, so that
no report is scored by a model, or by stems, tuned on a translation of it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from qorgau.registry.hazards import CATEGORIES
from qorgau.speaks.labels import URGENCIES

DATA = Path(__file__).resolve().parent / "data"
LABELLED = DATA / "labelled_reports.jsonl"
# Written separately; development data since the held-out set was written (data/independent/PROVENANCE.md).
INDEPENDENT = DATA / "independent" / "reports.jsonl"
# Written separately; held out until the second held-out set was written, development data since (data/heldout/README.md).
HELDOUT = DATA / "heldout" / "reports.jsonl"
# By another writer, in another sitting; held out until the third held-out set was written, development data
# since (data/heldout2/README.md, decision 0042).
HELDOUT2 = DATA / "heldout2" / "reports.jsonl"
# The held-out set: written by another writer after the triage was frozen; never used for tuning
# (data/heldout3/README.md).
HELDOUT3 = DATA / "heldout3" / "reports.jsonl"
# Real US OSHA narratives, public domain (data/osha/PROVENANCE.md).
OSHA_FILES = (DATA / "osha" / "fatality_sample.tsv", DATA / "osha" / "severe_injury_sample.tsv")
OUTCOMES = ("fatal", "amputation", "hospitalised")
LANGS = ("kk", "ru", "en")
PII_TYPES = ("person", "iin", "phone", "email")
REQUIRED = {"id", "lang", "text", "category", "urgency", "pii"}


def load(path: Path = LABELLED) -> list[dict]:
    """The labelled reports; a malformed line raises ValueError naming the line and the field."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        missing = REQUIRED - set(row)
        if missing:
            raise ValueError(f"{path.name} line {number}: missing field(s) {sorted(missing)}")
        if row["lang"] not in LANGS:
            raise ValueError(f"{path.name} line {number}: lang {row['lang']!r} is not one of {LANGS}")
        if row["category"] not in CATEGORIES:
            raise ValueError(f"{path.name} line {number}: unknown category {row['category']!r}")
        if row["urgency"] not in URGENCIES:
            raise ValueError(f"{path.name} line {number}: unknown urgency {row['urgency']!r}")
        for span in row["pii"]:
            if span.get("type") not in PII_TYPES or row["text"][span["start"]:span["end"]] != span["text"]:
                raise ValueError(f"{path.name} line {number}: pii span {span} does not match the text")
        rows.append(row)
    return rows


def load_osha() -> list[dict]:
    """The OSHA narratives: {"id", "outcome", "text"}; a bad line raises ValueError naming file and line."""
    rows = []
    for path in OSHA_FILES:
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t")
        for number, line in enumerate(lines[1:], start=2):
            cells = dict(zip(header, line.split("\t"), strict=False))
            if cells.get("outcome") not in OUTCOMES or not cells.get("narrative"):
                raise ValueError(f"{path.name} line {number}: needs an outcome in {OUTCOMES} and a narrative")
            rows.append({"id": cells.get("id") or cells.get("inspection"), "outcome": cells["outcome"],
                         "text": cells["narrative"]})
    return rows


def urgent_share(urgencies: list[str]) -> float | None:
    """Share of reports triaged imminent or high."""
    return sum(u in ("imminent", "high") for u in urgencies) / len(urgencies) if urgencies else None


def story_of(row: dict) -> str:
    return row.get("story") or row["id"]


def held_out_stories(rows: list[dict]) -> set[str]:
    """Half of the stories, alternating within each category: the held-out half ("test").

    The other half ("tune") is the only part that was read when the lexicon's stems were extended.
    """
    by_category: dict[str, list[str]] = {}
    for row in rows:
        stories = by_category.setdefault(row["category"], [])
        if story_of(row) not in stories:
            stories.append(story_of(row))
    test = set()
    for stories in by_category.values():
        test.update(sorted(stories)[1::2])
    return test


def story_folds(rows: list[dict], k: int) -> list[int]:
    """A fold number per row: stories dealt round-robin within each category (stratified, grouped)."""
    fold_of: dict[str, int] = {}
    counters: Counter = Counter()
    for row in sorted(rows, key=lambda r: (r["category"], story_of(r))):
        story = story_of(row)
        if story not in fold_of:
            fold_of[story] = counters[row["category"]] % k
            counters[row["category"]] += 1
    return [fold_of[story_of(row)] for row in rows]


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    """Macro-F1 over the classes present in the gold labels."""
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def urgency_figures(gold: list[str], predicted: list[str]) -> dict:
    pairs = list(zip(gold, predicted, strict=True))
    hits = sum(g == p == "imminent" for g, p in pairs)
    gold_imminent = sum(g == "imminent" for g, _ in pairs)
    said_imminent = sum(p == "imminent" for _, p in pairs)
    return {"urgency_accuracy": sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0,
            "imminent_recall": hits / gold_imminent if gold_imminent else None,
            "imminent_precision": hits / said_imminent if said_imminent else None,
            "imminent_n": gold_imminent}


def pii_figures(rows: list[dict], found: list[list[dict]]) -> dict:
    """Recall per PII type, exact and overlap span match, and precision (overlap, any type).

    A gold span is recalled by *overlap* when a found span of the same type shares at least one
    character with it, and *exactly* when a found span of the same type has the same start and end.
    """
    figures: dict = {}
    for kind in PII_TYPES:
        gold = exact = overlap = 0
        for row, spans in zip(rows, found, strict=True):
            mine = [s for s in spans if s["type"] == kind]
            for span in (s for s in row["pii"] if s["type"] == kind):
                gold += 1
                exact += any(s["start"] == span["start"] and s["end"] == span["end"] for s in mine)
                overlap += any(s["start"] < span["end"] and span["start"] < s["end"] for s in mine)
        figures[kind] = {"n": gold, "recall_overlap": overlap / gold if gold else None,
                         "recall_exact": exact / gold if gold else None}
    predicted = correct = 0
    for row, spans in zip(rows, found, strict=True):
        for span in spans:
            predicted += 1
            correct += any(span["start"] < g["end"] and g["start"] < span["end"] for g in row["pii"])
    figures["precision_overlap"] = correct / predicted if predicted else None
    gold_all = sum(len(row["pii"]) for row in rows)
    figures["recall_overlap_all"] = (sum(figures[k]["recall_overlap"] * figures[k]["n"]
                                         for k in PII_TYPES if figures[k]["n"]) / gold_all) if gold_all else None
    return figures
