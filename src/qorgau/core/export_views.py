"""The page of a list export made by a background job: its progress, then its download."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.orm import Session

from qorgau.core import exports
from qorgau.core.deps import get_db, require_user
from qorgau.core.models import User
from qorgau.core.templating import render
from qorgau.core.types import IdPath

router = APIRouter()


@router.get("/exports/{job_id}")
def export_page(request: Request, job_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    row = exports.job_for(db, user, job_id)
    return render(request, "export_job.html", {"job": row, "s": exports.status(row),
                                               "keep_hours": int(exports.KEEP.total_seconds() // 3600)})


@router.get("/exports/{job_id}/status")
def export_status(job_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    """What the job page polls: state, progress in percent, rows, and the download link when done."""
    return JSONResponse(exports.status(exports.job_for(db, user, job_id)), headers={"Cache-Control": "no-store"})


@router.get("/exports/{job_id}/download")
def export_download(request: Request, job_id: IdPath, user: User = Depends(require_user),
                    db: Session = Depends(get_db)):
    path, media_type, name = exports.file_of(db, user, job_id, request.app.state.settings.data_dir)
    return FileResponse(path, media_type=media_type, filename=name, headers={"Cache-Control": "private, no-store"})
