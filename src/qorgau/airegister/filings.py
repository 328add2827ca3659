"""Filing an AI system: the draft, every change as a new version, submission to the competent union
body and withdrawal."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qorgau.airegister import steps
from qorgau.airegister.models import DECIDED, FILING_MOVES, Filing, FilingStatus, Version, Vote
from qorgau.airegister.reading import classification, data_of, diff, get
from qorgau.airegister.schemas import FilingIn
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.registry import access, routing
from qorgau.registry.models import Enterprise, Occupation, UnionOrg

REVIEW_DAYS = 30  # the union decides within this many days of submission


def route(session: Session, enterprise: Enterprise) -> UnionOrg | None:
    """The competent union body: the enterprise's primary organisation (the registry's union routing)."""
    return routing.receiving_union(session, enterprise=enterprise, region_kato=None, sector_code=None)


def _reference(session: Session) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        reference = "AI-" + "".join(secrets.choice(alphabet) for _ in range(6))
        if not session.execute(select(Filing.id).where(Filing.reference == reference)).first():
            return reference


def _validate(session: Session, filing_in: FilingIn) -> dict:
    data = filing_in.model_dump(mode="json")
    for number, occupation in enumerate(filing_in.occupations, start=1):
        found = session.get(Occupation, occupation.isco08)
        if found is None or found.level != 4:
            raise ValidationFailed(N_("Occupation %(n)s: %(code)s is not an ISCO-08 unit group."),
                                   field="occupations", params={"n": number, "code": occupation.isco08})
        if occupation.removed > occupation.headcount:
            raise ValidationFailed(N_("Occupation %(n)s: more jobs removed than workers affected."),
                                   field="occupations", params={"n": number, "code": occupation.isco08})
    if len({o.isco08 for o in filing_in.occupations}) != len(filing_in.occupations):
        raise ValidationFailed(N_("Each occupation may be listed once."), field="occupations")
    if sum(o.removed for o in filing_in.occupations) > filing_in.jobs_removed:
        raise ValidationFailed(N_("The jobs removed per occupation add up to more than the jobs removed in all."),
                               field="jobs_removed")
    if filing_in.unit_human_before > filing_in.unit_positions:
        raise ValidationFailed(N_("More positions held by people than positions in the unit."),
                               field="unit_human_before")
    if filing_in.emotion_consent and not filing_in.emotion_recognition:
        raise ValidationFailed(N_("Consent to emotion recognition is given only where the system recognises "
                                  "emotions."), field="emotion_consent")
    return data


def refresh_summary(filing: Filing, data: dict) -> None:
    result = classification(filing, data)
    filing.name = data["name"]
    filing.risk_kz = result.risk_kz.value
    filing.eu_category = result.eu_category.value
    filing.jobs_removed = data.get("jobs_removed", 0)


def require_filer(session: Session, actor: User, filing: Filing) -> None:
    access.require_enterprise(session, actor, "aiwork.file", filing.enterprise_id)


def create(*, session: Session, actor: User, enterprise_id: int, filing_in: FilingIn,
           today: date | None = None) -> Filing:
    """Register a planned or running AI system as a draft (version 1)."""
    access.require_enterprise(session, actor, "aiwork.file", enterprise_id)
    data = _validate(session, filing_in)
    filing = Filing(reference=_reference(session), enterprise_id=enterprise_id, status=FilingStatus.DRAFT, current_version=1,
                    name=data["name"], created_by=actor.id)
    session.add(filing)
    session.flush()
    version = Version(filing_id=filing.id, number=1, data=data, change_note="", author_id=actor.id)
    session.add(version)
    session.flush()
    session.refresh(filing, ["versions"])
    refresh_summary(filing, data)
    steps.log(session, filing, actor, "filed", version=1)
    session.flush()
    return filing


def update(*, session: Session, actor: User, filing_id: int, filing_in: FilingIn, change_note: str,
           today: date | None = None) -> Filing:
    """Every change is a new version. A change during the vote resets it; a change after the decision sends
    the filing back for review."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    require_filer(session, actor, filing)
    if filing.status == FilingStatus.WITHDRAWN:
        raise ValidationFailed(N_("The filing was withdrawn."), field="status")
    if len(change_note.strip()) < 3:
        raise ValidationFailed(N_("Say what changed."), field="change_note")
    data = _validate(session, filing_in)
    changes = diff(data_of(filing), data)
    if not changes:
        raise ValidationFailed(N_("Nothing changed."), field="change_note")
    number = filing.current_version + 1
    session.add(Version(filing_id=filing.id, number=number, data=data, change_note=change_note.strip(),
                        author_id=actor.id))
    filing.current_version = number
    session.flush()
    session.refresh(filing, ["versions"])
    refresh_summary(filing, data)
    steps.log(session, filing, actor, "changed", version=number, fields=[c["field"] for c in changes],
           note=change_note.strip())
    if filing.status == FilingStatus.VOTING:  # members must vote on what the filing now says
        session.execute(delete(Vote).where(Vote.filing_id == filing.id))
        filing.status = FILING_MOVES.move(filing.status, FilingStatus.UNDER_REVIEW)
        steps.log(session, filing, actor, "vote_reset", version=number)
        steps.tell(session, steps.officers(session, filing.union_org_id), filing, "changed",
              N_("%(ref)s %(name)s changed during the vote: the vote starts again"))
    elif filing.status in DECIDED:
        today = steps.today(today)
        session.execute(delete(Vote).where(Vote.filing_id == filing.id))
        filing.status = FILING_MOVES.move(filing.status, FilingStatus.UNDER_REVIEW)
        filing.submitted_on, filing.review_due = today, today + timedelta(days=REVIEW_DAYS)
        filing.decided_on = None
        steps.log(session, filing, actor, "resubmitted", version=number)
        steps.tell(session, steps.officers(session, filing.union_org_id), filing, "changed",
              N_("%(ref)s %(name)s changed after the decision: review again"))
    session.flush()
    session.expire(filing, ["votes"])
    return filing


def submit(*, session: Session, actor: User, filing_id: int, today: date | None = None) -> Filing:
    """Send the draft to the competent union body, which decides within REVIEW_DAYS."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    require_filer(session, actor, filing)
    if filing.status != FilingStatus.DRAFT:
        raise ValidationFailed(N_("Only a draft can be submitted."), field="status")
    today = steps.today(today)
    union = route(session, session.get(Enterprise, filing.enterprise_id))
    filing.union_org_id = union.id if union else None
    filing.status = FILING_MOVES.move(filing.status, FilingStatus.UNDER_REVIEW)
    filing.submitted_on, filing.review_due = today, today + timedelta(days=REVIEW_DAYS)
    steps.log(session, filing, actor, "submitted", union_org_id=filing.union_org_id, review_due=str(filing.review_due))
    steps.tell(session, steps.officers(session, filing.union_org_id), filing, "submitted",
          N_("%(ref)s %(name)s: an AI system was filed for your approval"))
    session.flush()
    return filing


def withdraw(*, session: Session, actor: User, filing_id: int) -> Filing:
    filing = get(session=session, actor=actor, filing_id=filing_id)
    require_filer(session, actor, filing)
    if not FILING_MOVES.allowed(filing.status, FilingStatus.WITHDRAWN):
        raise ValidationFailed(N_("Only an undecided filing can be withdrawn."), field="status")
    filing.status = FILING_MOVES.move(filing.status, FilingStatus.WITHDRAWN)
    steps.log(session, filing, actor, "withdrawn")
    session.flush()
    return filing
