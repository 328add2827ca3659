"""Operations pages: the administrator's health page and dead letters, retention periods, a person's own
data and notification settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import delivery, forms, operations, policy, privacy, retention
from qorgau.core.deps import form_data, get_db, require_user
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
    def action():
        privacy.request_correction(db, user=user, details=details)
        db.commit()

    return forms.submit(db, action, done=lambda _done: RedirectResponse("/account/data?sent=1", 303),
                        again=lambda message, field: render(request, "ops_my_data.html", {
                            "data": privacy.my_data(db, user=user), "details": details,
                            "status_labels": privacy.STATUS_LABELS, "error": message, "error_field": field}))


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


@router.get("/account/notifications")
def notification_settings_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    pref = delivery.preference(db, user.id)
    return render(request, "account_notifications.html", _settings_context(user, pref))


def _settings_context(user: User, pref, **extra) -> dict:
    return {"groups": delivery.KIND_GROUPS, "channels": delivery.channel_labels(),
            "chosen": (pref.groups if pref is not None else {}), "quiet_from": pref.quiet_from if pref else "",
            "quiet_to": pref.quiet_to if pref else "", "phone": delivery.phone_of(pref), "email": user.email,
            **extra}


@router.post("/account/notifications")
def notification_settings_save(request: Request, form: FormData = Depends(form_data),
                               user: User = Depends(require_user), db: Session = Depends(get_db)):
    groups = {group: {"channels": [c for c in delivery.channel_labels() if form.get(f"{group}.{c}") == "1"],
                      "digest": form.get(f"{group}.digest") == "1"} for group in delivery.KIND_GROUPS}
    values = {k: str(form.get(k, ""))[:32].strip() for k in ("quiet_from", "quiet_to", "phone")}
    def action():
        delivery.save_preferences(db, user=user, groups=groups, **values)
        db.commit()

    def again(message: str, field: str):
        context = _settings_context(user, delivery.preference(db, user.id), error=message, error_field=field)
        context.update(chosen=groups, **values)
        return render(request, "account_notifications.html", context)

    return forms.submit(db, action, again=again,
                        done=lambda _done: RedirectResponse("/account/notifications?saved=1", 303))


@router.get("/admin/deliveries")
def deliveries_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "operations.read")
    return render(request, "ops_deliveries.html", {"rows": delivery.problems(db), "channels": delivery.channel_labels()})


@router.post("/admin/deliveries/{delivery_id}/replay")
def delivery_replay(delivery_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    delivery.replay(db, actor=user, delivery_id=delivery_id)
    db.commit()
    return RedirectResponse("/admin/deliveries", status_code=303)
