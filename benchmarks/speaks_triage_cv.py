"""Development figures of the Worker Speaks triage: cross-validation by set (leave one set out).

The four labelled sets that are development data (data/labelled_reports.jsonl, independent/, heldout/,
heldout2/; decisions 0039 and 0042) were written by different hands in different sittings. Each is left
out in turn: the category model, the imminent model and the urgency model are fitted on the three others
and the left-out set is triaged by `nlp.triage_many` with them (severity rules and lexicon as shipped).
These are the figures the triage's variants were chosen on; they are development figures, not held-out
ones (the rules and the lexicon were read against all four sets).

Category variants compared on the same folds (same classifier, logistic regression, class-balanced):
- `e5_lex` (shipped): multilingual-e5-small embedding + lexicon scores + severity rules;
- `e5_lex_x3`: the same with the lexicon's scores weighted three times as much;
- `e5_only`: the embedding alone;
- `tfidf_lex`: TF-IDF character 2-4-grams + the same lexicon and rule features (no embedding);
- `e5_tfidf_lex`: both representations side by side;
- `lexicon_v2`: the lexicon's own category (no learning).

    python benchmarks/speaks_triage_cv.py

The last line is one JSON object.
"""

from __future__ import annotations

import json

import numpy as np
from scipy.sparse import csr_matrix, hstack

from qorgau.speaks import category_model, imminent_model, lexicon, nlp
from qorgau.speaks import evaluation as ev
from qorgau.speaks import urgency_model as model

DATA = category_model.DATA
SETS = {"labelled": (ev.LABELLED, category_model.EMBEDDINGS),
        "independent": (ev.INDEPENDENT, DATA / "independent" / "embeddings.npy"),
        "heldout": (ev.HELDOUT, DATA / "heldout" / "embeddings.npy"),
        "heldout2": (ev.HELDOUT2, DATA / "heldout2" / "embeddings.npy")}
VARIANTS = ("e5_lex", "e5_lex_x3", "e5_only", "tfidf_lex", "e5_tfidf_lex", "lexicon_v2")


def r3(value):
    return None if value is None else round(value, 3)


def category_variant(kind: str, train_texts, train_labels, train_vectors, test_texts, test_vectors) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if kind == "lexicon_v2":
        return [lexicon.classify(t).category for t in test_texts]
    extra = category_model.descriptions()
    texts = list(train_texts) + [t for t, _ in extra]
    labels = list(train_labels) + [c for _, c in extra]
    vectors = np.vstack([train_vectors, category_model.description_vectors()])
    side_train = np.array([category_model.side_features(t) for t in texts])
    side_test = np.array([category_model.side_features(t) for t in test_texts])
    if kind.endswith("_x3"):
        lexicon_columns = len(lexicon.CATEGORY_STEMS)
        side_train[:, :lexicon_columns] *= 3
        side_test[:, :lexicon_columns] *= 3
    parts_train, parts_test = [], []
    if kind.startswith("e5"):
        parts_train.append(csr_matrix(vectors))
        parts_test.append(csr_matrix(test_vectors))
    if "tfidf" in kind:
        vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2)
        parts_train.append(vectoriser.fit_transform(texts))
        parts_test.append(vectoriser.transform(test_texts))
    if "lex" in kind:
        parts_train.append(csr_matrix(side_train))
        parts_test.append(csr_matrix(side_test))
    clf = LogisticRegression(C=category_model.C, max_iter=5000, class_weight="balanced")
    clf.fit(hstack(parts_train).tocsr(), labels)
    return list(clf.predict(hstack(parts_test).tocsr()))


def main() -> None:
    data = {name: (ev.load(path), np.load(saved).astype(np.float32)) for name, (path, saved) in SETS.items()}
    results: dict = {"benchmark": "speaks_triage_cv", "folds": {}}
    pooled: dict = {v: {"gold": [], "got": [], "lang": []} for v in VARIANTS}
    pooled_urgency = {"gold": [], "got": []}
    for left_out, (rows, vectors) in data.items():
        train_rows = [r for name, (rs, _) in data.items() if name != left_out for r in rs]
        train_vectors = np.vstack([vs for name, (_, vs) in data.items() if name != left_out])
        texts = [r["text"] for r in train_rows]
        test_texts = [r["text"] for r in rows]
        fitted = category_model.fit(texts, [r["category"] for r in train_rows], train_vectors)
        categoriser = category_model.CategoryModel(fitted["classes"], np.array(fitted["coef"], dtype=np.float32),
                                                   np.array(fitted["intercept"], dtype=np.float32), fitted["about"])
        imminent = imminent_model.ImminentModel(imminent_model.fit(texts, [r["urgency"] for r in train_rows],
                                                                   train_vectors))
        urgency = model.export(*model.fit(texts, [r["urgency"] for r in train_rows]))
        urgency = model.UrgencyModel(urgency["classes"], urgency["intercept"], urgency["ngrams"])
        verdicts = nlp.triage_many(test_texts, vectors=vectors, categoriser=categoriser, urgency_model=urgency,
                                   imminent=imminent)
        fold: dict = {"n": len(rows)}
        for kind in VARIANTS:
            got = ([v.category for v in verdicts] if kind == "e5_lex" else
                   category_variant(kind, texts, [r["category"] for r in train_rows], train_vectors, test_texts, vectors))
            fold[kind] = {lang: r3(ev.macro_f1([r["category"] for r in rows if r["lang"] == lang],
                                               [g for g, r in zip(got, rows, strict=True) if r["lang"] == lang]))
                          for lang in ev.LANGS}
            pooled[kind]["gold"] += [r["category"] for r in rows]
            pooled[kind]["got"] += got
            pooled[kind]["lang"] += [r["lang"] for r in rows]
        urgencies = [v.urgency for v in verdicts]
        fold["urgency"] = {k: r3(v) if isinstance(v, float) else v
                           for k, v in ev.urgency_figures([r["urgency"] for r in rows], urgencies).items()}
        fold["misses"] = [r["id"] for r, u in zip(rows, urgencies, strict=True)
                          if r["urgency"] == "imminent" and u != "imminent"]
        fold["false_imminent"] = [r["id"] for r, u in zip(rows, urgencies, strict=True)
                                  if r["urgency"] != "imminent" and u == "imminent"]
        pooled_urgency["gold"] += [r["urgency"] for r in rows]
        pooled_urgency["got"] += urgencies
        results["folds"][left_out] = fold
    results["pooled"] = {kind: {lang: r3(ev.macro_f1([g for g, la in zip(p["gold"], p["lang"], strict=True) if la == lang],
                                                     [g for g, la in zip(p["got"], p["lang"], strict=True) if la == lang]))
                                for lang in ev.LANGS} for kind, p in pooled.items()}
    results["pooled"]["urgency"] = {k: r3(v) if isinstance(v, float) else v for k, v in
                                    ev.urgency_figures(pooled_urgency["gold"], pooled_urgency["got"]).items()}
    print(f"{'left out':12} " + " ".join(f"{k:>20}" for k in VARIANTS) + "   imminent recall/precision")
    for name, fold in results["folds"].items():
        cells = [" ".join(f"{fold[k][lang]:.2f}" for lang in ev.LANGS) for k in VARIANTS]
        u = fold["urgency"]
        print(f"{name:12} " + " ".join(f"{c:>20}" for c in cells)
              + f"   {u['imminent_recall']}/{u['imminent_precision']} (n={u['imminent_n']})")
    cells = [" ".join(f"{results['pooled'][k][lang]:.2f}" for lang in ev.LANGS) for k in VARIANTS]
    u = results["pooled"]["urgency"]
    print(f"{'pooled':12} " + " ".join(f"{c:>20}" for c in cells)
          + f"   {u['imminent_recall']}/{u['imminent_precision']} (n={u['imminent_n']})")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
