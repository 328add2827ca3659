"""JSON routes of the equipment register and the re-equipment plans under /api/v1/equipment."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from qorgau.core import i18n
from qorgau.core.db import utcnow
from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.i18n_markers import N_
from qorgau.core.imports import FileProblems
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.tabular import XLSX_MEDIA_TYPE
from qorgau.core.types import IdPath
from qorgau.core.web import ErrorOut
from qorgau.equipment import catalogue, exports, importer, service
from qorgau.equipment.models import EquipmentItem
from qorgau.equipment.schemas import (
    AccidentLinkIn,
    CertificateIn,
    CertificateOut,
    CommentIn,
    ConditionIn,
    ExtensionIn,
    ImportResult,
    ItemIn,
    ItemOut,
    PlanItemIn,
    PlanItemOut,
    PlanStatusIn,
    ProgressIn,
    ShareOut,
    TypeOut,
)

router = APIRouter()


def item_out(item: EquipmentItem) -> dict:
    return {**{c: getattr(item, c) for c in ItemOut.model_fields if c not in ("accident_ids", "certificates")},
            "accident_ids": [link.accident_id for link in item.accidents],
            "certificates": [CertificateOut.model_validate(c) for c in item.certificates]}


@router.get("/types", response_model=list[TypeOut])
def types(user: User = Depends(require_user)):
    """The classifier of equipment types, names in the request's language; a typical life only with its source."""
    locale = i18n.get_locale()
    return [{"code": t.code, "name": t.name(locale), "life_years": t.life_years, "life_source": t.life_source}
            for t in catalogue.TYPES.values()]


@router.get("/items", response_model=list[ItemOut])
def list_items(enterprise_id: int | None = Query(None, ge=1, le=2_147_483_647),
               past_life: bool = Query(False, description="only items past their service life today"),
               type_code: str = Query("", max_length=32), params: PageParams = Depends(page_params),
               db: Session = Depends(get_db), user: User = Depends(require_user)):
    query = service.items_query(session=db, actor=user, enterprise_id=enterprise_id, type_code=type_code,
                                past_life_on=utcnow().date() if past_life else None)
    return [item_out(i) for i in paginate(db, query, params).items]


DOWNLOAD = {200: {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}}


@router.get("/items/export", responses=DOWNLOAD, response_class=Response)
def export_items(fmt: str = Query("csv", pattern="^(csv|xlsx)$"), enterprise_id: int | None = Query(None, ge=1,
                 le=2_147_483_647), db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The register (in scope) as CSV or XLSX."""
    return exports.register(session=db, actor=user, fmt=fmt, enterprise_id=enterprise_id)


@router.post("/items", response_model=ItemOut, status_code=201)
def create_item(body: ItemIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    item = service.create_item(session=db, actor=user, item_in=body)
    db.commit()
    return item_out(item)


@router.get("/items/{equipment_item_id}", response_model=ItemOut)
def get_item(equipment_item_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return item_out(service.get_item(session=db, actor=user, item_id=equipment_item_id))


@router.post("/items/{equipment_item_id}/condition", response_model=ItemOut)
def set_condition(equipment_item_id: IdPath, body: ConditionIn, db: Session = Depends(get_db),
                  user: User = Depends(writer)):
    item = service.set_condition(session=db, actor=user, item_id=equipment_item_id, condition=body.condition)
    db.commit()
    return item_out(item)


@router.post("/items/{equipment_item_id}/extension", response_model=ItemOut)
def extend(equipment_item_id: IdPath, body: ExtensionIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Record a life-extension granted after an expert examination (the extended date then counts)."""
    item = service.extend_life(session=db, actor=user, item_id=equipment_item_id, until=body.extended_until,
                               basis=body.basis)
    db.commit()
    return item_out(item)


@router.post("/items/{equipment_item_id}/certificates", response_model=CertificateOut, status_code=201)
def add_certificate(equipment_item_id: IdPath, body: CertificateIn, db: Session = Depends(get_db),
                    user: User = Depends(writer)):
    certificate = service.add_certificate(session=db, actor=user, item_id=equipment_item_id, certificate_in=body)
    db.commit()
    return certificate


@router.post("/items/{equipment_item_id}/accidents", response_model=ItemOut, status_code=201)
def link_accident(equipment_item_id: IdPath, body: AccidentLinkIn, db: Session = Depends(get_db),
                  user: User = Depends(writer)):
    """Link an accident of the incidents registry whose cause is worn equipment."""
    link = service.link_accident(session=db, actor=user, item_id=equipment_item_id, accident_id=body.accident_id,
                                 note=body.note)
    db.commit()
    return item_out(service.get_item(session=db, actor=user, item_id=link.item_id))


@router.get("/shares", response_model=list[ShareOut])
def shares(by: str = Query("enterprise", pattern="^(enterprise|sector|region)$"), on: date | None = None,
           db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Share of items in use past their service life (of those whose end of life is known) and with an expired
    certificate, by enterprise, OKED section or region; unknown ages are counted apart."""
    return service.shares(session=db, actor=user, by=by, on=on or utcnow().date())


@router.get("/shares/export", responses=DOWNLOAD, response_class=Response)
def export_shares(by: str = Query("enterprise", pattern="^(enterprise|sector|region)$"),
                  fmt: str = Query("csv", pattern="^(csv|xlsx)$"), db: Session = Depends(get_db),
                  user: User = Depends(require_user)):
    return exports.shares(session=db, actor=user, by=by, fmt=fmt)


@router.get("/plan-items", response_model=list[PlanItemOut])
def plan_items(enterprise_id: int | None = Query(None, ge=1, le=2_147_483_647), overdue: bool = False,
               db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.plan_items(session=db, actor=user, enterprise_id=enterprise_id,
                              overdue_on=utcnow().date() if overdue else None)


@router.post("/plan-items", response_model=PlanItemOut, status_code=201)
def create_plan_item(body: PlanItemIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    row = service.create_plan_item(session=db, actor=user, plan_in=body)
    db.commit()
    return row


@router.post("/plan-items/{equipment_plan_item_id}/status", response_model=PlanItemOut)
def move_plan_item(equipment_plan_item_id: IdPath, body: PlanStatusIn, db: Session = Depends(get_db),
                   user: User = Depends(writer)):
    row = service.move_plan_item(session=db, actor=user, plan_item_id=equipment_plan_item_id, status=body.status)
    db.commit()
    return row


@router.post("/plan-items/{equipment_plan_item_id}/progress", response_model=PlanItemOut)
def set_progress(equipment_plan_item_id: IdPath, body: ProgressIn, db: Session = Depends(get_db),
                 user: User = Depends(writer)):
    row = service.set_progress(session=db, actor=user, plan_item_id=equipment_plan_item_id, progress=body.progress)
    db.commit()
    return row


@router.post("/plan-items/{equipment_plan_item_id}/comments", status_code=201)
def comment(equipment_plan_item_id: IdPath, body: CommentIn, db: Session = Depends(get_db),
            user: User = Depends(writer)) -> dict:
    note = service.comment(session=db, actor=user, plan_item_id=equipment_plan_item_id, body=body.body)
    db.commit()
    return {"id": note.id, "body": note.body}


@router.post("/plan-items/{equipment_plan_item_id}/escalate", response_model=PlanItemOut)
def escalate(equipment_plan_item_id: IdPath, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Take an overdue plan line one step up the escalation ladder now."""
    service.escalate_now(session=db, actor=user, plan_item_id=equipment_plan_item_id)
    db.commit()
    return service.get_plan_item(session=db, actor=user, plan_item_id=equipment_plan_item_id)


@router.post("/imports", response_model=ImportResult,
             responses={422: {"description": "Problems by row and column; nothing was written", "model": ErrorOut}})
def import_register(file: UploadFile = File(...), dry_run: bool = Query(False), db: Session = Depends(get_db),
                    user: User = Depends(writer)):
    """Register equipment from CSV or XLSX (columns named in kk, ru or en); a file with any problem writes
    nothing. With dry_run=true nothing is written and the counts and problems are returned."""
    data, filename = file.file.read(), file.filename or "upload.csv"
    try:
        if dry_run:
            checked = importer.check(session=db, actor=user, data=data, filename=filename, options={})
            db.rollback()
            if checked.problems:
                raise FileProblems(checked.problems, filename)
            return {"rows": checked.counts["rows"], "created": 0,
                    "already_registered": checked.counts["already_registered"]}
        counts = importer.import_rows(session=db, actor=user, data=data, filename=filename)
    except FileProblems as failed:
        db.rollback()
        from qorgau.core.web import error_body

        body = error_body("validation_failed", N_("The file has %(n)s error(s); nothing was imported."), None,
                          {"n": len(failed.problems)})
        body["error"]["problems"] = [p.as_dict() for p in failed.problems]
        return JSONResponse(body, status_code=422)
    from qorgau.core import audit

    audit.record(db, action="import", object_type=importer.REGISTER.kind, object_id=filename[:64],
                 after={"filename": filename, "counts": counts})
    db.commit()
    return counts
