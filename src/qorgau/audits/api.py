"""JSON routes of social audits under /api/v1/audits."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from qorgau.audits import service
from qorgau.audits.models import Audit, Finding
from qorgau.audits.schemas import (
    AnswersIn,
    AuditIn,
    AuditOut,
    FindingIn,
    FindingOut,
    FindingResponseIn,
    InterviewIn,
    MoveIn,
    PartyIn,
    PartyOut,
    PartyResponseIn,
    ProposalIn,
    ReviewIn,
    TextIn,
    VersionOut,
)
from qorgau.core import documents, i18n, policy
from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.models import User
from qorgau.core.tabular import download
from qorgau.core.types import IdPath

router = APIRouter()
EXPORT_HEADER = ["audit", "enterprise", "fieldwork_ended_on", "finding", "area", "legal_reference", "severity",
                 "description", "evidence", "employer_response", "corrective_plan", "plan_due_on", "violation"]


def finding_out(finding: Finding) -> dict:
    return {"id": finding.id, "point_id": finding.point_id, "area": finding.area, "severity": finding.severity,
            "description": finding.description, "evidence": finding.evidence, "has_photo": finding.photo is not None,
            "employer_response": finding.employer_response, "corrective_plan": finding.corrective_plan,
            "plan_due_on": finding.plan_due_on, "violation_id": finding.violation_id}


def audit_out(row: Audit, user: User, *, full: bool = True) -> dict:
    questionnaire = service.questionnaire_of(row)
    detail = policy.allowed(user, "audits.read")
    out = {"id": row.id, "enterprise_id": row.enterprise_id, "questionnaire_version": row.questionnaire.version,
           "status": row.status, "planned_on": row.planned_on, "fieldwork_started_on": row.fieldwork_started_on,
           "fieldwork_ended_on": row.fieldwork_ended_on, "overall": row.overall, "summary": row.summary,
           "employer_reply": row.employer_reply, "published_at": row.published_at, "synthetic": row.synthetic}
    if full:
        out.update(findings=[finding_out(f) for f in row.findings], interviews=service.interview_summary(row),
                   points=len(questionnaire.points))
        if detail:
            out.update(parties=[{"id": p.id, "kind": p.kind, "name": p.name, "response": p.response,
                                 "responded_at": p.responded_at} for p in row.parties],
                       answered=len(row.answers))
    return out


@router.get("", response_model=list[AuditOut])
def list_audits(enterprise_id: int | None = Query(None, ge=1, le=2_147_483_647), status: str = Query("", max_length=16),
                db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Audits in your scope (published ones only, if you may read only summaries)."""
    return [audit_out(a, user, full=False) for a in
            service.list_audits(session=db, actor=user, enterprise_id=enterprise_id, status=status)]


@router.post("", response_model=AuditOut, status_code=201)
def create(body: AuditIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Plan an audit of an enterprise in your scope with the questionnaire in force."""
    row = service.create_audit(session=db, actor=user, enterprise_id=body.enterprise_id, planned_on=body.planned_on,
                               invite_state=body.invite_state)
    db.commit()
    return audit_out(row, user)


@router.get("/questionnaire")
def questionnaire(db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The questionnaire in force: areas, points with their legal references, maturity levels, interview."""
    policy.require(user, "audits.read")
    row = service.ensure_questionnaire(session=db)
    db.commit()
    parsed = service.parsed(row)
    return {"id": row.id, "version": parsed.version, "sha256": row.sha256, "title": parsed.title,
            "sources": parsed.sources, "areas": parsed.areas,
            "points": [{"id": p.id, "area": p.area, "kind": p.kind, "text": p.text, "code": p.code, "ilo": list(p.ilo),
                        "critical": p.critical} for p in parsed.points],
            "maturity_levels": parsed.levels,
            "interview": [{"id": q.id, "text": q.text, "adverse": q.adverse} for q in parsed.interview]}


@router.get("/questionnaire/versions", response_model=list[VersionOut])
def list_versions(db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.versions(session=db, actor=user)


@router.post("/questionnaire/versions", response_model=VersionOut, status_code=201)
def propose(body: ProposalIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Propose a new questionnaire version (federation); a different person must approve it."""
    row = service.propose_questionnaire(session=db, actor=user, yaml_text=body.yaml_text, note=body.note)
    db.commit()
    return row


@router.post("/questionnaire/versions/{questionnaire_id}/review", response_model=VersionOut)
def review(questionnaire_id: IdPath, body: ReviewIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    row = service.review_questionnaire(session=db, actor=user, questionnaire_id=questionnaire_id,
                                       approve=body.approve, note=body.note)
    db.commit()
    return row


@router.get("/findings/export", response_class=Response, responses={200: {"content": {
    "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def export_findings(format: str = Query("csv", pattern="^(csv|xlsx)$"),
                    enterprise_id: int | None = Query(None, ge=1, le=2_147_483_647),
                    db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Findings of the audits in your scope as CSV or XLSX."""
    rows = service.findings_rows(session=db, actor=user, enterprise_id=enterprise_id, locale=i18n.get_locale())
    return download(EXPORT_HEADER, rows, format, "audit-findings", "Findings")


@router.get("/{audit_id}", response_model=AuditOut)
def get_audit(audit_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return audit_out(service.get_audit(session=db, actor=user, audit_id=audit_id), user)


@router.get("/{audit_id}/scores")
def scores(audit_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Scores by area and overall, each with the points passed, failed, not applicable (and maturity levels),
    the sector comparison and the trend of this enterprise."""
    row = service.get_audit(session=db, actor=user, audit_id=audit_id)
    return {"overall": row.overall, "areas": (row.scores or {}).get("areas", {}),
            "critical_failed": (row.scores or {}).get("critical_failed", []),
            "peers": service.peers(session=db, row=row),
            "trend": [{"audit_id": a.id, "fieldwork_ended_on": a.fieldwork_ended_on, "overall": a.overall}
                      for a in service.trend(session=db, actor=user, enterprise_id=row.enterprise_id)]}


@router.post("/{audit_id}/status", response_model=AuditOut)
def move(audit_id: IdPath, body: MoveIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Move the audit: planned → invited → fieldwork → findings → employer_reply → published (or cancelled)."""
    row = service.move(session=db, actor=user, audit_id=audit_id, target=body.status, reason=body.reason)
    db.commit()
    return audit_out(row, user)


@router.post("/{audit_id}/parties", response_model=PartyOut, status_code=201)
def add_party(audit_id: IdPath, body: PartyIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    party = service.add_party(session=db, actor=user, audit_id=audit_id, kind=body.kind, name=body.name)
    db.commit()
    return party


@router.post("/parties/{party_id}/response", response_model=PartyOut)
def party_response(party_id: IdPath, body: PartyResponseIn, db: Session = Depends(get_db),
                   user: User = Depends(writer)):
    party = service.respond_party(session=db, actor=user, party_id=party_id, response=body.response, note=body.note)
    db.commit()
    return party


@router.post("/{audit_id}/answers")
def answers(audit_id: IdPath, body: AnswersIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Fieldwork answers (sent by the phone when online; a resent answer with the same key changes nothing)."""
    result = service.submit_answers(session=db, actor=user, audit_id=audit_id,
                                    answers=[a.model_dump() for a in body.answers])
    db.commit()
    return result


@router.post("/{audit_id}/interviews", status_code=201)
def interview(audit_id: IdPath, body: InterviewIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """One confidential worker interview (no name): only its answers are kept."""
    row, created = service.record_interview(session=db, actor=user, audit_id=audit_id, client_key=body.client_key,
                                            answers=dict(body.answers))
    db.commit()
    return {"id": row.id, "created": created}


@router.post("/{audit_id}/findings", response_model=FindingOut, status_code=201)
def add_finding(audit_id: IdPath, body: FindingIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    finding = service.add_finding(session=db, actor=user, audit_id=audit_id, area=body.area, severity=body.severity,
                                  description=body.description, evidence=body.evidence, point_id=body.point_id)
    db.commit()
    return finding_out(finding)


@router.post("/{audit_id}/summary", response_model=AuditOut)
def summary(audit_id: IdPath, body: TextIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    row = service.set_summary(session=db, actor=user, audit_id=audit_id, summary=body.text)
    db.commit()
    return audit_out(row, user)


@router.post("/{audit_id}/reply", response_model=AuditOut)
def reply(audit_id: IdPath, body: TextIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """The employer's reply, published beside the summary."""
    row = service.reply(session=db, actor=user, audit_id=audit_id, text=body.text)
    db.commit()
    return audit_out(row, user)


@router.post("/findings/{finding_id}/response", response_model=FindingOut)
def finding_response(finding_id: IdPath, body: FindingResponseIn, db: Session = Depends(get_db),
                     user: User = Depends(writer)):
    finding = service.respond_finding(session=db, actor=user, finding_id=finding_id, response=body.response,
                                      plan=body.plan, due_on=body.due_on)
    db.commit()
    return finding_out(finding)


@router.post("/findings/{finding_id}/violation", status_code=201)
def to_violation(finding_id: IdPath, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Turn a finding into a violation with its corrective action in deviations (once)."""
    violation = service.to_violation(session=db, actor=user, finding_id=finding_id, locale=i18n.get_locale())
    db.commit()
    return {"violation_id": violation.id, "url": f"/deviations/violations/{violation.id}"}


@router.get("/{audit_id}/report.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The report as PDF"}})
def report_pdf(request: Request, audit_id: IdPath, lang: str = Query("ru", pattern="^(kk|ru|en)$"),
               db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The published audit's report (PDF with a verification code)."""
    document = service.report(session=db, actor=user, audit_id=audit_id, language=lang,
                              public_url=documents.public_base(request))
    db.commit()
    return documents.pdf_response(document, f"social-audit-{audit_id}-{lang}.pdf")
