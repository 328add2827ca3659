"""Build reports.jsonl from the held-out reports_{kk,ru,en}.txt (same markers as ../_build_labelled.py).

Unlike the development set in ../independent/, the three files are not parallel: each line is its own
situation, so every report is its own story. Identifiers come from a seeded generator (a seed used by no
other set):

    .venv/bin/python src/qorgau/speaks/data/heldout/_build.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from qorgau.speaks.data._build_labelled import parse_line

HERE = Path(__file__).resolve().parent
OUT = HERE / "reports.jsonl"


def build(folder: Path = HERE, seed: int = 20261208, prefix: str = "") -> list[dict]:
    """Rows of the set in `folder`; `seed` draws its identifiers, `prefix` keeps its ids apart from other sets'."""
    rng = random.Random(seed)
    rows = []
    for lang in ("kk", "ru", "en"):
        lines = [line.strip() for line in (folder / f"reports_{lang}.txt").read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
        for number, line in enumerate(lines, start=1):
            category, urgency, text, spans = parse_line(line, rng)
            rows.append({"id": f"held{prefix}-{lang}-{number:03d}", "lang": lang, "text": text, "category": category,
                         "urgency": urgency, "pii": spans, "story": f"h{prefix}-{lang}-{number:03d}"})
    return rows


if __name__ == "__main__":
    rows = build()
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} reports -> {OUT}")
