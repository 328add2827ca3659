"""Registry pages: enterprises (search, create, edit, sites and zones), import, occupations."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import forms, i18n, policy
from qorgau.core.deps import form_data, get_db, require_user
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.registry import service
from qorgau.registry.schemas import EnterpriseIn, EnterpriseUpdate, SiteIn, ZoneIn

router = APIRouter(prefix="/registry")
NAV = [NavItem(N_("Enterprises"), "/registry/enterprises", "registry.read"),
       NavItem(N_("Union tree"), "/registry/unions", "registry.read"),
       NavItem(N_("Occupations"), "/registry/occupations", "registry.read")]


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "registry.read"):
        return []
    if user.scope_kind == "enterprise" and user.scope_enterprise_id:
        enterprise = service.enterprise_by_id(session=db, enterprise_id=user.scope_enterprise_id)
        if enterprise is None:
            return []
        return [Panel(title=_("My enterprise"), order=90, link=f"/registry/enterprises/{enterprise.id}",
                      link_label=_("Open"), items=[PanelItem(i18n.localized(enterprise, "name"),
                                                             f"/registry/enterprises/{enterprise.id}",
                                                             _("BIN %(bin)s", bin=enterprise.bin))])]
    total, union = service.scope_summary(session=db, actor=user)
    return [Panel(title=_("Enterprises in my scope"), order=90, figure=i18n.format_number(total),
                  items=[PanelItem(_("with a union: %(share)s", share=i18n.format_percent((union or 0) / total))
                                   if total else _("no enterprises yet"))],
                  link="/registry/enterprises", link_label=_("Search enterprises"))]


def _options(db: Session) -> dict:
    return {"regions": [(r.kato, i18n.localized(r, "name")) for r in service.regions(session=db)],
            "sectors": [(s.code, f"{s.code} — {i18n.localized(s, 'name')}") for s in service.sectors(session=db)]}


@router.get("/enterprises")
def enterprises(request: Request, q: str = Query("", max_length=100), region_kato: str = Query("", max_length=9),
                sector_code: str = Query("", max_length=1), page: int = Query(1, ge=1, le=100000),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    query = service.enterprises_query(session=db, actor=user, q=q, region_kato=region_kato, sector_code=sector_code)
    paged = paginate(db, query, PageParams(page, 25))
    context = {"paged": paged, "q": q, "region_kato": region_kato, "sector_code": sector_code, **_options(db)}
    template = "registry/_enterprise_rows.html" if request.headers.get("hx-request") else "registry/enterprises.html"
    return render(request, template, context)


def _form_error(request, db, template, error, status=422, **context):
    return render(request, template, {"error": error, **_options(db), **context}, status_code=status)


def _pydantic_problem(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    return str(first["loc"][0]) if first["loc"] else "", first["msg"]


@router.get("/enterprises/new")
def new_enterprise(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "registry.write")
    return render(request, "registry/enterprise_form.html", {"values": {}, **_options(db)})


@router.post("/enterprises/new")
def create_enterprise(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                      form: FormData = Depends(form_data)):
    policy.require(user, "registry.write")
    values = {k: str(v).strip() for k, v in form.items() if k != "csrf_token"}

    def action():
        try:
            body = _enterprise_in(values)
        except ValidationError as error:
            field, message = _pydantic_problem(error)
            raise ValidationFailed(message.removeprefix("Value error, "), field=field) from None
        enterprise = service.create_enterprise(session=db, actor=user, enterprise_in=body)
        db.commit()
        return enterprise

    return forms.submit(db, action,
                        done=lambda enterprise: RedirectResponse(f"/registry/enterprises/{enterprise.id}", 303),
                        again=lambda message, field: _form_error(request, db, "registry/enterprise_form.html",
                                                                 message, values=values, error_field=field))


def _enterprise_in(values: dict) -> EnterpriseIn:
    return EnterpriseIn.model_validate({
            "bin": values.get("bin", ""), "name_ru": values.get("name_ru", ""), "name_kk": values.get("name_kk", ""),
        "name_en": values.get("name_en", ""), "region_kato": values.get("region_kato", ""),
        "sector_code": values.get("sector_code", ""), "town": values.get("town", ""),
        "headcount": int(values["headcount"]) if values.get("headcount", "").isdigit() else -1,
        "has_union": "has_union" in values, "collective_agreement": "collective_agreement" in values,
        "safety_committee": "safety_committee" in values})


@router.get("/enterprises/{enterprise_id}")
def enterprise_detail(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
                      db: Session = Depends(get_db)):
    enterprise = service.get_enterprise(session=db, actor=user, enterprise_id=enterprise_id)
    can_edit = policy.allowed(user, "registry.write")
    history = service.enterprise_history(session=db, actor=user, enterprise_id=enterprise.id)
    blocks = service.enterprise_card_blocks(session=db, actor=user, enterprise=enterprise)
    return render(request, "registry/enterprise.html", {"e": enterprise, "can_edit": can_edit, "history": history,
                                                        "blocks": blocks})


@router.post("/enterprises/{enterprise_id}")
def update_enterprise(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
                      db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    headcount = str(form.get("headcount", "")).strip()
    update = EnterpriseUpdate(
        name_ru=str(form.get("name_ru", ""))[:300], name_kk=str(form.get("name_kk", ""))[:300],
        name_en=str(form.get("name_en", ""))[:300], town=str(form.get("town", ""))[:120],
        headcount=int(headcount) if headcount.isdigit() and int(headcount) <= 1_000_000 else None,
        has_union="has_union" in form, collective_agreement="collective_agreement" in form,
        safety_committee="safety_committee" in form)
    service.update_enterprise(session=db, actor=user, enterprise_id=enterprise_id, update=update)
    db.commit()
    return RedirectResponse(f"/registry/enterprises/{enterprise_id}", status_code=303)


@router.post("/enterprises/{enterprise_id}/sites")
def add_site(request: Request, enterprise_id: IdPath, name: str = Form(..., min_length=1, max_length=200),
             address: str = Form("", max_length=300), user: User = Depends(require_user),
             db: Session = Depends(get_db)):
    service.add_site(session=db, actor=user, enterprise_id=enterprise_id, site_in=SiteIn(name=name, address=address))
    db.commit()
    return RedirectResponse(f"/registry/enterprises/{enterprise_id}#sites", status_code=303)


@router.post("/sites/{site_id}/zones")
def add_zone(request: Request, site_id: IdPath, name: str = Form(..., min_length=1, max_length=200),
             hazards: str = Form("", max_length=300), max_headcount: str = Form("", max_length=6),
             user: User = Depends(require_user), db: Session = Depends(get_db)):
    limit = int(max_headcount) if max_headcount.isdigit() and int(max_headcount) > 0 else None
    zone = service.add_zone(session=db, actor=user, site_id=site_id,
                            zone_in=ZoneIn(name=name, hazards=hazards, max_headcount=limit))
    db.commit()
    return RedirectResponse(f"/registry/enterprises/{zone.site.enterprise_id}#sites", status_code=303)


@router.get("/import")
def import_form(request: Request, user: User = Depends(require_user)):
    policy.require(user, "registry.admin")
    return render(request, "registry/import.html", {"columns": service.IMPORT_COLUMNS})


@router.post("/import")
def import_file(request: Request, file: UploadFile = File(...), user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    """Upload: the file is staged and checked (a dry run); nothing is written until the import is confirmed."""
    from qorgau.core.imports import FileProblems
    from qorgau.core.imports.flow import preview, stage

    policy.require(user, "registry.admin")
    importer = service.enterprises_importer()
    context = {"columns": service.IMPORT_COLUMNS, "filename": file.filename}
    try:
        token = stage(actor=user, importer=importer, data=file.file.read(), filename=file.filename or "",
                      data_dir=request.app.state.settings.data_dir)
    except FileProblems as failed:
        return render(request, "registry/import.html", {**context, "problems": failed.problems}, status_code=422)
    checked = preview(session=db, actor=user, importer=importer, token=token,
                      data_dir=request.app.state.settings.data_dir)
    db.rollback()
    if checked.problems:
        return render(request, "registry/import.html", {**context, "problems": checked.problems}, status_code=422)
    return render(request, "registry/import.html", {**context, "checked": checked, "token": token})


@router.post("/import/commit")
def import_commit(request: Request, token: str = Form(..., max_length=64), filename: str = Form("", max_length=200),
                  user: User = Depends(require_user), db: Session = Depends(get_db)):
    """Import the previewed file: every row, or none."""
    from qorgau.core.imports.flow import commit

    importer = service.enterprises_importer()
    context = {"columns": service.IMPORT_COLUMNS, "filename": filename}

    def action():
        counts = commit(session=db, actor=user, importer=importer, token=token,
                        data_dir=request.app.state.settings.data_dir)
        db.commit()
        return counts

    return forms.submit(db, action,
                        done=lambda counts: render(request, "registry/import.html", {**context, "counts": counts}),
                        again=lambda message, _field: render(request, "registry/import.html",
                                                             {**context, "error": message}))


@router.get("/occupations")
def occupations(request: Request, q: str = Query("", max_length=100), page: int = Query(1, ge=1, le=100000),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "registry.read")
    paged = paginate(db, service.occupations_query(q=q), PageParams(page, 50))
    return render(request, "registry/occupations.html", {"paged": paged, "q": q})


@router.get("/unions")
def unions(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "registry.read")
    orgs = service.union_orgs(session=db)
    children: dict[int | None, list] = {}
    for org in orgs:
        children.setdefault(org.parent_id, []).append(org)
    counts = service.enterprise_counts_by_union(session=db)
    return render(request, "registry/unions.html", {"children": children, "counts": counts,
                                                    "kinds": {"federation": _("Federation"), "sectoral": _("Sectoral union"),
                                                              "regional": _("Regional union"), "primary": _("Primary organisation")}})
