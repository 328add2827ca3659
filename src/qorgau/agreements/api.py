"""JSON routes of collective agreements under /api/v1/agreements (scoped and audited through the service)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from qorgau.agreements import service
from qorgau.agreements.schemas import (
    AgreementIn,
    AmendmentIn,
    ClauseIn,
    CommentIn,
    ModelInsertIn,
    MoveIn,
    PartnershipClauseIn,
    PartnershipIn,
)
from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.tabular import download
from qorgau.core.types import IdPath

router = APIRouter()


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        raise ValidationFailed(N_("Enter a date as YYYY-MM-DD."), field="on") from None


@router.get("")
def list_agreements(status: str = Query("", max_length=16), kind: str = Query("", max_length=32),
                    q: str = Query("", max_length=100), params: PageParams = Depends(page_params),
                    db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Agreements in your scope, newest first, with the clause kinds each holds."""
    paged = paginate(db, service.list_query(session=db, actor=user, status=status, kind=kind, q=q), params)
    items = []
    for agreement in paged.items:
        out = service.agreement_out(agreement)
        out.pop("clauses")
        items.append(out)
    return {"items": items, "total": paged.total, "page": paged.params.page, "per_page": paged.params.per_page,
            "pages": paged.pages}


@router.post("", status_code=201)
def create_agreement(body: AgreementIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """A draft agreement of an enterprise in your scope."""
    agreement = service.create(session=db, actor=user, agreement_in=body)
    db.commit()
    return service.agreement_out(agreement)


@router.get("/export", response_class=Response, responses={200: {"content": {
    "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def export(fmt: str = Query("csv", pattern="^(csv|xlsx)$"), status: str = Query("", max_length=16),
           kind: str = Query("", max_length=32), db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The agreements with a 0/1 column per clause kind, as CSV or XLSX."""
    return download(service.EXPORT_COLUMNS, service.export_rows(session=db, actor=user, status=status, kind=kind),
                    fmt, "collective-agreements", "Agreements")


@router.get("/model-clauses")
def model_clauses(kind: str = Query("", max_length=32)):
    """The library of model clauses (kk, ru, en) with their sources."""
    return {"about": service.library_about(), "items": [
        {"key": m.key, "kind": m.kind, "sources": m.sources, "texts": m.texts}
        for m in service.model_clauses(kind or None)]}


@router.get("/coverage")
def coverage(by: str = Query("region", max_length=8), on: str = Query("", max_length=10),
             db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Per region, sector or union: enterprises and workers covered by an agreement in force, and by each kind."""
    day = _day(on)
    rows = service.coverage(session=db, actor=user, on=day, by=by)
    return {"on": day.isoformat(), "by": by, "rows": [
        {"key": r.key, "enterprises": r.enterprises, "workers": r.workers, "covered": r.covered,
         "covered_workers": r.covered_workers, "covered_by_partnership": r.partnership[0],
         "covered_by_partnership_workers": r.partnership[1],
         "kinds": {k: {"enterprises": v[0], "workers": v[1], "share": r.share(k),
                       "share_workers": r.share(k, workers=True)} for k, v in r.kinds.items()}} for r in rows]}


@router.get("/partnership")
def list_partnerships(on: str = Query("", max_length=10), db: Session = Depends(get_db),
                      user: User = Depends(require_user)):
    """General, sectoral and regional agreements (Labour Code art. 148-155), with their clauses; `on`: only
    those in force that day."""
    day = _day(on) if on else None
    return {"items": [service.partnership_out(a) for a in service.partnerships(session=db, actor=user, on=day)]}


@router.post("/partnership", status_code=201)
def create_partnership(body: PartnershipIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Record a general, sectoral or regional agreement (the federation, at national scope)."""
    agreement = service.create_partnership(session=db, actor=user, partnership_in=body)
    db.commit()
    return service.partnership_out(agreement)


@router.get("/partnership/{partnership_id}")
def get_partnership(partnership_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.partnership_out(service.get_partnership(session=db, actor=user, agreement_id=partnership_id))


@router.post("/partnership/{partnership_id}/clauses", status_code=201)
def add_partnership_clause(partnership_id: IdPath, body: PartnershipClauseIn, db: Session = Depends(get_db),
                           user: User = Depends(writer)):
    service.add_partnership_clause(session=db, actor=user, agreement_id=partnership_id, clause_in=body)
    db.commit()
    return service.partnership_out(service.get_partnership(session=db, actor=user, agreement_id=partnership_id))


@router.get("/{agreement_id}")
def get_agreement(agreement_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.agreement_out(service.get(session=db, actor=user, agreement_id=agreement_id))


@router.post("/{agreement_id}/clauses", status_code=201)
def add_clause(agreement_id: IdPath, body: ClauseIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    clause = service.add_clause(session=db, actor=user, agreement_id=agreement_id, clause_in=body)
    db.commit()
    return service.clause_out(clause)


@router.post("/{agreement_id}/clauses/from-model", status_code=201)
def insert_model_clause(agreement_id: IdPath, body: ModelInsertIn, db: Session = Depends(get_db),
                        user: User = Depends(writer)):
    """Insert a model clause of the library, in the chosen language, as a clause of the agreement."""
    clause = service.insert_model_clause(session=db, actor=user, agreement_id=agreement_id, insert_in=body)
    db.commit()
    return service.clause_out(clause)


@router.delete("/{agreement_id}/clauses/{clause_id}", status_code=204, response_class=Response)
def remove_clause(agreement_id: IdPath, clause_id: IdPath, db: Session = Depends(get_db),
                  user: User = Depends(writer)):
    """A draft's clause is deleted; a clause of an agreement in force is marked removed in the current version."""
    service.remove_clause(session=db, actor=user, agreement_id=agreement_id, clause_id=clause_id)
    db.commit()
    return Response(status_code=204)


@router.post("/{agreement_id}/status")
def move(agreement_id: IdPath, body: MoveIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    agreement = service.move(session=db, actor=user, agreement_id=agreement_id, move_in=body)
    db.commit()
    return service.agreement_out(agreement)


@router.post("/{agreement_id}/amendments", status_code=201)
def amend(agreement_id: IdPath, body: AmendmentIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Record an amendment signed by both parties: the agreement's version goes up by one."""
    service.amend(session=db, actor=user, agreement_id=agreement_id, amendment_in=body)
    db.commit()
    return service.agreement_out(service.get(session=db, actor=user, agreement_id=agreement_id))


@router.post("/{agreement_id}/comments", status_code=201)
def comment(agreement_id: IdPath, body: CommentIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """A remark or a proposed wording (union officers, and the employer's safety managers of the enterprise)."""
    remark = service.add_comment(session=db, actor=user, agreement_id=agreement_id, comment_in=body)
    db.commit()
    return {"id": remark.id, "side": remark.side, "clause_id": remark.clause_id, "text": remark.text}


@router.post("/{agreement_id}/document", status_code=201)
def upload_document(agreement_id: IdPath, file: UploadFile = File(...), db: Session = Depends(get_db),
                    user: User = Depends(writer)):
    """The signed agreement as a PDF (at most 10 MB), kept for the current version."""
    document = service.add_document(session=db, actor=user, agreement_id=agreement_id, filename=file.filename or "",
                                    content=file.file.read(service.MAX_DOCUMENT + 1))
    db.commit()
    return {"id": document.id, "version": document.version, "filename": document.filename, "size": document.size,
            "sha256": document.sha256}


@router.get("/documents/{agreement_document_id}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def get_document(agreement_document_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    document = service.get_document(session=db, actor=user, document_id=agreement_document_id)
    return Response(document.content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="agreement-{document.agreement_id}-v{document.version}.pdf"'})
