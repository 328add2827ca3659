"""Best-practice search: recall@5 and nDCG@10 of full-text alone, semantic alone and the two combined, on the
labelled query set (benchmarks/data/knowledge_queries.json, written before the practices and never tuned on)
over the starter set of practices.

Two settings, one run:
- overall: every language version of every practice is searchable;
- cross-language: each query searches only the versions in the OTHER two languages (a Kazakh query over
  the Russian and English texts, ...), which is the case of a practice submitted in one language only.

    .venv/bin/python benchmarks/knowledge_search.py [--backend sqlite|postgresql]

The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path

from throwaway_db import throwaway_database

QUERIES = Path(__file__).resolve().parent / "data" / "knowledge_queries.json"
MODES = ("fulltext", "semantic", "combined")


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant)


def ndcg_at(ranked: list[str], relevant: set[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, key in enumerate(ranked[:k]) if key in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    from sqlalchemy import select

    from qorgau.core.db import unit_of_work
    from qorgau.core.migrate import upgrade
    from qorgau.core.plugins import load_all_models
    from qorgau.knowledge import search, service
    from qorgau.knowledge.models import LANGUAGES, Practice

    load_all_models()
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    with throwaway_database(args.backend) as url:
        upgrade(url)
        started = time.perf_counter()
        with unit_of_work(url, actor="system:benchmark") as session:
            loaded = service.load_starter(session=session)
        load_s = time.perf_counter() - started
        results: dict[str, dict[str, list[tuple[float, float]]]] = {"overall": {m: [] for m in MODES},
                                                                    "cross_language": {m: [] for m in MODES}}
        by_lang: dict[str, dict[str, list[float]]] = {}
        misses: list[dict] = []
        query_s: list[float] = []
        with unit_of_work(url, actor="system:benchmark") as session:
            key_of = dict(session.execute(select(Practice.id, Practice.key)).all())
            allowed = set(key_of)
            for item in queries:
                relevant = set(item["relevant"])
                t0 = time.perf_counter()
                vector = search.embed_query(item["q"])
                query_s.append(time.perf_counter() - t0)
                for setting, langs in (("overall", list(LANGUAGES)),
                                       ("cross_language", [lang for lang in LANGUAGES if lang != item["lang"]])):
                    for mode in MODES:
                        ids = search.rank(session, item["q"], allowed=allowed, mode=mode, langs=langs,
                                          query_vector=vector)
                        ranked = [key_of[i] for i in ids]
                        r5, n10 = recall_at(ranked, relevant, 5), ndcg_at(ranked, relevant, 10)
                        results[setting][mode].append((r5, n10))
                        by_lang.setdefault(f"{setting}/{item['lang']}/{mode}", []).append(r5)
                        if setting == "cross_language" and mode == "combined" and r5 == 0:
                            misses.append({"q": item["q"], "top3": ranked[:3], "relevant": item["relevant"]})

    def summary(rows: list[tuple[float, float]]) -> dict[str, float]:
        return {"recall_at_5": round(sum(r for r, _ in rows) / len(rows), 3),
                "ndcg_at_10": round(sum(n for _, n in rows) / len(rows), 3)}

    report = {setting: {mode: summary(rows) for mode, rows in per_mode.items()}
              for setting, per_mode in results.items()}
    print(f"{len(queries)} queries (kk/ru/en) over {loaded['total']} practices x 3 languages, backend {args.backend}")
    for setting in report:
        for mode in MODES:
            figures = report[setting][mode]
            print(f"  {setting:15} {mode:9} recall@5 {figures['recall_at_5']:.3f}  nDCG@10 {figures['ndcg_at_10']:.3f}")
    for miss in misses:
        print("  cross-language miss:", json.dumps(miss, ensure_ascii=False))
    gain = report["cross_language"]["combined"]["recall_at_5"] - report["cross_language"]["fulltext"]["recall_at_5"]
    print(json.dumps({
        "benchmark": "knowledge_search", "backend": args.backend, "queries": len(queries),
        "practices": loaded["total"], "model": search.embedding.MODEL,
        "overall": report["overall"], "cross_language": report["cross_language"],
        "recall_at_5_by_language": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_lang.items())},
        "cross_language_gain_over_fulltext": round(gain, 3),
        "target_met": report["cross_language"]["combined"]["recall_at_5"] >= 0.80 and gain >= 0.15,
        "load_s": round(load_s, 2), "query_embed_ms_median": round(sorted(query_s)[len(query_s) // 2] * 1000, 1),
        "machine": platform.machine(),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
