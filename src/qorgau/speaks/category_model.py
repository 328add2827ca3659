"""The category model: multilingual sentence embeddings + the lexicon's scores -> a linear classifier.

Features of a report (docs/speaks/triage.md, "Category model"):
- its multilingual-e5-small embedding (`speaks/embedding.py`, 384 numbers, the e5 "query: " side);
- the lexicon's score for each of the 14 categories (`speaks/lexicon.py`), scaled by LEXICON_SCALE;
- which severity rules fired (`speaks/severity.py`), one 0/1 per rule.

A multinomial logistic regression (scikit-learn, class-balanced) is fitted on the labelled reports
(`data/labelled_reports.jsonl`), the development set written separately by another hand
(`data/independent/reports.jsonl`), the first and second held-out sets, development data since the next one
was written (`data/heldout/`, `data/heldout2/`, decisions 0039 and 0042; never the held-out set in
`data/heldout3/`), plus short descriptions of each category in kk/ru/en
(`data/category_descriptions.json`) and, after `qorgau speaks train`, officers' corrections. At run time
the fitted weights are applied with numpy from `data/category_model.json` (or the retrained
`data/category_model_learned.json`); nothing is downloaded and scikit-learn is only needed to fit.

The explanation is the lexicon's stems *of the chosen category* (never those of another one) and the
nearest labelled reports of that category (cosine similarity of the embeddings shipped in
`data/labelled_embeddings.npy`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from qorgau.speaks import embedding, lexicon, severity

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = DATA / "category_model.json"
LEARNED = DATA / "category_model_learned.json"
EMBEDDINGS = DATA / "labelled_embeddings.npy"
DESCRIPTIONS = DATA / "category_descriptions.json"
LABELLED = DATA / "labelled_reports.jsonl"
DEVELOPMENT = DATA / "independent" / "reports.jsonl"
DEVELOPMENT_EMBEDDINGS = DATA / "independent" / "embeddings.npy"
# The development sets (reports, embeddings), training data beside the labelled reports (decision 0042).
# Never heldout3/, the held-out set.
DEVELOPMENT_SETS = ((DEVELOPMENT, DEVELOPMENT_EMBEDDINGS),
                    (DATA / "heldout" / "reports.jsonl", DATA / "heldout" / "embeddings.npy"),
                    (DATA / "heldout2" / "reports.jsonl", DATA / "heldout2" / "embeddings.npy"))
LEXICON_SCALE = 0.1
C = 4.0
RULES = [rule.code for rule in severity.RULES]


def lexicon_scores(text: str) -> np.ndarray:
    normal = lexicon._normalise(text)
    learned = lexicon._learned()
    return np.array([lexicon._score(lexicon._hits(normal, {**stems, **learned.get(category, {})}))
                     for category, stems in lexicon.CATEGORY_STEMS.items()], dtype=np.float32)


def side_features(text: str) -> np.ndarray:
    fired = {f["rule"] for f in severity.assess(text).fired}
    rules = np.array([float(code in fired) for code in RULES], dtype=np.float32)
    return np.concatenate([lexicon_scores(text) * LEXICON_SCALE, rules])


def features(texts: list[str], vectors: np.ndarray | None = None) -> np.ndarray:
    vectors = embedding.embed(texts) if vectors is None else vectors
    side = np.array([side_features(t) for t in texts], dtype=np.float32).reshape(len(texts), -1)
    return np.hstack([vectors, side])


def descriptions() -> list[tuple[str, str]]:
    data = json.loads(DESCRIPTIONS.read_text(encoding="utf-8"))
    return [(text, category) for category, by_lang in data.items() for texts in by_lang.values() for text in texts]


@cache
def description_vectors() -> np.ndarray:
    return embedding.embed([text for text, _ in descriptions()])


def fit(texts: list[str], labels: list[str], vectors: np.ndarray | None = None) -> dict:
    """Fit on the given reports plus the category descriptions; the model as plain numbers."""
    from sklearn.linear_model import LogisticRegression

    extra = descriptions()
    all_texts = list(texts) + [t for t, _ in extra]
    extra_vectors = description_vectors()
    vectors = embedding.embed(list(texts)) if vectors is None else vectors
    x = features(all_texts, np.vstack([vectors, extra_vectors]))
    y = list(labels) + [c for _, c in extra]
    clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x, y)
    return {"about": f"speaks category model: {embedding.MODEL} embedding + lexicon scores x {LEXICON_SCALE} "
                     f"+ severity rules -> logistic regression (C={C}, balanced)",
            "embedding": embedding.MODEL, "reports": len(texts), "classes": [str(c) for c in clf.classes_],
            "coef": [[float(f"{w:.6g}") for w in row] for row in clf.coef_],
            "intercept": [float(f"{b:.6g}") for b in clf.intercept_]}


@dataclass
class Verdict:
    category: str
    probability: float
    words: list[dict]
    nearest: list[dict]


@dataclass
class CategoryModel:
    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    about: str

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        logits = x @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return odds / odds.sum(axis=1, keepdims=True)

    def decide(self, texts: list[str], vectors: np.ndarray) -> list[Verdict]:
        probs = self.probabilities(features(texts, vectors))
        verdicts = []
        for text, vector, row in zip(texts, vectors, probs, strict=True):
            best = int(row.argmax())
            category = self.classes[best]
            verdicts.append(Verdict(category, round(float(row[best]), 3), category_words(text, category),
                                    nearest_examples(vector, category)))
        return verdicts


def category_words(text: str, category: str) -> list[dict]:
    """The lexicon's stems of `category` found in the text (never another category's)."""
    stems = {**lexicon.CATEGORY_STEMS.get(category, {}), **lexicon._learned().get(category, {})}
    return [{**hit, "source": "lexicon"} for hit in lexicon._hits(lexicon._normalise(text), stems)[:6]]


@cache
def _labelled() -> tuple[np.ndarray, list[dict]]:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    return np.load(EMBEDDINGS).astype(np.float32), rows


def development_rows(path: Path = DEVELOPMENT) -> list[dict]:
    """One development set's reports (training data beside the labelled reports)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def training() -> tuple[list[dict], np.ndarray]:
    """All the shipped training reports (labelled + the development sets) and their embeddings."""
    vectors, rows = _labelled()
    extra = [row for path, _ in DEVELOPMENT_SETS for row in development_rows(path)]
    return rows + extra, np.vstack([vectors] + [np.load(saved).astype(np.float32) for _, saved in DEVELOPMENT_SETS])


def nearest_examples(vector: np.ndarray, category: str, *, top: int = 3) -> list[dict]:
    """The labelled reports of `category` most similar to the report (cosine of the embeddings)."""
    matrix, rows = _labelled()
    similarity = matrix @ vector
    order = [i for i in np.argsort(-similarity) if rows[i]["category"] == category][:top]
    return [{"id": rows[i]["id"], "text": rows[i]["text"], "similarity": round(float(similarity[i]), 3)}
            for i in order]


def load(path: Path) -> CategoryModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return CategoryModel(data["classes"], np.array(data["coef"], dtype=np.float32),
                         np.array(data["intercept"], dtype=np.float32), data["about"])


@cache
def shipped() -> CategoryModel:
    """The retrained model when `qorgau speaks train` has written one, else the shipped one (once per process)."""
    return load(LEARNED if LEARNED.exists() else SHIPPED)


def retrain(corrections: list[tuple[str, str, str]]) -> dict:
    """Refit on the shipped training reports plus officers' corrections (and the imminent model on their
    urgencies); writes LEARNED and imminent_model.LEARNED (weights only, no texts)."""
    rows, base = training()
    texts = [row["text"] for row in rows] + [text for text, _, _ in corrections]
    labels = [row["category"] for row in rows] + [category for _, category, _ in corrections]
    vectors = np.vstack([base, embedding.embed([text for text, _, _ in corrections])])
    fitted = fit(texts, labels, vectors)
    fitted["corrections"] = len(corrections)
    LEARNED.write_text(json.dumps(fitted, separators=(",", ":")), encoding="utf-8")
    shipped.cache_clear()
    from qorgau.speaks import imminent_model

    urgencies = [row["urgency"] for row in rows] + [urgency for _, _, urgency in corrections]
    imminent = imminent_model.fit(texts, urgencies, vectors)
    imminent_model.LEARNED.write_text(json.dumps({**imminent, "corrections": len(corrections)}), encoding="utf-8")
    imminent_model.shipped.cache_clear()
    return fitted

