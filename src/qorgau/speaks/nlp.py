"""The one place the web service and the CLI call the triage and the redactor (docs/speaks/triage.md).

Triage of a report, in order:
1. category: the category model (embedding + lexicon scores + severity rules -> linear classifier,
   `category_model.py`); its explanation is the chosen category's lexicon stems and nearest labelled reports;
2. urgency: the lexicon's (`lexicon.py`), raised to imminent when the urgency model (`urgency_model.py`) or the
   imminent model (`imminent_model.py`, embedding + lexicon + rules) says so;
3. severity rules (`severity.py`): a death, amputation, loss of consciousness, fire or explosion,
   collapse or entrapment, electrocution, gas poisoning or fall from height makes it at least `high`,
   and `imminent` when the danger is still present. Rules only ever raise the urgency.

CPU work (the embedding): call from a worker thread or a plain `def` route, never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

URGENCY_ORDER = ("low", "normal", "high", "imminent")
METHOD = "category model (multilingual-e5-small + lexicon v2 -> logistic regression); urgency: lexicon v2"


@dataclass
class Triage:
    category: str
    urgency: str
    explanation: dict = field(default_factory=dict)  # the words that decided it, with weights


@dataclass
class Redaction:
    text: str
    spans: list[dict]


def _raise(urgency: str, floor: str | None) -> str:
    if floor is None:
        return urgency
    return max(urgency, floor, key=URGENCY_ORDER.index)


def triage_many(texts: list[str], *, vectors=None, categoriser=None, urgency_model=None,
                imminent=None) -> list[Triage]:
    """Triage several reports; their embeddings are computed in one batch.

    `vectors`, `categoriser`, `urgency_model` and `imminent` replace the embeddings and the shipped models
    (the benchmark passes models fitted on part of the labelled set).
    """
    from qorgau.speaks import category_model, embedding, imminent_model, lexicon, severity
    from qorgau.speaks.urgency_model import shipped as shipped_urgency_model

    vectors = embedding.embed(list(texts)) if vectors is None else vectors
    verdicts = (categoriser or category_model.shipped()).decide(list(texts), vectors)
    urgency_model = urgency_model or shipped_urgency_model()
    imminence = (imminent or imminent_model.shipped()).probability(list(texts), vectors)
    out = []
    for text, verdict, p_imminent in zip(texts, verdicts, imminence, strict=True):
        lexical = lexicon.classify(text)
        urgency, method = lexical.urgency, METHOD
        urgency_words = lexical.urgency_words
        explanation: dict = {"category": verdict.category, "category_source": "model",
                             "category_probability": verdict.probability, "category_words": verdict.words,
                             "nearest": verdict.nearest, "lexicon_category": lexical.category}
        if urgency != "imminent":
            words = urgency_model.imminent(text)
            if words:
                explanation.update(lexicon_urgency=urgency,
                                   raised_by="urgency model (char n-gram SVM on the labelled set)")
                urgency, urgency_words, method = "imminent", words + urgency_words, method + " + urgency model"
        if urgency != "imminent" and p_imminent >= imminent_model.THRESHOLD:
            explanation.update(lexicon_urgency=lexical.urgency, imminent_probability=round(float(p_imminent), 3),
                               raised_by="imminent model (embedding + lexicon + severity rules)")
            urgency, method = "imminent", method + " + imminent model"
        found = severity.assess(text)
        if found.over and urgency == "imminent" and found.floor == "high":
            # An accident rule fired, nothing says the danger is still there, and it is over (taken to
            # hospital, machine stopped, yesterday): high, not imminent.
            explanation.update(lowered_from="imminent", lowered_by="severity rules: the accident is over ("
                               + ", ".join(found.over) + ")")
            explanation.setdefault("lexicon_urgency", lexical.urgency)
            urgency, method = "high", method + " + severity rules (over)"
        if found.fired:
            explanation["severity"] = found.as_dict()
            raised = _raise(urgency, found.floor)
            if raised != urgency:
                explanation.setdefault("lexicon_urgency", lexical.urgency)
                explanation["raised_by"] = "severity rules: " + ", ".join(f["rule"] for f in found.fired)
                urgency, method = raised, method + " + severity rules"
        explanation.update(urgency_words=urgency_words, method=method)
        out.append(Triage(verdict.category, urgency, explanation))
    return out


def triage(text: str) -> Triage:
    """Category and urgency of one report, with what decided them."""
    return triage_many([text])[0]


def redact(text: str) -> Redaction:
    return redact_many([text])[0]


def redact_many(texts: list[str]) -> list[Redaction]:
    """`redact` for several texts; the name recogniser runs once over all of them."""
    from qorgau.speaks import pii

    return [Redaction(result.text, [span.as_dict() for span in result.spans]) for result in pii.redact_many(list(texts))]
