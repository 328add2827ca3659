"""A second learned opinion on imminent danger: the report's embedding plus the lexicon's urgency scores and
the severity rules -> logistic regression (imminent or not), fitted on the labelled reports and the
development set (`category_model.training()`).

`nlp.triage_many` raises a report to imminent when this model's probability passes THRESHOLD and nothing
else did; chosen by 5-fold cross-validation grouped by story on the labelled set only (recall of imminent
0.91 -> 0.94, precision 0.82 -> 0.77 there). Weights in `data/imminent_model.json` (or the retrained
`data/imminent_model_learned.json`), applied with numpy.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

from qorgau.speaks import lexicon, severity

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = DATA / "imminent_model.json"
LEARNED = DATA / "imminent_model_learned.json"
THRESHOLD = 0.5
C = 1.0


def side_features(text: str) -> np.ndarray:
    normal = lexicon._normalise(text)
    scores = [lexicon._score(lexicon._hits(normal, stems)) / 3 for stems in
              (lexicon.IMMINENT_STEMS, lexicon.NOW_STEMS, lexicon.HIGH_STEMS, lexicon.LOW_STEMS)]
    found = severity.assess(text)
    return np.array(scores + [float(bool(found.fired)), float(found.floor == "imminent")], dtype=np.float32)


def features(texts: list[str], vectors: np.ndarray) -> np.ndarray:
    return np.hstack([vectors, np.array([side_features(t) for t in texts], dtype=np.float32).reshape(len(texts), -1)])


def fit(texts: list[str], urgencies: list[str], vectors: np.ndarray) -> dict:
    from sklearn.linear_model import LogisticRegression

    gold = [u == "imminent" for u in urgencies]
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(features(texts, vectors), gold)
    return {"about": f"speaks imminent model: embedding + lexicon urgency scores + severity rules -> logistic "
                     f"regression (C={C}, balanced), threshold {THRESHOLD}", "reports": len(texts),
            "coef": [float(f"{w:.6g}") for w in clf.coef_[0]], "intercept": float(f"{clf.intercept_[0]:.6g}")}


class ImminentModel:
    def __init__(self, data: dict):
        self.coef = np.array(data["coef"], dtype=np.float32)
        self.intercept = float(data["intercept"])

    def probability(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(features(texts, vectors) @ self.coef + self.intercept)))


def load(path: Path) -> ImminentModel:
    return ImminentModel(json.loads(path.read_text(encoding="utf-8")))


@cache
def shipped() -> ImminentModel:
    return load(LEARNED if LEARNED.exists() else SHIPPED)
