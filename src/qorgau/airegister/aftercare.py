"""After approval: conditions met, periodic reviews, suspension recommendations and worker reports linked
to the system."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from qorgau.airegister import steps
from qorgau.airegister.models import (
    APPROVED,
    CONDITION_MOVES,
    Condition,
    ConditionStatus,
    Filing,
    LinkedReport,
)
from qorgau.airegister.reading import get
from qorgau.aiwork import service as aiwork
from qorgau.core import policy
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.speaks import service as speaks


def plan_agreement(session: Session, condition: Condition) -> str | None:
    """For an agreed-plan condition: how the plan was agreed (the evidence), or None while it is not."""
    plan = aiwork.agreed_plan(session=session, plan_id=condition.plan_id)
    if plan is None:
        return None
    return f"{plan.employer_signatory}, {plan.agreed_on.isoformat() if plan.agreed_on else ''}"


def _condition(filing: Filing, condition_id: int) -> Condition:
    found = next((c for c in filing.conditions if c.id == condition_id), None)
    if found is None:
        raise NotFound(N_("No such condition."), field="condition_id")
    return found


def condition_met(*, session: Session, actor: User, filing_id: int, condition_id: int, evidence: str,
                  today: date | None = None) -> Condition:
    """The union confirms the employer met a condition (with what shows it)."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    condition = _condition(filing, condition_id)
    if condition.kind == "agreed_plan":
        agreed = plan_agreement(session, condition)
        if agreed is None:
            raise ValidationFailed(N_("The retraining plan is not agreed with the employer yet."), field="evidence")
        evidence = f"{evidence.strip()} ({agreed})".strip() if evidence.strip() else agreed
    if len(evidence.strip()) < 5:
        raise ValidationFailed(N_("Say what shows the condition is met."), field="evidence")
    condition.status = CONDITION_MOVES.move(condition.status, ConditionStatus.MET)
    condition.met_on, condition.evidence = steps.today(today), evidence.strip()
    steps.log(session, filing, actor, "condition_met", condition_id=condition.id, evidence=evidence.strip())
    if filing.suspension_recommended and all(c.status == ConditionStatus.MET for c in filing.conditions):
        filing.suspension_recommended, filing.suspension_reason = False, ""
        steps.log(session, filing, actor, "suspension_lifted")
    session.flush()
    return condition


def record_review(*, session: Session, actor: User, filing_id: int, note: str, today: date | None = None) -> Filing:
    """A periodic review after deployment was held; the next one is scheduled."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    if filing.status not in APPROVED:
        raise ValidationFailed(N_("Only an approved system is reviewed."), field="status")
    if len(note.strip()) < 5:
        raise ValidationFailed(N_("Write what the review found."), field="note")
    today = steps.today(today)
    filing.next_review_on = steps.add_months(today, filing.review_every_months)
    filing.review_notified_on = None
    steps.log(session, filing, actor, "reviewed", note=note.strip(), next_review_on=str(filing.next_review_on))
    session.flush()
    return filing


def recommend_suspension(*, session: Session, actor: User, filing_id: int, reason: str) -> Filing:
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    if filing.status not in APPROVED:
        raise ValidationFailed(N_("Only an approved system can be suspended."), field="status")
    if len(reason.strip()) < 10:
        raise ValidationFailed(N_("Give the reason (at least 10 characters)."), field="reason")
    filing.suspension_recommended, filing.suspension_reason = True, reason.strip()
    steps.log(session, filing, actor, "suspension_recommended", reason=reason.strip())
    steps.tell(session, steps.employers(session, filing.enterprise_id), filing, "suspension",
          N_("%(ref)s %(name)s: the union recommends suspending the system"))
    session.flush()
    return filing


def link_report(*, session: Session, actor: User, filing_id: int, reference: str, kind: str,
                note: str = "", today: date | None = None) -> LinkedReport:
    """Link a worker's Worker Speaks report (wrong decision, harm, surveillance) to the AI system."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    if kind not in ("wrong_decision", "harm", "surveillance", "other"):
        raise ValidationFailed(N_("Unknown kind."), field="kind")
    report_id = speaks.report_id_by_reference(session=session, reference=reference.strip().upper())
    if report_id is None:
        raise ValidationFailed(N_("No worker report has this reference."), field="reference")
    try:
        report = speaks.get(session=session, actor=actor, report_id=report_id)
    except NotFound:
        raise ValidationFailed(N_("No worker report has this reference."), field="reference") from None
    if report.enterprise_id is not None and report.enterprise_id != filing.enterprise_id:
        raise ValidationFailed(N_("The report is about another enterprise."), field="reference")
    if any(link.speaks_report_id == report.id for link in filing.linked_reports):
        raise ValidationFailed(N_("This report is already linked."), field="reference")
    link = LinkedReport(filing_id=filing.id, speaks_report_id=report.id, reference=report.reference, kind=kind,
                        note=note.strip(), linked_by=actor.id, linked_on=steps.today(today))
    session.add(link)
    session.flush()
    session.expire(filing, ["linked_reports"])
    steps.log(session, filing, actor, "report_linked", reference=report.reference, kind=kind)
    session.flush()
    return link
