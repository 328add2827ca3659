"""What a Safety Index card is as an issued document (its kind, the object it belongs to), and the revoking of
the cards of earlier runs when a period is computed again: both the card (`card`) and the computation
(`service`) need it, so it lives apart from both."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core import documents, i18n
from qorgau.core.i18n_markers import N_
from qorgau.index.models import Run

KIND = "index_card"
OBJECT_TYPE = "index_run"  # object_id is the run's id: a newer run of the period supersedes the card


def supersede(session: Session, *, run: Run) -> int:
    """Revoke the cards of the earlier runs of `run`'s period (each with the reason in its own language)."""
    earlier = [str(i) for i in session.execute(select(Run.id).where(Run.period == run.period, Run.id < run.id))
               .scalars()]
    if not earlier:
        return 0
    cards = session.execute(select(documents.IssuedDocument).where(
        documents.IssuedDocument.kind == KIND, documents.IssuedDocument.object_type == OBJECT_TYPE,
        documents.IssuedDocument.object_id.in_(earlier), documents.IssuedDocument.revoked_at.is_(None))).scalars()
    count = 0
    for card in cards:
        with i18n.locale_context(card.language):
            reason = i18n.translate(N_("Superseded: the %(period)s index was computed again (run %(run)s)."),
                                    "index") % {"period": run.period, "run": run.id}
        documents.revoke(session, document=card, reason=reason)
        count += 1
    return count
