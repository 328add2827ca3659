"""Worker Speaks' periodic work, run by `qorgau jobs worker` (see core.jobs)."""

from __future__ import annotations

from datetime import date

from qorgau.core.i18n_markers import N_
from qorgau.core.jobs import JobContext, daily, job
from qorgau.core.retention import Action, rule


@job("speaks.escalate", title=N_("Escalate overdue Worker Speaks reports"), **daily(hour=0, minute=30))
def escalate(ctx: JobContext) -> dict:
    from qorgau.speaks import service

    moved = service.escalate_overdue(session=ctx.session, today=date.today())
    return {"escalated": len(moved)}


def _anonymise_closed(session, cutoff) -> int:
    """Closed and spam reports past the period keep only what statistics need (kind, category, urgency,
    enterprise, days); their text, contact details, attachments and messages are removed."""
    from sqlalchemy import delete, func, or_, select, update

    from qorgau.speaks.models import ENDED_STATUSES, Attachment, Message, Report

    ended = func.coalesce(Report.resolved_on, Report.received_on)
    due = select(Report.id).where(Report.status.in_(ENDED_STATUSES), ended < cutoff.date(),
                                  or_(Report.description_encrypted != b"", Report.contact_encrypted.is_not(None)))
    ids = list(session.execute(due).scalars())
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        session.execute(delete(Attachment).where(Attachment.report_id.in_(chunk)))
        session.execute(delete(Message).where(Message.report_id.in_(chunk)))
        session.execute(update(Report).where(Report.id.in_(chunk))
                        .values(description_encrypted=b"", redacted_encrypted=b"", contact_encrypted=None,
                                pii_types=[]))
    return len(ids)


def _delete_receipt_failures(session, cutoff) -> int:
    from sqlalchemy import delete

    from qorgau.speaks.models import ReceiptFailure

    # failures are counted per receipt prefix and day (no time of day is kept)
    return session.execute(delete(ReceiptFailure).where(ReceiptFailure.day < cutoff.date())).rowcount or 0


rule(key="speaks.closed_reports", package="speaks", days=365, action=Action.ANONYMISE,
     record=N_("Worker Speaks reports: text, contact details, attachments and messages"),
     period=N_("1 year after the report is closed (or marked spam)"),
     source=N_("Personal data law, art. 12, and the whistleblowing channel's policy: nothing kept longer than "
               "the follow-up needs; counts by category stay for statistics"),
     enforce=_anonymise_closed)
rule(key="speaks.receipt_failures", package="speaks", days=30, action=Action.DELETE,
     record=N_("Failed receipt look-ups (time only)"), period=N_("30 days"), source=N_("Platform policy"),
     enforce=_delete_receipt_failures)
