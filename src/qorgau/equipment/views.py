"""Equipment pages: the register of the enterprises in scope, an enterprise's equipment (items past their life,
accidents caused by worn equipment, the re-equipment plan), an item, shares past the service life, import."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import forms, i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.deps import form_data, get_db, require_user
from qorgau.core.errors import AppError, NotFound, ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.equipment import catalogue, exports, importer, service
from qorgau.equipment.models import (
    ACTIONS,
    CERTIFICATES,
    CONDITION_LABELS,
    CONDITION_MOVES,
    LIFE_SOURCES,
    OPEN_PLAN,
    PLAN_LABELS,
    PLAN_MOVES,
    Condition,
)
from qorgau.equipment.schemas import CertificateIn, ItemIn, PlanItemIn
from qorgau.registry import access
from qorgau.registry import service as registry
from qorgau.registry.models import Enterprise

router = APIRouter(prefix="/equipment")
NAV = [NavItem(N_("Equipment"), "/equipment/", "equipment.read")]
LABELS = {"conditions": CONDITION_LABELS, "plan_labels": PLAN_LABELS, "actions": ACTIONS,
          "certificate_kinds": CERTIFICATES, "life_sources": LIFE_SOURCES}
BY = {"enterprise": N_("Enterprise"), "sector": N_("Sector (OKED)"), "region": N_("Region")}


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "equipment.read"):
        return []
    today = utcnow().date()
    rows = [r for r in service.share_rows(session=db, actor=user, by="enterprise", on=today) if r["past_life"]]
    if not rows:
        return []
    rows.sort(key=lambda r: -r["past_life"])
    names = _names(db, [int(r["group"]) for r in rows[:4]])
    items = [PanelItem(names.get(int(r["group"]), r["group"]), f"/equipment/enterprises/{r['group']}",
                       _("%(n)s past their service life", n=r["past_life"]), "warn") for r in rows[:4]]
    return [Panel(title=_("Equipment past its service life"), order=45,
                  figure=i18n.format_number(sum(r["past_life"] for r in rows)), items=items,
                  link="/equipment/", link_label=_("Open the equipment register"))]


def _names(db: Session, ids: list[int]) -> dict[int, str]:
    return {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(session=db, ids=ids)}


def _type_name(code: str) -> str:
    kind = catalogue.TYPES.get(code)
    return kind.name(i18n.get_locale()) if kind else code


def _context(db: Session | None, **extra) -> dict:
    """What every page needs; `db` to say whether the shown register holds synthetic demo data (import pages
    show none)."""
    return {**LABELS, "demo": db is not None and service.has_demo(db), "type_name": _type_name, "today": utcnow().date(),
            "life_state": service.life_state,
            "expired_of": service.expired_certificates, **extra}


@router.get("/")
def index(request: Request, fmt: str = Query("", pattern="^(|csv|xlsx)$"), user: User = Depends(require_user),
          db: Session = Depends(get_db)):
    """The enterprises in scope with registered equipment: items, past their life, of unknown age."""
    policy.require(user, "equipment.read")
    if fmt:
        return exports.register(session=db, actor=user, fmt=fmt)
    rows = service.share_rows(session=db, actor=user, by="enterprise", on=utcnow().date())
    rows.sort(key=lambda r: (-(r["past_life_percent"] or 0), r["group"]))
    names = _names(db, [int(r["group"]) for r in rows])
    own = user.scope_enterprise_id if user.scope_kind == "enterprise" else None
    return render(request, "equipment/index.html", _context(db, rows=rows, names=names, own=own))


@router.get("/enterprises/{enterprise_id}")
def enterprise_page(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
                    db: Session = Depends(get_db), error: str = ""):
    policy.require(user, "equipment.read")
    enterprise = registry.get_enterprise(session=db, actor=user, enterprise_id=enterprise_id)
    today = utcnow().date()
    overview = service.enterprise_overview(session=db, actor=user, enterprise_id=enterprise.id, on=today)
    accidents = {item.id: service.linked_accidents(session=db, actor=user, item=item)
                 for item in overview["with_accidents"]}
    can_write = policy.allowed(user, "equipment.write") and access.can_reach_enterprise(db, user, enterprise.id)
    return render(request, "equipment/enterprise.html", _context(db,
        e=enterprise, o=overview, accidents=accidents, can_write=can_write,
        can_comment=policy.allowed(user, "equipment.comment") or can_write, moves=PLAN_MOVES,
        error=error, open_plan=OPEN_PLAN, action_options=[(k, _(v)) for k, v in ACTIONS.items()]))


@router.get("/enterprises/{enterprise_id}/items")
def enterprise_items(request: Request, enterprise_id: IdPath, page: int = Query(1, ge=1, le=100_000),
                     past: bool = False, user: User = Depends(require_user), db: Session = Depends(get_db)):
    enterprise = registry.get_enterprise(session=db, actor=user, enterprise_id=enterprise_id)
    query = service.items_query(session=db, actor=user, enterprise_id=enterprise.id,
                                past_life_on=utcnow().date() if past else None)
    paged = paginate(db, query, PageParams(page=page, per_page=50))
    can_write = policy.allowed(user, "equipment.write") and access.can_reach_enterprise(db, user, enterprise.id)
    return render(request, "equipment/items.html", _context(db, e=enterprise, paged=paged, past=past,
                                                              can_write=can_write))


def _item_form_context(db: Session, enterprise: Enterprise, values: dict, error: str = "",
                       error_field: str | None = None) -> dict:
    sites = service.sites_of_enterprise(session=db, enterprise_id=enterprise.id)
    zones = registry.zones_of_enterprise(session=db, enterprise_id=enterprise.id)
    return _context(db, e=enterprise, values=values, error=error, error_field=error_field,
                    sites=[(s.id, s.name) for s in sites], zones=[(z.id, z.name) for z in zones],
                    types=[(t.code, t.name(i18n.get_locale())) for t in catalogue.TYPES.values()])


@router.get("/enterprises/{enterprise_id}/items/new")
def new_item(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
             db: Session = Depends(get_db)):
    enterprise = registry.get_enterprise(session=db, actor=user, enterprise_id=enterprise_id)
    access.require_enterprise(db, user, "equipment.write", enterprise.id)
    return render(request, "equipment/item_form.html", _item_form_context(db, enterprise, {}))


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@router.post("/enterprises/{enterprise_id}/items/new")
def create_item(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
                db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    enterprise = registry.get_enterprise(session=db, actor=user, enterprise_id=enterprise_id)
    values = {k: str(form.get(k, ""))[:200] for k in ("type_code", "inventory_number", "name", "manufacturer",
                                                      "commissioned_year", "service_life_years", "site_id",
                                                      "zone_id", "condition")}
    def action():
        try:
            item_in = ItemIn(enterprise_id=enterprise.id, type_code=values["type_code"],
                             inventory_number=values["inventory_number"], name=values["name"],
                             manufacturer=values["manufacturer"], commissioned_year=_int(values["commissioned_year"]),
                             service_life_years=_int(values["service_life_years"]), site_id=_int(values["site_id"]),
                             zone_id=_int(values["zone_id"]), condition=values["condition"] or Condition.good)
        except ValidationError as error:
            field = str(error.errors()[0]["loc"][0]) if error.errors()[0].get("loc") else None
            raise ValidationFailed(N_("Check this field."), field=field) from None
        item = service.create_item(session=db, actor=user, item_in=item_in)
        db.commit()
        return item

    return forms.submit(db, action, done=lambda item: RedirectResponse(f"/equipment/items/{item.id}", status_code=303),
                        again=lambda message, field: render(request, "equipment/item_form.html", _item_form_context(
                            db, enterprise, values, message, field or None)))


@router.get("/items/{equipment_item_id}")
def item_page(request: Request, equipment_item_id: IdPath, user: User = Depends(require_user),
              db: Session = Depends(get_db), error: str = ""):
    item = service.get_item(session=db, actor=user, item_id=equipment_item_id)
    enterprise = registry.enterprise_by_id(session=db, enterprise_id=item.enterprise_id)
    can_write = policy.allowed(user, "equipment.write")
    return render(request, "equipment/item.html", _context(db,
        i=item, e=enterprise, accidents=service.linked_accidents(session=db, actor=user, item=item),
        candidates=service.worn_equipment_accidents(session=db, actor=user, enterprise_id=item.enterprise_id)
        if can_write else [], can_write=can_write, next_conditions=CONDITION_MOVES.next_states(item.condition),
        kind=catalogue.TYPES.get(item.type_code), error=error,
        certificate_options=[(k, _(v)) for k, v in CERTIFICATES.items()]))


def _back(url: str, error: AppError | None = None) -> RedirectResponse:
    if error is not None:
        from urllib.parse import quote

        url += ("&" if "?" in url else "?") + "error=" + quote(forms.message(error)[:300])
    return RedirectResponse(url, status_code=303)


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip()) if value else None
    except ValueError:
        return None


def _act(db: Session, url: str, action) -> RedirectResponse:
    try:
        action()
        db.commit()
    except ValidationError:
        db.rollback()
        return _back(url, ValidationFailed(N_("Check this field.")))
    except AppError as error:
        db.rollback()
        if error.status in (403, 404):
            raise
        return _back(url, error)
    return _back(url)


@router.post("/items/{equipment_item_id}/condition")
def item_condition(equipment_item_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                   form: FormData = Depends(form_data)):
    service.get_item(session=db, actor=user, item_id=equipment_item_id, permission="equipment.write")
    return _act(db, f"/equipment/items/{equipment_item_id}", lambda: service.set_condition(
        session=db, actor=user, item_id=equipment_item_id, condition=str(form.get("condition", ""))[:20]))


@router.post("/items/{equipment_item_id}/certificates")
def item_certificate(equipment_item_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                     form: FormData = Depends(form_data)):
    service.get_item(session=db, actor=user, item_id=equipment_item_id, permission="equipment.write")
    def add():
        issued = _date(form.get("issued_on"))
        if issued is None:
            raise ValidationFailed(N_("Give the date of the examination too."), field="issued_on")
        service.add_certificate(session=db, actor=user, item_id=equipment_item_id, certificate_in=CertificateIn(
            kind=str(form.get("kind", ""))[:30], number=str(form.get("number", ""))[:64], issued_on=issued,
            expires_on=_date(form.get("expires_on")), issued_by=str(form.get("issued_by", ""))[:200]))
    return _act(db, f"/equipment/items/{equipment_item_id}", add)


@router.post("/items/{equipment_item_id}/extension")
def item_extension(equipment_item_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                   form: FormData = Depends(form_data)):
    service.get_item(session=db, actor=user, item_id=equipment_item_id, permission="equipment.write")
    def extend():
        until = _date(form.get("extended_until"))
        if until is None:
            raise ValidationFailed(N_("Check this field."), field="extended_until")
        service.extend_life(session=db, actor=user, item_id=equipment_item_id, until=until,
                            basis=str(form.get("basis", ""))[:300])
    return _act(db, f"/equipment/items/{equipment_item_id}", extend)


@router.post("/items/{equipment_item_id}/accidents")
def item_accident(equipment_item_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                  form: FormData = Depends(form_data)):
    service.get_item(session=db, actor=user, item_id=equipment_item_id, permission="equipment.write")
    def link():
        accident_id = _int(form.get("accident_id"))
        if not accident_id:
            raise ValidationFailed(N_("Choose the accident."), field="accident_id")
        service.link_accident(session=db, actor=user, item_id=equipment_item_id, accident_id=accident_id,
                              note=str(form.get("note", ""))[:1000])
    return _act(db, f"/equipment/items/{equipment_item_id}", link)


@router.post("/enterprises/{enterprise_id}/plan")
def add_plan_item(enterprise_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                  form: FormData = Depends(form_data)):
    access.require_enterprise(db, user, "equipment.write", enterprise_id)
    url = f"/equipment/enterprises/{enterprise_id}"

    def add():
        due = _date(form.get("due_on"))
        if due is None:
            raise ValidationFailed(N_("Give the deadline."), field="due_on")
        budget_text = str(form.get("budget", "")).strip().replace(" ", "").replace(",", ".")[:20]
        try:
            budget = float(budget_text) if budget_text else None
        except ValueError:
            raise ValidationFailed(N_("The budget is a number of tenge."), field="budget") from None
        service.create_plan_item(session=db, actor=user, plan_in=PlanItemIn(
            enterprise_id=enterprise_id, item_id=_int(form.get("item_id")), action=str(form.get("action", ""))[:16],
            description=str(form.get("description", ""))[:2000], due_on=due,
            responsible=str(form.get("responsible", ""))[:200], budget=budget))
    return _act(db, url + "#plan", add)


def _plan_url(row) -> str:
    return f"/equipment/enterprises/{row.enterprise_id}"


@router.post("/plan-items/{equipment_plan_item_id}/status")
def plan_status(equipment_plan_item_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                form: FormData = Depends(form_data)):
    url = _plan_url(service.get_plan_item(session=db, actor=user, plan_item_id=equipment_plan_item_id))
    return _act(db, url, lambda: service.move_plan_item(
        session=db, actor=user, plan_item_id=equipment_plan_item_id, status=str(form.get("status", ""))[:20]))


@router.post("/plan-items/{equipment_plan_item_id}/progress")
def plan_progress(equipment_plan_item_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                  form: FormData = Depends(form_data)):
    url = _plan_url(service.get_plan_item(session=db, actor=user, plan_item_id=equipment_plan_item_id))
    value = _int(form.get("progress"))
    return _act(db, url, lambda: service.set_progress(
        session=db, actor=user, plan_item_id=equipment_plan_item_id, progress=-1 if value is None else value))


@router.post("/plan-items/{equipment_plan_item_id}/comments")
def plan_comment(equipment_plan_item_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                 form: FormData = Depends(form_data)):
    url = _plan_url(service.get_plan_item(session=db, actor=user, plan_item_id=equipment_plan_item_id))

    def add():
        body = str(form.get("body", "")).strip()[:2000]
        if len(body) < 2:
            raise ValidationFailed(N_("Write the comment."), field="body")
        service.comment(session=db, actor=user, plan_item_id=equipment_plan_item_id, body=body)
    return _act(db, url, add)


@router.post("/plan-items/{equipment_plan_item_id}/escalate")
def plan_escalate(equipment_plan_item_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    url = _plan_url(service.get_plan_item(session=db, actor=user, plan_item_id=equipment_plan_item_id))
    return _act(db, url, lambda: service.escalate_now(
        session=db, actor=user, plan_item_id=equipment_plan_item_id))


@router.get("/shares")
def shares_page(request: Request, by: str = Query("region", pattern="^(enterprise|sector|region)$"),
                fmt: str = Query("", pattern="^(|csv|xlsx)$"), user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    if fmt:
        return exports.shares(session=db, actor=user, by=by, fmt=fmt)
    rows = service.shares(session=db, actor=user, by=by, on=utcnow().date())
    if by == "enterprise":
        names = {str(k): v for k, v in _names(db, [int(r["group"]) for r in rows]).items()}
    elif by == "region":
        names = {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)}
    else:
        names = {s.code: i18n.localized(s, "name") for s in registry.sectors(session=db)}
    return render(request, "equipment/shares.html", _context(db, rows=rows, names=names, by=by, groups=BY))


# ---- import ---------------------------------------------------------------------------------------

def _import_context(**extra) -> dict:
    return {"fields": importer.FIELD_LABELS,
            "required": {k for k, (req, _w) in importer.FIELDS.items() if req}, **_context(None, **extra)}


def _mapping(form: FormData) -> dict[str, str]:
    return {name: str(form.get(f"map_{name}", ""))[:200] for name in importer.FIELDS if form.get(f"map_{name}")}


@router.get("/import")
def import_form(request: Request, user: User = Depends(require_user)):
    policy.require(user, "equipment.write")
    return render(request, "equipment/import.html", _import_context(
        types=[(t.code, t.name(i18n.get_locale())) for t in catalogue.TYPES.values()]))


@router.post("/import")
def import_upload(request: Request, file: UploadFile = File(...), user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    """Upload: the file is staged and a dry run shows the column mapping, the rows and every problem."""
    from qorgau.core.imports import FileProblems
    from qorgau.core.imports.flow import preview, stage

    policy.require(user, "equipment.write")
    data_dir, filename = request.app.state.settings.data_dir, file.filename or "upload.csv"
    try:
        token = stage(actor=user, importer=importer.REGISTER, data=file.file.read(), filename=filename,
                      data_dir=data_dir)
    except FileProblems as error:
        return render(request, "equipment/import.html", _import_context(
            problems=error.problems, types=[(t.code, t.name(i18n.get_locale())) for t in catalogue.TYPES.values()]),
            status_code=422)
    checked = preview(session=db, actor=user, importer=importer.REGISTER, token=token, data_dir=data_dir)
    db.rollback()
    return render(request, "equipment/import_preview.html", _import_context(token=token, filename=filename,
                                                                            p=checked))


@router.post("/import/preview")
def import_remap(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                 form: FormData = Depends(form_data)):
    from qorgau.core.imports.flow import preview

    token, filename = str(form.get("token", ""))[:64], str(form.get("filename", ""))[:200]
    checked = preview(session=db, actor=user, importer=importer.REGISTER, token=token,
                      options={"mapping": _mapping(form)}, data_dir=request.app.state.settings.data_dir)
    db.rollback()
    return render(request, "equipment/import_preview.html", _import_context(token=token, filename=filename,
                                                                            p=checked))


@router.post("/import/commit")
def import_commit(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                  form: FormData = Depends(form_data)):
    """Register the previewed file with the mapping shown: every new item, or none."""
    from qorgau.core.imports.flow import commit, preview

    token, filename = str(form.get("token", ""))[:64], str(form.get("filename", ""))[:200]
    options, data_dir = {"mapping": _mapping(form)}, request.app.state.settings.data_dir
    def again(message: str, _field: str):
        try:
            checked = preview(session=db, actor=user, importer=importer.REGISTER, token=token, options=options,
                              data_dir=data_dir)
        except NotFound:
            checked = None
        db.rollback()
        return render(request, "equipment/import_preview.html", _import_context(
            token=token, filename=filename, p=checked, failed=message))

    def action():
        result = commit(session=db, actor=user, importer=importer.REGISTER, token=token, options=options,
                        data_dir=data_dir)
        db.commit()
        return result

    return forms.submit(db, action, again=again,
                        done=lambda result: render(request, "equipment/import_done.html",
                                                   _context(None, filename=filename, result=result)))
