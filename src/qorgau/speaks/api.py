"""JSON routes of Worker Speaks under /api/v1/speaks: `public/...` for anonymous workers, the rest for staff."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.i18n import localized
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.types import IdPath
from qorgau.registry import service as registry
from qorgau.speaks import service
from qorgau.speaks.schemas import (
    FollowIn,
    Receipt,
    ReplyIn,
    ReporterView,
    ReportIn,
    ReportOut,
    ReportPage,
    Revealed,
    RevealIn,
    StaffReplyIn,
    StatusIn,
    TriageIn,
)

router = APIRouter()


class EnterpriseChoice(BaseModel):
    id: int
    name: str
    town: str
    bin: str


@router.get("/public/enterprises", response_model=list[EnterpriseChoice])
def find_workplace(q: str = Query(..., min_length=2, max_length=100), db: Session = Depends(get_db)):
    """Find your workplace by name, BIN or town (no sign-in)."""
    return [{"id": e.id, "name": localized(e, "name"), "town": e.town, "bin": e.bin}
            for e in registry.public_enterprise_search(session=db, q=q)]


@router.post("/public/reports", response_model=Receipt, status_code=201)
def file_report(body: ReportIn, db: Session = Depends(get_db)):
    """File an anonymous report. Keep the receipt: it is shown once and is the only way back."""
    filed = service.submit(session=db, report_in=body)
    db.commit()
    return {"reference": filed.report.reference, "receipt": filed.receipt}


@router.post("/public/follow", response_model=ReporterView,
             responses={429: {"description": "Many wrong receipts with these first digits today: answer the "
                                             "challenge in params (SHA-256 of '<challenge>:<proof>' with "
                                             "`bits` leading zero bits) or resend after `seconds`"}})
def follow(body: FollowIn, db: Session = Depends(get_db)):
    """Read your report's status and the union's replies with your receipt."""
    try:
        report = service.find_by_receipt(session=db, receipt=body.receipt, challenge=body.challenge, proof=body.proof)
    except service.ChallengeRequired as asked:
        return _challenge_answer(asked)
    finally:
        db.commit()  # the failed attempt is counted even when the look-up fails
    view = service.reporter_view(session=db, report=report)
    db.commit()
    return view


@router.post("/public/reply", response_model=ReporterView)
def reporter_reply(body: ReplyIn, db: Session = Depends(get_db)):
    """Write back to the union, anonymously."""
    try:
        report = service.reporter_reply(session=db, receipt=body.receipt, body=body.body, challenge=body.challenge,
                                        proof=body.proof)
    except service.ChallengeRequired as asked:
        db.commit()
        return _challenge_answer(asked)
    except Exception:
        db.commit()
        raise
    view = service.reporter_view(session=db, report=report)
    db.commit()
    return view


def _out(session: Session, actor: User, report) -> dict:
    return {**{k: getattr(report, k) for k in ReportOut.model_fields if hasattr(report, k) and k != "text"},
            "text": service.text_for(session=session, actor=actor, report=report)}


@router.get("/reports", response_model=ReportPage)
def inbox(status: str = Query("", max_length=16), urgency: str = Query("", max_length=16),
          category: str = Query("", max_length=32), params: PageParams = Depends(page_params),
          db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Reports routed to your part of the union tree (employers: those shared with them), redacted."""
    paged = paginate(db, service.inbox_query(session=db, actor=user, status=status, urgency=urgency,
                                             category=category), params)
    return {"items": [_out(db, user, r) for r in paged.items], **paged.meta().model_dump()}


@router.get("/reports/{report_id}", response_model=ReportOut)
def get_report(report_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return _out(db, user, service.get(session=db, actor=user, report_id=report_id))


@router.post("/reports/{report_id}/messages", response_model=ReportOut, status_code=201)
def staff_reply(report_id: IdPath, body: StaffReplyIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Reply to the anonymous reporter."""
    service.reply(session=db, actor=user, report_id=report_id, body=body.body)
    db.commit()
    return _out(db, user, service.get(session=db, actor=user, report_id=report_id))


@router.put("/reports/{report_id}/triage", response_model=ReportOut)
def correct_triage(report_id: IdPath, body: TriageIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Correct the automatic category and urgency (kept for retraining)."""
    report = service.correct_triage(session=db, actor=user, report_id=report_id, category=body.category,
                                    urgency=body.urgency)
    db.commit()
    return _out(db, user, report)


@router.put("/reports/{report_id}/status", response_model=ReportOut)
def set_status(report_id: IdPath, body: StatusIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    report = service.set_status(session=db, actor=user, report_id=report_id, status=body.status)
    db.commit()
    return _out(db, user, report)


@router.post("/reports/{report_id}/reveal-original", response_model=Revealed)
def reveal_original(report_id: IdPath, body: RevealIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """The unredacted text, with a reason that is logged."""
    value = service.reveal_original(session=db, actor=user, report_id=report_id, reason=body.reason)
    db.commit()
    return {"value": value}


@router.post("/reports/{report_id}/reveal-contact", response_model=Revealed)
def reveal_contact(report_id: IdPath, body: RevealIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """The reporter's contact details (if left), with a reason that is logged."""
    value = service.reveal_contact(session=db, actor=user, report_id=report_id, reason=body.reason)
    db.commit()
    return {"value": value}


class StatRow(BaseModel):
    model_config = {"extra": "allow"}
    reports: int | None
    suppressed: bool = False


@router.get("/stats", response_model=list[StatRow])
def stats(by: str = Query("category", max_length=100, description="Comma-separated: category, urgency, region, "
                                                                    "sector, enterprise, kind, status"),
          month: bool = False, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Report counts; outside the union, cells under 5 reports are suppressed."""
    return service.statistics(session=db, actor=user, by=[b.strip() for b in by.split(",") if b.strip()], month=month)


def _challenge_answer(asked: service.ChallengeRequired) -> JSONResponse:
    """429 in the usual error shape, with the challenge to answer (or the seconds to wait)."""
    from qorgau.core.web import error_body

    body = error_body(asked.code, asked.message, asked.field, {"seconds": asked.challenge.wait_seconds})
    body["error"]["challenge"] = {"token": asked.challenge.token, "bits": asked.challenge.bits,
                                  "wait_seconds": asked.challenge.wait_seconds}
    return JSONResponse(body, status_code=429)
