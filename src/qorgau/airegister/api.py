"""JSON routes of the AI deployment register under /api/v1/airegister; `feed` is public."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from qorgau.airegister import service
from qorgau.airegister.models import Filing
from qorgau.airegister.schemas import (
    CommentIn,
    CommentOut,
    DecisionIn,
    Feed,
    FilingCreate,
    FilingIn,
    FilingOut,
    FilingPage,
    FilingUpdate,
    LinkReportIn,
    OpenVoteIn,
    OverrideIn,
    VoteIn,
)
from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.types import IdPath

router = APIRouter()


def _out(session: Session, filing: Filing) -> dict:
    return {**{k: getattr(filing, k) for k in FilingOut.model_fields if hasattr(filing, k)},
            "data": service.data_of(filing), "classification": service.classification_out(filing),
            "blockers": service.blocker_texts(session=session, filing=filing),
            "conditions": [{k: getattr(c, k) for k in ("id", "kind", "plan_id", "text", "due_on", "status", "met_on",
                                                       "escalation_level")}
                           for c in filing.conditions]}


def _summary(filing: Filing) -> dict:
    return {k: getattr(filing, k) for k in ("id", "reference", "enterprise_id", "status", "name", "risk_kz",
                                            "eu_category", "jobs_removed", "current_version")}


@router.get("/feed", response_model=Feed, response_model_by_alias=True)
def public_feed(db: Session = Depends(get_db)):
    """Open feed of approved AI deployments (no sign-in). Schema: docs/airegister/feed-schema.md."""
    return service.feed(session=db)


@router.get("/filings", response_model=FilingPage)
def list_filings(status: str = Query("", max_length=32), risk: str = Query("", max_length=16),
                 eu: str = Query("", max_length=16), sector: str = Query("", max_length=1),
                 params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                 user: User = Depends(require_user)):
    """Filings in your scope (the union they were routed to, or your enterprise), newest first."""
    paged = paginate(db, service.list_query(session=db, actor=user, status=status, risk=risk, eu=eu, sector=sector),
                     params)
    return {"items": [_summary(f) for f in paged.items], **paged.meta().model_dump()}


@router.post("/filings", response_model=FilingOut, status_code=201)
def create_filing(body: FilingCreate, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Register an AI system as a draft (version 1)."""
    content = FilingIn.model_validate(body.model_dump(exclude={"enterprise_id"}))
    filing = service.create(session=db, actor=user, enterprise_id=body.enterprise_id, filing_in=content)
    db.commit()
    return _out(db, filing)


@router.get("/filings/{filing_id}", response_model=FilingOut)
def get_filing(filing_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return _out(db, service.get(session=db, actor=user, filing_id=filing_id))


@router.get("/filings/{filing_id}/versions/{filing_version}", response_model=dict)
def get_version(filing_id: IdPath, filing_version: IdPath, db: Session = Depends(get_db),
                user: User = Depends(require_user)):
    """One version's content and what changed from the version before it."""
    filing = service.get(session=db, actor=user, filing_id=filing_id)
    version = filing_version
    data = service.data_of(filing, version)
    before = service.data_of(filing, version - 1) if version > 1 else {}
    return {"version": version, "data": data, "changes": service.diff(before, data) if version > 1 else []}


@router.put("/filings/{filing_id}", response_model=FilingOut)
def update_filing(filing_id: IdPath, body: FilingUpdate, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Change the filing: a new version with the change note."""
    content = FilingIn.model_validate(body.model_dump(exclude={"change_note"}))
    filing = service.update(session=db, actor=user, filing_id=filing_id, filing_in=content,
                            change_note=body.change_note)
    db.commit()
    return _out(db, filing)


@router.post("/filings/{filing_id}/submit", response_model=FilingOut)
def submit_filing(filing_id: IdPath, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Send the draft to the enterprise's primary union organisation for approval."""
    filing = service.submit(session=db, actor=user, filing_id=filing_id)
    db.commit()
    return _out(db, filing)


@router.get("/filings/{filing_id}/comments", response_model=list[CommentOut])
def list_comments(filing_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.get(session=db, actor=user, filing_id=filing_id).comments


@router.post("/filings/{filing_id}/comments", response_model=CommentOut, status_code=201)
def add_comment(filing_id: IdPath, body: CommentIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """A comment or question (union), or the employer's answer to a question."""
    item = service.comment(session=db, actor=user, filing_id=filing_id, kind=body.kind, body=body.body,
                           answers_id=body.answers_id)
    db.commit()
    return item


@router.post("/filings/{filing_id}/overrides", response_model=FilingOut, status_code=201)
def override(filing_id: IdPath, body: OverrideIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Override an automatic classification result (union officer), with a reason that is kept."""
    service.override(session=db, actor=user, filing_id=filing_id, dimension=body.dimension, value=body.value,
                     reason=body.reason)
    db.commit()
    return _out(db, service.get(session=db, actor=user, filing_id=filing_id))


@router.post("/filings/{filing_id}/vote/open", response_model=FilingOut)
def open_vote(filing_id: IdPath, body: OpenVoteIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    filing = service.open_vote(session=db, actor=user, filing_id=filing_id, quorum=body.quorum,
                               majority_pct=body.majority_pct)
    db.commit()
    return _out(db, filing)


@router.post("/filings/{filing_id}/votes", response_model=dict, status_code=201)
def cast_vote(filing_id: IdPath, body: VoteIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Your vote (you may change it until the decision); returns the tally."""
    service.vote(session=db, actor=user, filing_id=filing_id, choice=body.choice, note=body.note)
    db.commit()
    return service.tally(service.get(session=db, actor=user, filing_id=filing_id))


@router.post("/filings/{filing_id}/decision", response_model=FilingOut)
def decide(filing_id: IdPath, body: DecisionIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Close the vote: approved, approved with conditions, or rejected with reasons. `plan_conditions` require a
    retraining plan of the enterprise to be agreed with the employer by a date (met when it is agreed)."""
    service.decide(session=db, actor=user, filing_id=filing_id, reasons=body.reasons,
                   conditions=[(c.text, c.due_on) for c in body.conditions],
                   plan_conditions=[(c.plan_id, c.due_on) for c in body.plan_conditions],
                   review_every_months=body.review_every_months)
    db.commit()
    return _out(db, service.get(session=db, actor=user, filing_id=filing_id))


@router.post("/filings/{filing_id}/reports", response_model=FilingOut, status_code=201)
def link_report(filing_id: IdPath, body: LinkReportIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Link a Worker Speaks report about this system (officer)."""
    service.link_report(session=db, actor=user, filing_id=filing_id, reference=body.reference, kind=body.kind,
                        note=body.note)
    db.commit()
    return _out(db, service.get(session=db, actor=user, filing_id=filing_id))
