"""Platform pages: home per role, sign-in and out, language, notifications, users, audit log."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from qorgau.core import audit, forms, i18n, notify, policy, security
from qorgau.core.deps import get_db, load_user, require_user
from qorgau.core.i18n import gettext as _
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, paginate
from qorgau.core.plugins import modules
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.core.web import is_secure
from qorgau.registry import accounts as user_service

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only same-site paths, never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        return "/"
    return target


def home_panels(request: Request, db: Session, user: User) -> list:
    panels = []
    for _package, views in modules("views"):
        provider = getattr(views, "home_panels", None)
        if provider is not None:
            panels.extend(provider(request, db, user))
    unread = notify.latest(db, user=user, unread_only=True, limit=5)
    from qorgau.core.plugins import Panel, PanelItem

    panels.append(Panel(title=_("Notifications"), order=1, link="/notifications", link_label=_("All notifications"),
                        empty=_("Nothing new."),
                        items=[PanelItem(n.shown[0], n.link, i18n.format_date(n.created_at) if n.dated_to_day
                                         else i18n.format_datetime(n.created_at), "warn") for n in unread]))
    return sorted(panels, key=lambda p: p.order)


@router.get("/")
def home(request: Request, user: User | None = Depends(load_user), db: Session = Depends(get_db)):
    if user is None:
        return render(request, "landing.html")
    return render(request, "home.html", {"panels": home_panels(request, db, user),
                                         "role_label": _(policy.ROLES.get(cast(policy.Role, user.role), user.role))})


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(request: Request, username: str = Form(..., max_length=64), password: str = Form(..., max_length=256),
          next: str = Form("/"), db: Session = Depends(get_db)):
    settings = request.app.state.settings
    client = security.client_key(settings.resolved_secret_key(), request.client.host if request.client else None)
    result = security.authenticate(db, username=username, password=password,
                                   max_failures=settings.login_max_failures,
                                   window_minutes=settings.login_window_minutes,
                                   lockout_minutes=settings.login_lockout_minutes,
                                   client=client, keep_days=settings.login_failure_keep_days)
    db.info["actor"] = f"user:{username.strip().lower()[:60]}"
    if result.user is None:
        if result.locked_until:
            audit.record(db, action="sign_in_locked", object_type="core_user", object_id=username[:60])
        db.commit()
        return render(request, "login.html", {"error": _(result.error) if result.error else "", "next": _safe_next(next),
                                              "username": username}, status_code=401)
    audit.record(db, action="sign_in", object_type="core_user", object_id=result.user.id)
    db.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(security.SESSION_COOKIE, request.app.state.signer.dumps(result.user),
                        max_age=request.app.state.signer.max_age, httponly=True, samesite="lax",
                        secure=is_secure(request.scope, settings), path="/")
    if result.user.locale in i18n.LOCALES:
        response.set_cookie("lang", result.user.locale, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.post("/logout")
def logout(request: Request, user: User | None = Depends(load_user), db: Session = Depends(get_db)):
    if user is not None:
        security.end_sessions(user)  # the cookie, even if kept somewhere, no longer opens a session
        audit.record(db, action="sign_out", object_type="core_user", object_id=user.id)
        db.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/", user: User | None = Depends(load_user),
                    db: Session = Depends(get_db)):
    """The language for this browser (a cookie) and, when signed in, for the user everywhere: pages on
    other devices, notifications and e-mail follow `user.locale`."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in i18n.LOCALES:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax", path="/",
                            secure=is_secure(request.scope, request.app.state.settings))
        if user is not None and user_service.save_locale(db, user=user, locale=code):
            db.commit()
    return response


@router.get("/notifications")
def notifications(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    items = notify.latest(db, user=user)
    return render(request, "notifications.html", {"items": items})


@router.post("/notifications/read")
def notifications_read(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    notify.mark_all_read(db, user=user)
    db.commit()
    return RedirectResponse("/notifications", status_code=303)


@router.get("/admin/users")
def users_page(request: Request, q: str = Query("", max_length=100), page: int = Query(1, ge=1, le=100000),
               user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "users.manage")
    query = user_service.search_query(q=q)
    paged = paginate(db, query, PageParams(page, 50))
    return render(request, "users.html", {"paged": paged, "q": q, "roles": policy.ROLES,
                                          "scope_kinds": policy.SCOPE_KINDS})


@router.post("/admin/users")
def users_create(request: Request, username: str = Form(..., max_length=64), full_name: str = Form("", max_length=200),
                 role: str = Form(...), password: str = Form(..., max_length=256),
                 scope_kind: str = Form("national"), scope_id: str = Form("", max_length=20),
                 user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "users.manage")

    def action():
        user_service.create(db, username=username, full_name=full_name, role=role, password=password,
                            scope_kind=scope_kind, scope_id=scope_id)
        db.commit()

    def again(message: str, field: str):
        query = user_service.search_query(q="")
        return render(request, "users.html", {"paged": paginate(db, query, PageParams(1, 50)), "q": "",
                                              "roles": policy.ROLES, "scope_kinds": policy.SCOPE_KINDS,
                                              "error": message, "error_field": field})

    return forms.submit(db, action, again=again, done=lambda _done: RedirectResponse("/admin/users", 303))


@router.post("/admin/users/{user_id}/active")
def users_active(user_id: IdPath, active: str = Form("0", max_length=1), user: User = Depends(require_user),
                 db: Session = Depends(get_db)):
    user_service.set_active(db, actor=user, user_id=user_id, active=active == "1")
    db.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/account/password")
def account_form(request: Request, user: User = Depends(require_user)):
    return render(request, "account.html", {})


@router.post("/account/password")
def account_password(request: Request, current: str = Form(..., max_length=256), new: str = Form(..., max_length=256),
                     user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        user_service.change_password(db, user=user, current=current, new=new)
        db.commit()

    def done(_done):
        # This browser stays signed in with a cookie of the new epoch; every other session has ended.
        response = render(request, "account.html", {"changed": True})
        response.set_cookie(security.SESSION_COOKIE, request.app.state.signer.dumps(user),
                            max_age=request.app.state.signer.max_age, httponly=True, samesite="lax",
                            secure=is_secure(request.scope, request.app.state.settings), path="/")
        return response

    return forms.submit(db, action, done=done, again=lambda message, field: render(
        request, "account.html", {"error": message, "error_field": field}))


@router.get("/audit")
def audit_page(request: Request, object_type: str = Query("", max_length=64), page: int = Query(1, ge=1, le=100000),
               verify: bool = False, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "audit.read")
    query = audit.entries_query(object_type=object_type)
    result = audit.verify(db) if verify else None
    return render(request, "audit.html", {"paged": paginate(db, query, PageParams(page, 50)),
                                          "object_type": object_type, "verify": result})
