"""Operations pages: the administrator's health page, retention periods, and a person's own data."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session

from qorgau.core import operations, privacy, retention
from qorgau.core.deps import get_db, require_user
from qorgau.core.errors import AppError
from qorgau.core.i18n import gettext as _
from qorgau.core.models import User
from qorgau.core.templating import render
from qorgau.core.types import IdPath

router = APIRouter()


@router.get("/admin/health")
def health_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    data = operations.health(db, actor=user, settings=request.app.state.settings)
    return render(request, "ops_health.html", {"h": data})


@router.get("/privacy/retention")
def retention_page(request: Request):
    return render(request, "ops_retention.html", {"rules": retention.rules(), "labels": retention.ACTION_LABELS})


@router.get("/account/data")
def my_data_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return render(request, "ops_my_data.html", {"data": privacy.my_data(db, user=user),
                                                "status_labels": privacy.STATUS_LABELS})


@router.get("/account/data.json")
def my_data_export(user: User = Depends(require_user), db: Session = Depends(get_db)):
    return JSONResponse(privacy.my_data(db, user=user),
                        headers={"Content-Disposition": f'attachment; filename="qorgau-{user.username}.json"'})


@router.post("/account/data/correction")
def my_data_correction(request: Request, details: str = Form("", max_length=8000),
                       user: User = Depends(require_user), db: Session = Depends(get_db)):
    try:
        privacy.request_correction(db, user=user, details=details)
        db.commit()
    except AppError as error:
        db.rollback()
        return render(request, "ops_my_data.html", {"data": privacy.my_data(db, user=user), "details": details,
                                                    "status_labels": privacy.STATUS_LABELS,
                                                    "error": _(error.message), "error_field": error.field},
                      status_code=422)
    return RedirectResponse("/account/data?sent=1", status_code=303)


@router.get("/admin/privacy")
def privacy_requests_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return render(request, "ops_privacy_requests.html", {"rows": privacy.open_requests(db, actor=user),
                                                         "status_labels": privacy.STATUS_LABELS})


@router.post("/admin/privacy/{privacy_request_id}")
def privacy_request_resolve(privacy_request_id: IdPath, outcome: str = Form(..., max_length=16),
                            answer: str = Form("", max_length=4000),
                            user: User = Depends(require_user), db: Session = Depends(get_db)):
    privacy.resolve(db, actor=user, request_id=privacy_request_id, outcome=outcome, answer=answer)
    db.commit()
    return RedirectResponse("/admin/privacy", status_code=303)
