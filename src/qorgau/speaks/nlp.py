"""The one place the web service calls the triage model and the redactor (see triage.py, redaction.py)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Triage:
    category: str
    urgency: str
    explanation: dict = field(default_factory=dict)  # the words that decided it, with weights


@dataclass
class Redaction:
    text: str
    spans: list[dict]


def triage(text: str) -> Triage:
    """The lexicon's category and urgency; urgency raised to imminent when the urgency model says so.

    The explanation keeps the lexicon's deciding stems; words the model weighed come first in
    `urgency_words`, marked `"source": "model"`, and `raised_by` names the model.
    """
    from qorgau.speaks import lexicon, model

    result = lexicon.classify(text)
    explanation = result.explanation()
    if result.urgency != "imminent":
        words = model.shipped().imminent(text)
        if words:
            explanation.update(urgency_words=words + explanation["urgency_words"], lexicon_urgency=result.urgency,
                               raised_by="urgency model (char n-gram SVM on the labelled set)")
            explanation["method"] += " + urgency model"
            return Triage(result.category, "imminent", explanation)
    return Triage(result.category, result.urgency, explanation)


def redact(text: str) -> Redaction:
    from qorgau.speaks import pii

    result = pii.redact(text)
    return Redaction(result.text, [span.as_dict() for span in result.spans])
