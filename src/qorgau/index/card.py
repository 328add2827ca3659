"""One enterprise's Safety Index card as a PDF (kk, ru or en) with a verification code and QR code.

The card states the score, the rank among the ranked enterprises with its 90% interval from the Monte
Carlo (index/uncertainty.py), the score interval, coverage, every indicator's value, normalised value
and source, the methodology version and the period. It is issued through core.documents: stored with
its fingerprint and checkable on /verify/<code>. A card belongs to one run: when a newer run of the same
period is computed, every card of the earlier runs of that period is revoked with that reason, so the
check page says the card is genuine but no longer current.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from qorgau.core import documents, i18n
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.index import service
from qorgau.index.card_documents import KIND, OBJECT_TYPE
from qorgau.index.methodology import DIRECTIONS, SOURCES
from qorgau.index.models import Run, Score
from qorgau.index.states import SCORE_LABELS, SourceStatus
from qorgau.registry.models import Enterprise

STATUS_LABELS = SCORE_LABELS


def _published_run_id(session: Session, period: int) -> int | None:
    item = service.publication(session=session, period=period)
    return item.run_id if item is not None else None


def card_context(session: Session, run: Run, score: Score, language: str) -> dict:
    """What the card shows, with the methodology's texts in `language`."""
    method = service.parsed(run.methodology)
    shares = method.effective_weights()
    sourced = {name: set(info.get("indicators", [])) for name, info in (run.sources or {}).items()
               if name != "_unsourced" and info.get("status") == SourceStatus.USED}
    rows = []
    for indicator in method.indicators:
        values = (score.indicators or {}).get(indicator.id, {})
        has_source = indicator.id in sourced.get(indicator.source, set())
        rows.append({"label": indicator.label.get(language), "unit": indicator.unit.get(language),
                     "period": indicator.period.get(language), "direction": DIRECTIONS[indicator.direction],
                     "share": shares[indicator.id], "raw": values.get("raw"), "normalised": values.get("normalised"),
                     "imputed": bool(values.get("imputed", False)),
                     "source": SOURCES.get(indicator.source, indicator.source), "has_source": has_source})
    pillars = [{"label": p.label.get(language), "score": (score.pillars or {}).get(p.id)} for p in method.pillars]
    return {"run": run, "s": score, "indicators": rows, "pillars": pillars, "status_labels": STATUS_LABELS,
            "method_title": method.title.get(language), "published": _published_run_id(session, run.period) == run.id}


def issue_card(session: Session, *, actor: User, run_id: int, enterprise_id: int, language: str,
               public_url: str) -> documents.IssuedDocument:
    """Issue (and keep) the card of one enterprise in one run, inside the reader's scope. The published index
    stays public on its pages; a card is a document issued in the union's name, so only those who answer for
    the enterprise issue it."""
    if language not in i18n.LOCALES:
        raise ValidationFailed(N_("Unknown language."), field="language")
    run, score = service.draft_score(session=session, actor=actor, run_id=run_id, enterprise_id=enterprise_id)
    enterprise = session.get(Enterprise, enterprise_id)
    with i18n.locale_context(language):
        title = i18n.translate(N_("Safety Index card %(period)s"), "index") % {"period": run.period}
        enterprise_name = i18n.localized(enterprise, "name") if enterprise is not None else ""
    issued = documents.issue(
        session, kind=KIND, title=title, subject=enterprise_name, template="index/card_pdf.html", language=language,
        public_url=public_url, enterprise_id=enterprise_id, object_type=OBJECT_TYPE, object_id=str(run.id),
        issued_by=f"user:{actor.username}",
        context={**card_context(session, run, score, language), "enterprise": enterprise,
                 "enterprise_name": enterprise_name})
    return issued.document
