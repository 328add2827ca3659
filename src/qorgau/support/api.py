"""JSON routes of support cases under /api/v1/support (scoped and audited through the service)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.types import IdPath
from qorgau.support import service
from qorgau.support.schemas import (
    AssessmentIn,
    CaseIn,
    CloseIn,
    ConsentIn,
    FollowUpDoneIn,
    FollowUpIn,
    FromFilingIn,
    OverrideIn,
    RevealIn,
    ServiceIn,
    ServiceMoveIn,
    SubsistenceIn,
)

router = APIRouter()


def _case(db: Session, user: User, case_id: int) -> dict:
    return service.case_out(service.get(session=db, actor=user, case_id=case_id))


@router.get("/cases")
def list_cases(status: str = Query("", max_length=16), cause: str = Query("", max_length=16),
               level: str = Query("", max_length=1), params: PageParams = Depends(page_params),
               db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Cases in your scope, newest first (no health or income data)."""
    paged = paginate(db, service.list_query(session=db, actor=user, status=status, cause=cause, level=level), params)
    return {"items": [service.case_out(c) for c in paged.items], "total": paged.total, "page": paged.params.page,
            "per_page": paged.params.per_page, "pages": paged.pages}


@router.post("/cases", status_code=201)
def create_case(body: CaseIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    case = service.open_case(session=db, actor=user, **body.model_dump())
    db.commit()
    return _case(db, user, case.id)


@router.post("/cases/from-filing", status_code=201)
def from_filing(body: FromFilingIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """One case per worker whose job the AI filing removes, with retraining matched to the occupation."""
    opened = service.open_from_filing(session=db, actor=user, filing_id=body.filing_id)
    db.commit()
    return {"opened": [service.case_out(c) for c in opened]}


@router.get("/cases/{case_id}")
def get_case(case_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return _case(db, user, case_id)


@router.post("/cases/{case_id}/consent")
def consent(case_id: IdPath, body: ConsentIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    service.record_consent(session=db, actor=user, case_id=case_id, **body.model_dump())
    db.commit()
    return _case(db, user, case_id)


@router.post("/cases/{case_id}/assessments", status_code=201)
def assess(case_id: IdPath, body: AssessmentIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    row = service.assess(session=db, actor=user, case_id=case_id, answers=service.answers_from(body.model_dump()))
    db.commit()
    return {"id": row.id, "level": row.level, "points": row.points, "assessed": row.assessed,
            "explanation": service.explanation(row)}


@router.post("/cases/{case_id}/override")
def override(case_id: IdPath, body: OverrideIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    service.override_level(session=db, actor=user, case_id=case_id, level=body.level, reason=body.reason)
    db.commit()
    return _case(db, user, case_id)


@router.post("/cases/{case_id}/personal")
def personal(case_id: IdPath, body: RevealIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Health and income of the case's assessments; the reading and its reason are audited."""
    rows = service.personal_data(session=db, actor=user, case_id=case_id, reason=body.reason)
    db.commit()
    return {"assessments": rows}


@router.post("/cases/{case_id}/services", status_code=201)
def add_service(case_id: IdPath, body: ServiceIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    service.add_service(session=db, actor=user, case_id=case_id, **body.model_dump())
    db.commit()
    return _case(db, user, case_id)


@router.post("/services/{service_id}/status")
def move_service(service_id: IdPath, body: ServiceMoveIn, db: Session = Depends(get_db),
                 user: User = Depends(writer)):
    moved = service.move_service(session=db, actor=user, service_id=service_id, target=body.status,
                                 outcome=body.outcome)
    db.commit()
    return _case(db, user, moved.case_id)


@router.post("/cases/{case_id}/follow-ups", status_code=201)
def add_follow_up(case_id: IdPath, body: FollowUpIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    service.add_follow_up(session=db, actor=user, case_id=case_id, due_on=body.due_on, purpose=body.purpose)
    db.commit()
    return _case(db, user, case_id)


@router.post("/follow-ups/{follow_up_id}/done")
def follow_up_done(follow_up_id: IdPath, body: FollowUpDoneIn, db: Session = Depends(get_db),
                   user: User = Depends(writer)):
    done = service.follow_up_done(session=db, actor=user, follow_up_id=follow_up_id, note=body.note)
    db.commit()
    return _case(db, user, done.case_id)


@router.post("/cases/{case_id}/close")
def close(case_id: IdPath, body: CloseIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    service.close(session=db, actor=user, case_id=case_id, **body.model_dump())
    db.commit()
    return _case(db, user, case_id)


@router.get("/statistics")
def statistics(db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Cases by cause, level, region, sector and outcome; counts of 1 to 4 are null with `suppressed` true."""
    result = service.statistics(session=db, actor=user)
    return {k: v for k, v in result.items() if k not in ("regions", "sectors")}


@router.put("/settings/subsistence-minimum")
def set_minimum(body: SubsistenceIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    row = service.set_subsistence_minimum(session=db, actor=user, value=body.value, source=body.source)
    db.commit()
    return {"value": int(row.value), "source": row.source, "set_on": row.set_on}
