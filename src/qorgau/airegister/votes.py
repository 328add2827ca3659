"""The vote and the decision: opening the vote, votes, the tally, and the decision with its conditions
(including retraining plans to be agreed)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from qorgau.airegister import steps
from qorgau.airegister.impact import blockers
from qorgau.airegister.models import FILING_MOVES, Condition, Filing, FilingStatus, Vote
from qorgau.airegister.reading import get
from qorgau.aiwork import service as aiwork
from qorgau.core import i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User


def tally(filing: Filing) -> dict:
    counts = {"for": 0, "against": 0, "abstain": 0}
    for vote in filing.votes:
        counts[vote.choice] += 1
    cast = sum(counts.values())
    decisive = counts["for"] + counts["against"]
    passed = decisive > 0 and counts["for"] * 100 > filing.majority_pct * decisive
    return {**counts, "cast": cast, "quorum": filing.quorum, "quorum_met": cast >= filing.quorum,
            "majority_pct": filing.majority_pct, "passed": passed}


def open_vote(*, session: Session, actor: User, filing_id: int, quorum: int = 1, majority_pct: int = 50) -> Filing:
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    if not FILING_MOVES.allowed(filing.status, FilingStatus.VOTING):
        raise ValidationFailed(N_("Voting opens on a filing under review."), field="status")
    if not 1 <= quorum <= 500:
        raise ValidationFailed(N_("The quorum is from 1 to 500 votes."), field="quorum")
    if not 50 <= majority_pct <= 99:
        raise ValidationFailed(N_("The majority is from 50 to 99 per cent."), field="majority_pct")
    filing.status = FILING_MOVES.move(filing.status, FilingStatus.VOTING)
    filing.quorum, filing.majority_pct = quorum, majority_pct
    steps.log(session, filing, actor, "vote_opened", quorum=quorum, majority_pct=majority_pct)
    session.flush()
    return filing


def vote(*, session: Session, actor: User, filing_id: int, choice: str, note: str = "") -> Vote:
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.vote")
    if filing.status != FilingStatus.VOTING:
        raise ValidationFailed(N_("Voting is not open."), field="choice")
    if choice not in ("for", "against", "abstain"):
        raise ValidationFailed(N_("Unknown choice."), field="choice")
    mine = next((v for v in filing.votes if v.voter_id == actor.id), None)
    if mine is None:
        mine = Vote(filing_id=filing.id, voter_id=actor.id, choice=choice, note=note.strip())
        session.add(mine)
    else:
        mine.choice, mine.note, mine.cast_at = choice, note.strip(), utcnow()
    session.flush()
    session.refresh(filing, ["votes"])
    steps.log(session, filing, actor, "vote", choice=choice)
    session.flush()
    return mine


def decide(*, session: Session, actor: User, filing_id: int, reasons: str = "",
           conditions: list[tuple[str, date]] | None = None, review_every_months: int = 12,
           plan_conditions: list[tuple[int, date]] | None = None, today: date | None = None) -> Filing:
    """Close the vote. Passed: approved (with conditions, if any are set); failed: rejected with reasons.
    `plan_conditions` (plan id, due date) require a retraining plan of the filing's enterprise to be agreed
    with the employer by the due date. Approval is refused while anything in `blockers` stands."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    today = steps.today(today)
    conditions = conditions or []
    plans = _required_plans(session, actor, filing, plan_conditions or [], today)
    if not FILING_MOVES.allowed(filing.status, FilingStatus.APPROVED):
        raise ValidationFailed(N_("Open the vote first."), field="status")
    result = tally(filing)
    if not result["quorum_met"]:
        raise ValidationFailed(N_("No quorum: %(cast)s of %(quorum)s votes cast."), field="quorum",
                               params={"cast": result["cast"], "quorum": result["quorum"]})
    if not 1 <= review_every_months <= 60:
        raise ValidationFailed(N_("Review every 1 to 60 months."), field="review_every_months")
    if result["passed"]:
        found = blockers(session=session, filing=filing)
        if found:
            message, params, field = found[0]
            rule_reason = params.get("reason")
            if rule_reason:
                params = {**params, "reason": i18n.gettext(rule_reason)}
            raise ValidationFailed(message, field=field, params=params)
        for number, (text, due_on) in enumerate(conditions, start=1):
            if len(text.strip()) < 5:
                raise ValidationFailed(N_("Condition %(n)s: describe it."), field="conditions", params={"n": number})
            if due_on <= today:
                raise ValidationFailed(N_("Condition %(n)s: the due date must be after today."), field="conditions",
                                       params={"n": number})
        for text, due_on in conditions:
            session.add(Condition(filing_id=filing.id, text=text.strip(), due_on=due_on))
        for plan, due_on in plans:
            session.add(Condition(filing_id=filing.id, text=plan.title, due_on=due_on, kind="agreed_plan",
                                  plan_id=plan.id))
        filing.status = FILING_MOVES.move(filing.status, FilingStatus.APPROVED_WITH_CONDITIONS if conditions or plans
                                          else FilingStatus.APPROVED)
        filing.review_every_months = review_every_months
        filing.next_review_on = steps.add_months(today, review_every_months)
    else:
        if len(reasons.strip()) < 10:
            raise ValidationFailed(N_("The vote did not pass: give the reasons for the rejection."), field="reasons")
        filing.status = FILING_MOVES.move(filing.status, FilingStatus.REJECTED)
    filing.decided_on, filing.decision_reasons = today, reasons.strip()
    session.flush()
    steps.log(session, filing, actor, "decided", outcome=filing.status, tally=result, reasons=reasons.strip(),
           conditions=[{"text": t, "due_on": str(d)} for t, d in conditions]
           + [{"agreed_plan": p.id, "due_on": str(d)} for p, d in plans])
    steps.tell(session, steps.employers(session, filing.enterprise_id), filing, "decided",
          N_("%(ref)s %(name)s: the union decided"))
    session.flush()
    session.expire(filing, ["conditions"])
    return filing


def _required_plans(session: Session, actor: User, filing: Filing, wanted: list[tuple[int, date]],
                    today: date) -> list[tuple]:
    """The retraining plans a decision requires to be agreed: plans of the filing's enterprise the actor sees."""
    found = []
    for number, (plan_id, due_on) in enumerate(wanted, start=1):
        plan = aiwork.get_plan(session=session, actor=actor, plan_id=plan_id)
        if plan.enterprise_id != filing.enterprise_id:
            raise ValidationFailed(N_("Plan condition %(n)s: the retraining plan is for another enterprise."),
                                   field="plan_id", params={"n": number})
        if due_on <= today:
            raise ValidationFailed(N_("Condition %(n)s: the due date must be after today."), field="plan_due_on",
                                   params={"n": number})
        found.append((plan, due_on))
    return found


def plans_of_enterprise(*, session: Session, actor: User, enterprise_id: int) -> list:
    """Retraining plans of an enterprise the actor sees (what a decision can require to be agreed)."""
    if not policy.allowed(actor, "aiwork.review"):
        return []
    return [p for p in aiwork.plans(session=session, actor=actor) if p.enterprise_id == enterprise_id]
