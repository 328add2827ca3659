"""JSON routes of bio-safety under /api/v1/biosafety (scoped and audited through the service)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from qorgau.biosafety import exchange, service
from qorgau.biosafety.schemas import DecisionIn, DetectIn, ExposureIn
from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.types import IdPath
from qorgau.core.web import ErrorOut

router = APIRouter()


@router.get("/agents")
def agents(user: User = Depends(require_user)):
    """Biological agents with their EU risk group (Directive 2000/54/EC Annex III), the Kazakh group where
    verified (null otherwise), the disease and its ICD-10 codes, and the source."""
    return [{"code": a.code, "latin_name": a.latin_name, "kind": a.kind, "eu_group": a.eu_group,
             "eu_notes": a.eu_notes, "kz_group": a.kz_group or None, "kz_source": a.kz_source or None,
             "disease": a.disease, "icd10": list(a.icd10), "names": a.names, "activities": list(a.activities),
             "source": a.eu_source, "verification": a.verification} for a in service.agent_list(actor=user)]


@router.get("/exposures")
def exposures(enterprise_id: int | None = Query(None, ge=1, le=2**31 - 1), params: PageParams = Depends(page_params),
              db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The exposure register in your scope; coverage is null where a count is unknown."""
    paged = paginate(db, service.exposures_query(session=db, actor=user, enterprise_id=enterprise_id), params)
    return {"items": [service.exposure_out(e) for e in paged.items], "total": paged.total,
            "page": paged.params.page, "per_page": paged.params.per_page, "pages": paged.pages}


@router.post("/enterprises/{enterprise_id}/exposures", status_code=201)
def add_exposure(enterprise_id: IdPath, body: ExposureIn, db: Session = Depends(get_db),
                 user: User = Depends(writer)):
    exposure = service.add_exposure(session=db, actor=user, enterprise_id=enterprise_id, exposure_in=body)
    db.commit()
    return service.exposure_out(exposure)


@router.get("/cases")
def cases(disease: str = Query("", max_length=24), params: PageParams = Depends(page_params),
          db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Imported cases in your scope, newest first (no names)."""
    paged = paginate(db, service.cases_query(session=db, actor=user, disease=disease), params)
    rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in service._case_row(c).items()}
            for c in paged.items]
    return {"items": rows, "total": paged.total, "page": paged.params.page, "per_page": paged.params.per_page,
            "pages": paged.pages}


@router.post("/cases/import", responses={422: {"description": "Row-level problems; nothing was written",
                                                "model": ErrorOut}})
def import_cases(file: UploadFile = File(...), source: str = Query("ncod", max_length=40),
                 db: Session = Depends(get_db), user: User = Depends(writer)):
    """A case list (CSV, XLSX or JSON of the exchange format); a file with any problem writes nothing (422)."""
    from qorgau.core.imports import FileProblems

    data, filename = file.file.read(), file.filename or "cases.csv"
    try:
        checked = exchange.check(session=db, actor=user, data=data, filename=filename, options={"source": source})
    except FileProblems as error:
        problems = error.problems
    else:
        problems = checked.problems
    if problems:
        db.rollback()
        from qorgau.core.web import error_body

        body = error_body("import_failed", N_("The file has problems; nothing was imported."))
        body["error"]["problems"] = [p.as_dict() for p in problems]
        return JSONResponse(body, status_code=422)
    result = exchange.write(session=db, actor=user, data=data, filename=filename, options={"source": source})
    db.commit()
    return result


@router.get("/clusters")
def clusters(status: str = Query("", max_length=12), params: PageParams = Depends(page_params),
             db: Session = Depends(get_db), user: User = Depends(require_user)):
    paged = paginate(db, service.clusters_query(session=db, actor=user, status=status), params)
    return {"items": [service.cluster_out(c) for c in paged.items], "total": paged.total,
            "page": paged.params.page, "per_page": paged.params.per_page, "pages": paged.pages}


@router.get("/clusters/{cluster_id}")
def cluster(cluster_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    found = service.get_cluster(session=db, actor=user, cluster_id=cluster_id)
    rows = service.cluster_cases(session=db, actor=user, cluster=found)
    return {**service.cluster_out(found),
            "case_list": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
                          for r in rows]}


@router.post("/clusters/{cluster_id}/decision")
def decide(cluster_id: IdPath, body: DecisionIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Confirm, dismiss or reopen an alert, with a reason (kept and audited)."""
    found = service.decide(session=db, actor=user, cluster_id=cluster_id, decision=body)
    db.commit()
    return service.cluster_out(found)


@router.post("/detect", status_code=202)
def detect(body: DetectIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Queue a detection run (a background job); its clusters and alerts appear when it is done."""
    job_id = service.request_detection(session=db, actor=user, as_of=body.as_of)
    db.commit()
    return {"job_id": job_id}


@router.get("/export", responses={200: {"content": {"application/json": {}, "text/csv": {}},
                                       "description": "The exchange format: JSON, or CSV of cases or clusters"}})
def export(fmt: str = Query("json", pattern="^(json|csv)$"), what: str = Query("cases", pattern="^(cases|clusters)$"),
           db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The exchange format: JSON with cases and clusters, or CSV of one of them."""
    if fmt == "json":
        return exchange.export_json(session=db, actor=user)
    from qorgau.core.tabular import download

    if what == "cases":
        rows, fields = exchange.export_cases(session=db, actor=user), exchange.CASE_FIELDS
    else:
        rows, fields = exchange.export_clusters(session=db, actor=user), exchange.CLUSTER_FIELDS
    return download(fields, ([r.get(f) for f in fields] for r in rows), "csv", f"biosafety-{what}")
