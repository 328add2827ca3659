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
    from qorgau.speaks import lexicon

    result = lexicon.classify(text)
    return Triage(result.category, result.urgency, result.explanation())


def redact(text: str) -> Redaction:
    from qorgau.speaks import pii

    result = pii.redact(text)
    return Redaction(result.text, [span.as_dict() for span in result.spans])
