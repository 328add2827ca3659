"""JSON routes of violations and corrective actions under /api/v1/deviations."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.types import IdPath
from qorgau.deviations import people, service
from qorgau.deviations.schemas import (
    ActionIn,
    ActionOut,
    EvidenceIn,
    VerdictIn,
    ViolationIn,
    ViolationOut,
)

router = APIRouter()


@router.get("/violations", response_model=list[ViolationOut])
def list_violations(status: str = Query("", max_length=24), severity: str = Query("", max_length=16),
                    category: str = Query("", max_length=32), enterprise_id: int | None = Query(None, ge=1, le=2**31 - 1),
                    repeat: bool = False, overdue: bool = False, params: PageParams = Depends(page_params),
                    db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Violations at enterprises in your scope, newest first."""
    query = service.violations_query(session=db, actor=user, status=status, severity=severity, category=category,
                                     enterprise_id=enterprise_id, repeat=repeat, overdue=overdue, children=True)
    return paginate(db, query, params).items


@router.post("/violations", response_model=ViolationOut, status_code=201,
             responses={200: {"model": ViolationOut, "description": "Already stored under this client_key"}})
def record_violation(body: ViolationIn, response: Response, db: Session = Depends(get_db),
                     user: User = Depends(writer)):
    """Record a violation with its actions. Send a client_key so that a resent entry is stored once."""
    violation, created = service.record(session=db, actor=user, violation_in=body)
    db.commit()
    if not created:
        response.status_code = 200
    return violation


@router.get("/violations/{violation_id}", response_model=ViolationOut)
def get_violation(violation_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.violation_detail(session=db, actor=user, violation_id=violation_id)


@router.post("/violations/{violation_id}/actions", response_model=ActionOut, status_code=201)
def add_action(violation_id: IdPath, body: ActionIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Add a corrective action; without a due date it gets the one for the violation's severity."""
    action = service.add_action(session=db, actor=user, violation_id=violation_id, action_in=body)
    db.commit()
    return action


@router.post("/actions/{corrective_action_id}/evidence", response_model=ActionOut, status_code=201)
def submit_evidence(corrective_action_id: IdPath, body: EvidenceIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """The employer reports the action done, with what was done; the inspector verifies it."""
    evidence = service.submit_evidence(session=db, actor=user, action_id=corrective_action_id, note=body.note)
    db.commit()
    return evidence.action


@router.post("/actions/{corrective_action_id}/verdict", response_model=ActionOut)
def verify(corrective_action_id: IdPath, body: VerdictIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Accept the evidence (the last accepted action closes the violation) or reject it (the action reopens)."""
    action = service.verify(session=db, actor=user, action_id=corrective_action_id, accept=body.accept, note=body.note,
                            new_due_on=body.new_due_on)
    db.commit()
    return action


@router.get("/statistics")
def statistics(by: str = Query("category", max_length=16, description="enterprise, site, category, month, severity"),
               start: date = Query(date(2000, 1, 1)), end: date = Query(date(2100, 1, 1)),
               db: Session = Depends(get_db), user: User = Depends(require_user)) -> list[dict]:
    """Found, closed, closure rate (%), median and 90th-percentile days to close, open and overdue, per group."""
    return service.closure_statistics(session=db, actor=user, by=by, start=start, end=end)


@router.get("/coverage")
def coverage(by: str = Query("region", max_length=16, description="enterprise, region, sector"),
             db: Session = Depends(get_db), user: User = Depends(require_user)) -> list[dict]:
    """Technical inspectors per 100 workers, trained share and committee share, per group."""
    return people.coverage(session=db, actor=user, by=by)
