"""The visit outcome form: what a planned visit found, recorded as violations (or nothing found); mounted under
/risk by views.py."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import forms, policy
from qorgau.core.deps import form_data, get_db, require_user
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.deviations import service as deviations
from qorgau.registry import service as registry
from qorgau.registry.hazards import CATEGORIES
from qorgau.risk import visits
from qorgau.risk.models import InspectionItem

router = APIRouter()
ROWS = 4  # violation rows on the form


def _form(request: Request, db: Session, item: InspectionItem, values: dict | None = None, error: str = "",
          error_field: str = ""):
    enterprise = registry.enterprise_by_id(session=db, enterprise_id=item.enterprise_id)
    return render(request, "risk/visit.html", {
        "item": item, "enterprise": enterprise, "rows": ROWS, "values": values or {}, "categories": CATEGORIES,
        "severities": deviations.SEVERITY_LABELS, "error": error, "error_field": error_field or None})


@router.get("/items/{risk_item_id}/visit")
def visit_form(request: Request, risk_item_id: IdPath, user: User = Depends(require_user),
               db: Session = Depends(get_db)):
    return _form(request, db, visits.item_to_visit(session=db, actor=user, item_id=risk_item_id))


@router.post("/items/{risk_item_id}/visit")
def record_visit(request: Request, risk_item_id: IdPath, user: User = Depends(require_user),
                 db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    item = visits.item_to_visit(session=db, actor=user, item_id=risk_item_id)  # refused here as an error page
    values = {k: str(v)[:2000] for k, v in form.items()}

    def record() -> None:
        try:
            visited_on = date.fromisoformat(values.get("visited_on", ""))
        except ValueError:
            raise ValidationFailed(N_("A date is written YYYY-MM-DD."), field="visited_on") from None
        found = [visits.FoundViolation(category=values.get(f"category_{n}", ""),
                                       severity=values.get(f"severity_{n}", ""),
                                       description=values.get(f"description_{n}", "").strip(),
                                       work_stopped=values.get(f"stopped_{n}") == "1")
                 for n in range(1, ROWS + 1) if values.get(f"description_{n}", "").strip()]
        visits.record_visit(session=db, actor=user, item_id=item.id, visited_on=visited_on, violations=found,
                            nothing_found=values.get("nothing_found") == "1")
        db.commit()

    def done(_nothing: None):
        if policy.allowed(user, "risk.read"):
            return RedirectResponse(f"/risk/plans/{item.plan_id}#visits", status_code=303)
        return RedirectResponse("/deviations/", status_code=303)

    return forms.submit(db, record, done=done,
                        again=lambda message, field: _form(request, db, visits.item_to_visit(
                            session=db, actor=user, item_id=risk_item_id), values, message, field))
