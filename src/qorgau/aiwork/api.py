"""JSON routes of AI at work under /api/v1/aiwork."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from qorgau.aiwork import service
from qorgau.aiwork.schemas import (
    ExposureOut,
    OccupationExposure,
    PlanIn,
    PlanMoveIn,
    PlanOut,
    PlanWorkerOut,
    Preset,
    ScenarioOut,
    TableMeta,
    TableOut,
    WorkerProgressIn,
)
from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.tabular import ImportFailed, Problem
from qorgau.core.types import IdPath
from qorgau.core.web import ErrorOut

router = APIRouter()
MAX_UPLOAD = 30 * 1024 * 1024


@router.get("/tables", response_model=list[TableOut])
def list_tables(db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Employment tables you may read (national ones and those of enterprises in your scope)."""
    return service.tables(session=db, actor=user)


@router.post("/tables", response_model=TableOut, status_code=201,
             responses={422: {"description": "Row-level errors (row = line of the file, header = 1); nothing was written", "model": ErrorOut}})
def upload_table(file: UploadFile = File(...), title: str = Form(..., min_length=1, max_length=200),
                 source: str = Form(..., min_length=1, max_length=2000), year: int | None = Form(None, ge=1990, le=2100),
                 synthetic: bool = Form(False), enterprise_id: int | None = Form(None, ge=1, le=2_147_483_647),
                 unmatched: Literal["refuse", "drop"] = Form("refuse", description="US SOC codes the crosswalk does "
                                                             "not map: refuse the file, or leave the rows out"),
                 db: Session = Depends(get_db), user: User = Depends(writer)):
    """Upload an employment table (CSV/XLSX: isco08, employed, optional region, sector, sex, age_band,
    enterprise). The whole file lands, or nothing."""
    data = file.file.read(MAX_UPLOAD + 1)
    meta = TableMeta(title=title, source=source, year=year, synthetic=synthetic, enterprise_id=enterprise_id)
    try:
        if len(data) > MAX_UPLOAD:
            raise ImportFailed([Problem(0, "", N_("The file is larger than 30 MB."))])
        table = service.upload_table(session=db, actor=user, data=data, filename=file.filename or "", meta=meta,
                                     unmatched=unmatched)
    except ImportFailed as failed:
        db.rollback()
        from qorgau.core.web import error_body

        body = error_body(failed.code, failed.message, None, failed.params)
        body["error"]["problems"] = [p.as_dict() for p in failed.problems]
        return JSONResponse(body, status_code=422)
    db.commit()
    return table


@router.get("/tables/{aiwork_table_id}", response_model=TableOut)
def get_table(aiwork_table_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.get_table(session=db, actor=user, table_id=aiwork_table_id)


@router.get("/tables/{aiwork_table_id}/exposure", response_model=ExposureOut)
def table_exposure(aiwork_table_id: IdPath, by: str = Query("", max_length=80, description="Comma-separated dimensions "
                                                                                 "of the table: region, sector, sex, "
                                                                                 "age_band, enterprise"),
                   db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Jobs by ILO 2025 class (Not Exposed, Minimal, Gradients 1-4) and unscored, per group."""
    dims = [d.strip() for d in by.split(",") if d.strip()]
    return service.exposure_rows(session=db, actor=user, table_id=aiwork_table_id, by=dims)


@router.get("/tables/{aiwork_table_id}/scenario", response_model=ScenarioOut)
def table_scenario(aiwork_table_id: IdPath, preset: Preset = Query("central"), start_year: int = Query(2025, ge=2000, le=2100),
                   end_year: int = Query(2035, ge=2000, le=2100), db: Session = Depends(get_db),
                   user: User = Depends(require_user)):
    """Illustrative adoption scenario: jobs transformed and at risk of displacement by year, with its assumptions."""
    assumptions = service.assumptions_from(preset=preset, start_year=start_year, end_year=end_year)
    result = service.run_scenario(session=db, actor=user, table_id=aiwork_table_id, assumptions=assumptions)
    return {"table_id": aiwork_table_id, "synthetic": result["synthetic"], "label": result["label"],
            "assumptions": result["assumptions"], "unscored_jobs_left_out": result["unscored"],
            "totals": result["totals"]}


@router.get("/occupations", response_model=list[OccupationExposure])
def occupations(isco: list[str] = Query(..., min_length=1, max_length=200, description="ISCO-08 codes"),
                db: Session = Depends(get_db), user: User = Depends(require_user)):
    """ILO 2025 class and mean task score per code (unknown codes: known=false)."""
    return service.read_exposure(session=db, actor=user, isco_codes=[c[:8] for c in isco])


@router.get("/plans", response_model=list[PlanOut])
def list_plans(db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Retraining plan drafts of enterprises and union organisations in your scope."""
    return service.plans(session=db, actor=user)


@router.post("/plans", response_model=PlanOut, status_code=201)
def create_plan(body: PlanIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Save a retraining plan draft (people moving from one occupation to another, training, dates)."""
    plan = service.create_plan(session=db, actor=user, plan_in=body)
    db.commit()
    return plan


@router.get("/plans/{aiwork_plan_id}", response_model=PlanOut)
def get_plan(aiwork_plan_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.get_plan(session=db, actor=user, plan_id=aiwork_plan_id)


@router.post("/plans/{aiwork_plan_id}/status", response_model=PlanOut)
def move_plan(aiwork_plan_id: IdPath, body: PlanMoveIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Move a plan: draft → proposed (union) → agreed (employer: signatory and date) → in_progress → done, or
    abandoned with a reason; a proposal goes back to draft with a reason. Illegal moves answer 409."""
    plan = service.move_plan(session=db, actor=user, plan_id=aiwork_plan_id, status=body.status, note=body.note,
                             signatory=body.signatory, signed_on=body.signed_on)
    db.commit()
    return plan


@router.get("/plans/{aiwork_plan_id}/workers", response_model=list[PlanWorkerOut])
def plan_workers(aiwork_plan_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Progress of each affected worker (by the employer's reference, never a name)."""
    return service.plan_workers(session=db, actor=user, plan_id=aiwork_plan_id)


@router.post("/plans/{aiwork_plan_id}/workers", response_model=PlanWorkerOut)
def record_worker(aiwork_plan_id: IdPath, body: WorkerProgressIn, db: Session = Depends(get_db),
                  user: User = Depends(writer)):
    """Enrol an affected worker on a plan item or move them on (enrolled → training → completed → placed, or left)."""
    worker = service.record_worker_progress(session=db, actor=user, plan_id=aiwork_plan_id, item_id=body.item_id,
                                            reference=body.reference, progress=body.progress, note=body.note)
    db.commit()
    return worker
