"""Build reports.jsonl from the third held-out set's reports_{kk,ru,en}.txt, the same way as ../heldout/
(same markers, one situation per line) with its own seed and id prefix:

    .venv/bin/python src/qorgau/speaks/data/heldout3/_build.py
"""

from __future__ import annotations

import json
from pathlib import Path

from qorgau.speaks.data.heldout._build import build

HERE = Path(__file__).resolve().parent
OUT = HERE / "reports.jsonl"

if __name__ == "__main__":
    rows = build(HERE, seed=20261209, prefix="3")
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} reports -> {OUT}")
