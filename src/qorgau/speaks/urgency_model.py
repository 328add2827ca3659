"""A learned second opinion on imminent danger, beside the lexicon (docs/speaks/triage.md).

A linear SVM over TF-IDF character 2-4-grams (scikit-learn), fitted on the labelled reports shipped with
the package (synthetic, data/labelled_reports.jsonl) and the development sets (`category_model.training()`)
by `data/_build_category_model.py` and stored as plain numbers in data/urgency_model.json. At run time the model is applied in pure Python from that file:
no scikit-learn import, no download, nothing written. The service raises a report's urgency to imminent
when this model puts it there and the lexicon did not, and shows the words that pushed it.

On the held-out half of the labelled set (model fitted on the other half) this lifts the recall of
imminent reports from 10 of 21 to 17 of 21, at a precision of about 0.7 (benchmarks/speaks_triage.py).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent / "data" / "urgency_model.json"
NGRAMS = (2, 4)


def fit(texts: list[str], urgencies: list[str]):
    """A scikit-learn pipeline (vectoriser, svm); used by the build script and the benchmark."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, min_df=2)
    svm = LinearSVC(C=0.5, class_weight="balanced", random_state=0)
    svm.fit(vectoriser.fit_transform(texts), urgencies)
    return vectoriser, svm


def export(vectoriser, svm) -> dict:
    """The fitted model as plain numbers (rounded to 6 significant digits)."""
    names = vectoriser.get_feature_names_out()
    return {"about": "speaks urgency model: TF-IDF char_wb 2-4-grams + LinearSVC, fitted on the labelled "
                     "reports and the development sets by data/_build_category_model.py",
            "classes": [str(c) for c in svm.classes_],
            "intercept": [float(f"{b:.6g}") for b in svm.intercept_],
            "ngrams": {str(name): [float(f"{vectoriser.idf_[i]:.6g}")] + [float(f"{row[i]:.6g}") for row in svm.coef_]
                       for i, name in enumerate(names)}}


def _ngrams(word: str) -> list[str]:
    """scikit-learn's char_wb n-grams of one word (padded with a space each side)."""
    padded, out = f" {word} ", []
    for n in range(NGRAMS[0], NGRAMS[1] + 1):
        offset = 0
        out.append(padded[offset:offset + n])
        while offset + n < len(padded):
            offset += 1
            out.append(padded[offset:offset + n])
        if offset == 0:
            break
    return out


@dataclass
class UrgencyModel:
    classes: list[str]
    intercept: list[float]
    ngrams: dict[str, list[float]]  # n-gram -> [idf, coefficient per class]

    def _features(self, text: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        counts: dict[str, int] = {}
        words_of: dict[str, list[str]] = {}
        for word in re.sub(r"\s\s+", " ", text.lower()).split():
            for gram in _ngrams(word):
                if gram in self.ngrams:
                    counts[gram] = counts.get(gram, 0) + 1
                    words_of.setdefault(gram, []).append(word)
        weights = {g: (1 + math.log(c)) * self.ngrams[g][0] for g, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}, words_of

    def decision(self, text: str) -> dict[str, float]:
        features, _ = self._features(text)
        return {c: self.intercept[k] + sum(w * self.ngrams[g][k + 1] for g, w in features.items())
                for k, c in enumerate(self.classes)}

    def imminent(self, text: str, *, top: int = 5) -> list[dict] | None:
        """The words that made the model say imminent (summed n-gram weights), or None when it does not."""
        scores = self.decision(text)
        if max(scores, key=scores.get) != "imminent":
            return None
        k = self.classes.index("imminent") + 1
        features, words_of = self._features(text)
        by_word: dict[str, float] = {}
        for gram, weight in features.items():
            contribution = weight * self.ngrams[gram][k]
            if contribution > 0:
                for word in set(words_of[gram]):
                    by_word[word] = by_word.get(word, 0.0) + contribution
        ranked = sorted(by_word.items(), key=lambda p: -p[1])[:top]
        return [{"word": re.sub(r"^\W+|\W+$", "", word) or word, "weight": round(weight, 2), "source": "model"}
                for word, weight in ranked]


@cache
def shipped() -> UrgencyModel:
    """The model fitted on the whole labelled set, from data/urgency_model.json (once per process)."""
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return UrgencyModel(data["classes"], data["intercept"], data["ngrams"])
