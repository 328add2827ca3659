"""Deadlines: overdue decisions and unmet conditions move up the union tree; periodic reviews that fall
due are announced."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.airegister import steps
from qorgau.airegister.aftercare import plan_agreement
from qorgau.airegister.filings import REVIEW_DAYS
from qorgau.airegister.models import (
    APPROVED,
    CONDITION_MOVES,
    IN_REVIEW,
    UNMET,
    Condition,
    ConditionStatus,
    Filing,
)
from qorgau.core.i18n_markers import N_
from qorgau.registry.models import UnionOrg

ESCALATE_AGAIN_DAYS = 7  # an unmet overdue condition goes one level further up every week


def escalate(session: Session, now: datetime | date) -> list[dict]:
    """Overdue steps move up: a filing the union has not decided by its deadline goes to the union above;
    an unmet condition past its due date is marked overdue, the system is recommended for suspension and
    the union above is told, one level further every week it stays unmet; a periodic review that falls
    due is announced. Returns what was done (each step is also in the filing's event log)."""
    today = now.date() if isinstance(now, datetime) else now
    done: list[dict] = []
    late = select(Filing).where(Filing.status.in_(IN_REVIEW), Filing.review_due < today)
    for filing in session.execute(late.order_by(Filing.id)).scalars():
        current = session.get(UnionOrg, filing.union_org_id) if filing.union_org_id else None
        if current is None or current.parent_id is None:
            continue
        filing.union_org_id = current.parent_id
        filing.escalation_level += 1
        filing.review_due = today + timedelta(days=REVIEW_DAYS // 2)
        steps.log(session, filing, None, "review_escalated", union_org_id=current.parent_id,
               level=filing.escalation_level)
        steps.tell(session, steps.officers(session, current.parent_id), filing, "escalated",
              N_("%(ref)s %(name)s: the decision is overdue and was escalated to your union"))
        done.append({"filing": filing.reference, "step": "review_escalated", "level": filing.escalation_level})
    plan_conditions = select(Condition).join(Filing).where(Condition.kind == "agreed_plan",
                                                           Condition.status.in_(UNMET))
    for condition in session.execute(plan_conditions.order_by(Condition.id)).scalars():
        agreed = plan_agreement(session, condition)
        if agreed is not None:  # the plan was agreed: the condition is met, whatever the date
            condition.status = CONDITION_MOVES.move(condition.status, ConditionStatus.MET)
            condition.met_on, condition.evidence = today, agreed
            steps.log(session, condition.filing, None, "condition_met", condition_id=condition.id, evidence=agreed)
            done.append({"filing": condition.filing.reference, "step": "condition_met", "condition": condition.id})
    session.flush()
    overdue = (select(Condition).join(Filing).where(Condition.status.in_(UNMET), Condition.due_on < today,
                                                    Filing.status.in_(APPROVED)).order_by(Condition.id))
    for condition in session.execute(overdue).scalars():
        filing = condition.filing
        if condition.status == ConditionStatus.OPEN:
            condition.status = CONDITION_MOVES.move(condition.status, ConditionStatus.OVERDUE)
        elif condition.escalated_on and condition.escalated_on > today - timedelta(days=ESCALATE_AGAIN_DAYS):
            continue
        condition.escalation_level += 1
        condition.escalated_on = today
        target = filing.union_org_id
        for _step in range(condition.escalation_level):
            org = session.get(UnionOrg, target) if target else None
            if org is None or org.parent_id is None:
                break
            target = org.parent_id
        # The reason is the overdue condition itself (shown from the condition, in the reader's language); a
        # reason a person wrote stays as written.
        filing.suspension_recommended = True
        steps.log(session, filing, None, "condition_escalated", condition_id=condition.id,
               due_on=str(condition.due_on), level=condition.escalation_level, union_org_id=target)
        steps.tell(session, steps.officers(session, target) + steps.employers(session, filing.enterprise_id), filing,
              "condition_overdue", N_("%(ref)s %(name)s: a condition of approval is overdue; suspension recommended"))
        done.append({"filing": filing.reference, "step": "condition_escalated", "condition": condition.id,
                     "level": condition.escalation_level})
    reviews = select(Filing).where(Filing.status.in_(APPROVED), Filing.next_review_on <= today,
                                   Filing.review_notified_on.is_(None))
    for filing in session.execute(reviews.order_by(Filing.id)).scalars():
        filing.review_notified_on = today
        steps.log(session, filing, None, "review_due", next_review_on=str(filing.next_review_on))
        steps.tell(session, steps.officers(session, filing.union_org_id), filing, "review_due",
              N_("%(ref)s %(name)s: the periodic review is due"))
        done.append({"filing": filing.reference, "step": "review_due"})
    session.flush()
    return done
