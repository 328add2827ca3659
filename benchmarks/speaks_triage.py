"""Benchmark: Worker Speaks triage (category, urgency) and redaction on the labelled set, per language.

Data: src/qorgau/speaks/data/labelled_reports.jsonl (synthetic reports written by the Qorgau team, see
PROVENANCE.md there). Most situations are written in all three languages; the field ``story`` links the
versions and every split below keeps a story's versions on one side.

Triage, each in the same run on the same reports:
- majority: always the most frequent category / urgency of the tuning half (a floor).
- lexicon v1: the stems as written before the labelled set existed (`speaks/lexicon_v1.py`), scored on
  all reports and on the held-out half; nothing of it was fitted to this set.
- lexicon v2: the current stems (`speaks/lexicon.py`), extended by reading the errors on the tuning half
  only; its honest figures are those on the held-out half (also printed on all reports, marked tuned).
- svm (full run only): TF-IDF character 2-4-grams + linear SVM (`speaks/model.fit`) for category and for
  urgency, trained on the tuning half and scored on the held-out half, and in 5-fold cross-validation
  grouped by story (no report is scored by a model trained on it or on a translation of it).
- service: what `nlp.triage` does - lexicon v2, with the urgency raised to imminent when the urgency
  model says so - with the urgency model fitted on the tuning half only (the shipped one is fitted on
  all reports, so only this held-out figure is honest).

Redaction (`speaks/pii.py`): recall per PII type with overlap match (a gold span counts when a found
span of the same type shares a character with it) and exact match (same start and end), precision
(overlap, any type), and how many of the 12-digit order numbers with a failing check digit were
wrongly masked.

Throughput: `qorgau speaks triage IN.jsonl --out OUT.jsonl` (the CLI function, in process, models
loaded) on the labelled texts (twice over); the full run also times a fresh `qorgau speaks triage`
process, start-up and model loading included. --quick uses a third of the stories (a smoke run whose
figures are not the reported ones).

    python benchmarks/speaks_triage.py [--quick]

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from qorgau.registry.identifiers import has_valid_check_digit
from qorgau.speaks import evaluation as ev
from qorgau.speaks import lexicon, lexicon_v1, model, pii
from qorgau.speaks.cli import app


def r3(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def svm_predictions(rows: list[dict], train: list[int], test: list[int]) -> tuple[list[str], list[str]]:
    """Category and urgency from the urgency model's recipe (`speaks/model.fit`), fitted on `train`."""
    texts = [rows[i]["text"] for i in train]
    out = []
    for field in ("category", "urgency"):
        vectoriser, svm = model.fit(texts, [rows[i][field] for i in train])
        out.append(list(svm.predict(vectoriser.transform([rows[i]["text"] for i in test]))))
    return out[0], out[1]


def service_urgency(rows: list[dict], train: list[int], lexicon_urgency: list[str]) -> list[str]:
    """What `nlp.triage` does, with the urgency model fitted on `train` only (pure-Python path)."""
    data = model.export(*model.fit([rows[i]["text"] for i in train], [rows[i]["urgency"] for i in train]))
    fitted = model.UrgencyModel(data["classes"], data["intercept"], data["ngrams"])
    return [u if u == "imminent" or not fitted.imminent(r["text"]) else "imminent"
            for r, u in zip(rows, lexicon_urgency, strict=True)]


def triage_figures(rows: list[dict], idx: list[int], categories: list[str], urgencies: list[str]) -> dict:
    gold_c = [rows[i]["category"] for i in idx]
    gold_u = [rows[i]["urgency"] for i in idx]
    figures = {"n": len(idx), "category_macro_f1": r3(ev.macro_f1(gold_c, [categories[i] for i in idx]))}
    figures.update({k: r3(v) if isinstance(v, float) else v
                    for k, v in ev.urgency_figures(gold_u, [urgencies[i] for i in idx]).items()})
    return figures


def order_numbers_masked(rows: list[dict], found: list[list[dict]]) -> tuple[int, int]:
    total = masked = 0
    for row, spans in zip(rows, found, strict=True):
        for match in re.finditer(r"(?<!\d)\d{12}(?!\d)", row["text"]):
            if has_valid_check_digit(match.group()):
                continue
            total += 1
            masked += any(s["start"] < match.end() and match.start() < s["end"] for s in spans)
    return total, masked


def throughput(rows: list[dict], repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "in.jsonl", Path(folder) / "out.jsonl"
        lines = [json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) for r in rows] * repeat
        source.write_text("\n".join(lines), encoding="utf-8")
        runner = CliRunner()
        start = time.perf_counter()
        result = runner.invoke(app, ["triage", str(source), "--out", str(out)])
        seconds = time.perf_counter() - start
        if result.exit_code != 0:
            raise SystemExit(f"triage CLI failed: {result.output}")
        return {"reports": len(lines), "seconds": round(seconds, 3), "reports_per_s": round(len(lines) / seconds, 1)}


def fresh_process(rows: list[dict]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "in.jsonl", Path(folder) / "out.jsonl"
        source.write_text("\n".join(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False)
                                    for r in rows), encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qorgau.cli", "speaks", "triage", str(source), "--out", str(out)],
                       check=True, capture_output=True)
        seconds = time.perf_counter() - start
        return {"reports": len(rows), "seconds": round(seconds, 3), "reports_per_s": round(len(rows) / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a third of the stories, no SVM, no fresh-process timing (a smoke run)")
    args = parser.parse_args()

    rows = ev.load()
    held_out = ev.held_out_stories(rows)  # from all reports, so that --quick keeps the same halves
    if args.quick:
        keep = sorted({ev.story_of(r) for r in rows})[::3]
        rows = [r for r in rows if ev.story_of(r) in keep]
    is_test = [ev.story_of(r) in held_out for r in rows]
    tune_idx = [i for i, t in enumerate(is_test) if not t]
    test_idx = [i for i, t in enumerate(is_test) if t]
    majority_c = Counter(rows[i]["category"] for i in tune_idx).most_common(1)[0][0]
    majority_u = Counter(rows[i]["urgency"] for i in tune_idx).most_common(1)[0][0]

    systems: dict[str, tuple[list[str], list[str]]] = {"majority": ([majority_c] * len(rows), [majority_u] * len(rows))}
    for name, module in (("lexicon_v1", lexicon_v1), ("lexicon_v2", lexicon)):
        verdicts = [module.classify(r["text"]) for r in rows]
        systems[name] = ([v.category for v in verdicts], [v.urgency for v in verdicts])
    lex_c, lex_u = systems["lexicon_v2"]
    systems["service"] = (lex_c, service_urgency(rows, tune_idx, lex_u))
    if not args.quick:
        cats, urgs = [""] * len(rows), [""] * len(rows)
        c, u = svm_predictions(rows, tune_idx, test_idx)
        for k, i in enumerate(test_idx):
            cats[i], urgs[i] = c[k], u[k]
        systems["svm_heldout"] = (cats, urgs)
        folds = ev.story_folds(rows, 5)
        cats, urgs = [""] * len(rows), [""] * len(rows)
        for fold in range(5):
            train = [i for i, f in enumerate(folds) if f != fold]
            test = [i for i, f in enumerate(folds) if f == fold]
            c, u = svm_predictions(rows, train, test)
            for k, i in enumerate(test):
                cats[i], urgs[i] = c[k], u[k]
        systems["svm_cv5"] = (cats, urgs)

    found = [[s.as_dict() for s in pii.find(r["text"])] for r in rows]
    results: dict = {"benchmark": "speaks_triage", "quick": args.quick, "reports": len(rows),
                     "stories": len({ev.story_of(r) for r in rows}), "held_out_reports": len(test_idx),
                     "triage": {}, "pii": {}}
    for lang in ev.LANGS:
        all_idx = [i for i, r in enumerate(rows) if r["lang"] == lang]
        lang_test = [i for i in all_idx if is_test[i]]
        per: dict = {}
        for name, (cats, urgs) in systems.items():
            if name != "svm_cv5":
                per[f"{name}/held_out"] = triage_figures(rows, lang_test, cats, urgs)
            if name in ("lexicon_v1", "lexicon_v2", "svm_cv5"):
                per[f"{name}/all" + ("_tuned" if name == "lexicon_v2" else "")] = \
                    triage_figures(rows, all_idx, cats, urgs)
        results["triage"][lang] = per
        figures = ev.pii_figures([rows[i] for i in all_idx], [found[i] for i in all_idx])
        total, masked = order_numbers_masked([rows[i] for i in all_idx], [found[i] for i in all_idx])
        figures["order_numbers"] = total
        figures["order_numbers_masked"] = masked
        results["pii"][lang] = {k: ({kk: r3(vv) if isinstance(vv, float) else vv for kk, vv in v.items()}
                                    if isinstance(v, dict) else (r3(v) if isinstance(v, float) else v))
                                for k, v in figures.items()}

    # natasha's model is loaded by now (redaction above), as in a long-running batch.
    results["throughput_cli_in_process"] = throughput(rows, 1 if args.quick else 2)
    if not args.quick:
        results["throughput_cli_fresh_process"] = fresh_process(rows)
    results["cpu_count"] = os.cpu_count()

    print(f"Worker Speaks triage benchmark: {len(rows)} reports, {results['stories']} stories, "
          f"held-out half {len(test_idx)} reports (lexicon v2 stems were tuned on the other half only)")
    print("\nTriage per language (cat F1 = macro-F1 over 14 categories; urg acc = urgency accuracy; "
          "imminent recall / precision, n = gold imminent)")
    print(f"{'lang':4} {'system / reports':34} {'n':>4} {'cat F1':>7} {'urg acc':>8} {'imm rec':>8} "
          f"{'imm prec':>9} {'imm n':>6}")
    for lang, per in results["triage"].items():
        for name, f in per.items():
            print(f"{lang:4} {name:34} {f['n']:>4} {f['category_macro_f1']:>7.3f} {f['urgency_accuracy']:>8.3f} "
                  f"{_fmt(f['imminent_recall']):>8} {_fmt(f['imminent_precision']):>9} {f['imminent_n']:>6}")
    print("\nRedaction per language, all reports (recall overlap / exact, n gold spans)")
    print(f"{'lang':4} {'person':>16} {'iin':>16} {'phone':>16} {'email':>16} {'precision':>10} "
          f"{'order nos masked':>17}")
    for lang, f in results["pii"].items():
        cells = [f"{_fmt(f[k]['recall_overlap'])}/{_fmt(f[k]['recall_exact'])} n={f[k]['n']}" for k in ev.PII_TYPES]
        print(f"{lang:4} " + " ".join(f"{c:>16}" for c in cells) +
              f" {_fmt(f['precision_overlap']):>10} {f['order_numbers_masked']:>8} of {f['order_numbers']:<5}")
    t = results["throughput_cli_in_process"]
    print(f"\nThroughput, triage CLI in process (models loaded): {t['reports']} reports in {t['seconds']} s = "
          f"{t['reports_per_s']} reports/s")
    if "throughput_cli_fresh_process" in results:
        t = results["throughput_cli_fresh_process"]
        print(f"Throughput, fresh `qorgau speaks triage` process (start-up and model loading included): "
              f"{t['reports']} reports in {t['seconds']} s = {t['reports_per_s']} reports/s")
    print(json.dumps(results, ensure_ascii=False))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
