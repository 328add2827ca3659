"""Collective agreement pages: the register (with export), a new agreement, the agreement (parties, dates,
status, clauses by kind, model clauses to insert, amendments, the signed PDF, comments), coverage by region,
sector and union with a map, the model-clause library and the workers' page of their agreement in force."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.agreements import service
from qorgau.agreements.models import (
    AGREEMENT_FLOW,
    CORE_KINDS,
    KIND_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    UNIT_LABELS,
    AgreementStatus,
)
from qorgau.agreements.schemas import AgreementIn, AmendmentIn, ClauseIn, CommentIn, ModelInsertIn, MoveIn
from qorgau.core import forms, i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.deps import form_data, get_db, load_user, require_user
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.tabular import download
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.registry import service as registry
from qorgau.registry.maps import region_map

router = APIRouter()
NAV = [NavItem(N_("Collective agreements"), "/agreements/", "agreements.read"),
       NavItem(N_("Agreement coverage"), "/agreements/coverage", "agreements.stats"),
       NavItem(N_("Model clauses"), "/agreements/model-clauses", public=True),
       NavItem(N_("My collective agreement"), "/agreements/workplace", public=True)]
LANGUAGE_LABELS = {"kk": N_("Kazakh"), "ru": N_("Russian"), "en": N_("English")}
GROUP_LABELS = {"region": N_("Region"), "sector": N_("Sector (OKED)"), "union": N_("Union")}
LABELS = {"status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS, "unit_labels": UNIT_LABELS,
          "language_labels": LANGUAGE_LABELS, "core_kinds": CORE_KINDS, "group_labels": GROUP_LABELS}


def _page(request: Request, db: Session, template: str, context: dict):
    return render(request, template, {"demo": service.has_demo(db), **LABELS, **context})


def _saved(db: Session, result):
    db.commit()
    return result


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "agreements.write"):
        return []
    found = service.ending_soon(session=db, actor=user, today=utcnow().date(), days=90)
    names = service.enterprise_names(db, {a.enterprise_id for a in found})
    items = [PanelItem(f"{i18n.localized(names[a.enterprise_id], 'name')}", f"/agreements/{a.id}",
                       _("ends %(day)s", day=i18n.format_date(a.valid_to)), "warn") for a in found]
    return [Panel(title=_("Collective agreements ending within 90 days"), order=55,
                  figure=i18n.format_number(len(found)), items=items, link="/agreements/",
                  link_label=_("Collective agreements"), empty=_("No agreement ends within 90 days."))]


# ---- form helpers --------------------------------------------------------------------------------------


def _int(value, field: str, *, required: bool = False) -> int | None:
    value = str(value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(N_("This field is required."), field=field)
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationFailed(N_("Enter a whole number."), field=field)
    return int(value)


def _date(value, field: str) -> str | None:
    value = str(value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValidationFailed(N_("Enter a date as YYYY-MM-DD."), field=field) from None


def _validated(model, values: dict):
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        raise ValidationFailed(N_("Check this field: it is missing, too long or not one of the choices."),
                               field=field) from None


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, "") or "").strip()


# ---- the register --------------------------------------------------------------------------------------


@router.get("/agreements/")
def agreement_list(request: Request, status: str = Query("", max_length=16), kind: str = Query("", max_length=32),
                   q: str = Query("", max_length=100), fmt: str = Query("", max_length=4),
                   user: User = Depends(require_user), db: Session = Depends(get_db)):
    if fmt in ("csv", "xlsx"):
        return download(service.EXPORT_COLUMNS, service.export_rows(session=db, actor=user, status=status, kind=kind,
                                                                    q=q), fmt, "collective-agreements", "Agreements")
    agreements = service.agreements(session=db, actor=user, status=status, kind=kind, q=q)
    return _page(request, db, "agreements/list.html", {
        "agreements": agreements, "enterprises": service.enterprise_names(db, {a.enterprise_id for a in agreements}),
        "status": status, "kind": kind, "q": q, "kinds_of": {a.id: service.kinds_present(a) for a in agreements},
        "can_write": policy.allowed(user, "agreements.write"), "can_stats": policy.allowed(user, "agreements.stats")})


def _enterprise_options(db: Session, user: User) -> list[tuple[int, str]]:
    return [(e.id, f"{i18n.localized(e, 'name')} · {e.bin}")
            for e in service.enterprise_choices(session=db, actor=user)]


def _union_options(db: Session) -> list[tuple[int, str]]:
    return [(u.id, i18n.localized(u, "name")) for u in registry.union_orgs(session=db)]


@router.get("/agreements/new")
def new_form(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
             error: str = "", error_field: str = "", values: dict | None = None):
    policy.require(user, "agreements.write")
    return _page(request, db, "agreements/new.html", {
        "enterprises": _enterprise_options(db, user), "unions": _union_options(db),
        "languages": [(k, _(v)) for k, v in LANGUAGE_LABELS.items()], "error": error, "error_field": error_field,
        "values": values or {}})


@router.post("/agreements/new")
def create(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
           form: FormData = Depends(form_data)):
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}

    def action():
        agreement_in = _validated(AgreementIn, {
            "enterprise_id": _int(form.get("enterprise_id"), "enterprise_id", required=True),
            "union_id": _int(form.get("union_id"), "union_id"), "workers_party": _text(form, "workers_party"),
            "employer_party": _text(form, "employer_party"), "title": _text(form, "title"),
            "number": _text(form, "number"), "language": _text(form, "language") or "ru",
            **{name: _date(form.get(name), name) for name in ("signed_on", "valid_from", "valid_to", "submitted_on")},
            "registration_ref": _text(form, "registration_ref")})
        return _saved(db, service.create(session=db, actor=user, agreement_in=agreement_in))

    return forms.submit(db, action, done=lambda agreement: _back(agreement.id),
                        again=lambda message, field: new_form(request, user, db, message, field, values))


# ---- coverage, library, workers' page --------------------------------------------------------------------


def _group_names(db: Session, by: str) -> dict[str | None, str]:
    groups = service.coverage_groups(db, by)
    if by == "region":
        return {r.kato: i18n.localized(r, "name") for r in groups}
    if by == "sector":
        return {s.code: f"{s.code} · {i18n.localized(s, 'name')}" for s in groups}
    names: dict[str | None, str] = {str(u.id): i18n.localized(u, "name") for u in groups}
    names[None] = _("No primary union organisation")
    return names


@router.get("/agreements/coverage")
def coverage_page(request: Request, by: str = Query("region", max_length=8), kind: str = Query("", max_length=32),
                  on: str = Query("", max_length=10), fmt: str = Query("", max_length=4),
                  user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "agreements.stats")
    try:
        day = date.fromisoformat(on) if on else utcnow().date()
    except ValueError:
        raise ValidationFailed(N_("Enter a date as YYYY-MM-DD."), field="on") from None
    if kind and kind not in KIND_LABELS:
        raise ValidationFailed(N_("Unknown clause kind."), field="kind")
    rows = service.coverage(session=db, actor=user, on=day, by=by)
    names = _group_names(db, by)
    if fmt in ("csv", "xlsx"):
        header = [by, "name", "enterprises", "workers", "covered", "covered_workers", "covered_by_partnership",
                  "covered_by_partnership_workers",
                  *[f"{k}_{part}" for k in KIND_LABELS for part in ("enterprises", "workers")]]
        data = [[r.key or "", names.get(r.key, r.key or ""), r.enterprises, r.workers, r.covered, r.covered_workers,
                 *r.partnership, *[v for k in KIND_LABELS for v in r.kinds[k]]] for r in rows]
        return download(header, data, fmt, f"agreement-coverage-{by}-{day.isoformat()}", "Coverage")
    chart = None
    if by == "region":
        chart = region_map({r.key: r.share(kind or None) for r in rows if r.key}, names, unit="%")
    return _page(request, db, "agreements/coverage.html", {
        "rows": rows, "total": service.coverage_total(rows), "names": names, "by": by, "kind": kind, "on": day,
        "chart": chart, "partnerships": service.partnerships(session=db, actor=user, on=day),
        "level_labels": LEVEL_LABELS, "region_names": _group_names(db, "region")})


@router.get("/agreements/model-clauses")
def library(request: Request, kind: str = Query("", max_length=32), db: Session = Depends(get_db),
            user: User | None = Depends(load_user)):
    """Anyone may read the model clauses; the related practices come from the best-practice database."""
    if kind and kind not in KIND_LABELS:
        raise ValidationFailed(N_("Unknown clause kind."), field="kind")
    kinds = [k for k in KIND_LABELS if not kind or k == kind]
    return _page(request, db, "agreements/library.html", {
        "about": service.library_about(), "kind": kind, "kinds": kinds,
        "models": {k: service.model_clauses(k) for k in kinds},
        "practices": {k: service.related_practices(session=db, actor=user, kind=k) for k in kinds}})


@router.get("/agreements/workplace")
def workplace(request: Request, q: str = Query("", max_length=100),
              enterprise: int = Query(0, ge=0, le=2_147_483_647), db: Session = Depends(get_db)):
    """For workers, no sign-in: the collective agreement in force at their workplace, clause by clause."""
    chosen = registry.enterprise_by_id(session=db, enterprise_id=enterprise) if enterprise else None
    agreement = service.workplace_agreement(session=db, enterprise_id=chosen.id) if chosen else None
    union = service.union_of(db, agreement)
    return _page(request, db, "agreements/workplace.html", {
        "q": q, "matches": registry.public_enterprise_search(session=db, q=q) if q else [], "chosen": chosen,
        "a": agreement, "union": union, "clauses": service.current_clauses(agreement) if agreement else []})


# ---- the agreement -------------------------------------------------------------------------------------


@router.get("/agreements/{agreement_id}")
def agreement_page(request: Request, agreement_id: IdPath, user: User = Depends(require_user),
                   db: Session = Depends(get_db), error: str = "", error_field: str = "", status_code: int = 200):
    agreement = service.get(session=db, actor=user, agreement_id=agreement_id)
    may_write = (policy.allowed(user, "agreements.write")
                 and agreement.status in (AgreementStatus.DRAFT, AgreementStatus.IN_FORCE))
    present = service.kinds_present(agreement)
    response = _page(request, db, "agreements/agreement.html", {
        "a": agreement, **service.agreement_context(session=db, agreement=agreement),
        "clauses": service.current_clauses(agreement),
        "removed": [c for c in agreement.clauses if c.removed_in is not None], "present": present,
        "score": service.core_score(present), "missing": [k for k in KIND_LABELS if k not in present],
        "models": service.model_clauses(), "may_write": may_write,
        "may_comment": policy.allowed(user, "agreements.comment") or policy.allowed(user, "agreements.write"),
        "moves": [s for s in AGREEMENT_FLOW.next_states(agreement.status)] if may_write else [],
        "error": error, "error_field": error_field,
        "kinds": [(k, _(v)) for k, v in KIND_LABELS.items()],
        "units": [(k, _(v)) for k, v in UNIT_LABELS.items()],
        "languages": [(k, _(v)) for k, v in LANGUAGE_LABELS.items()],
        "clause_options": [(c.id, f"{c.number or '#' + str(c.position)} · {_(KIND_LABELS[c.kind])}")
                           for c in service.current_clauses(agreement)]})
    response.status_code = status_code
    return response


def _on_agreement(request: Request, db: Session, user: User, agreement_id: int, action, anchor: str = ""):
    """Run a change to the agreement and go back to it; on a refusal show the agreement again with the reason."""
    return forms.submit(db, lambda: _saved(db, action()), done=lambda _result: _back(agreement_id, anchor),
                        again=lambda message, field: agreement_page(request, agreement_id, user, db, message, field,
                                                                    422))


def _back(agreement_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/agreements/{agreement_id}{anchor}", status_code=303)


def _amount(value: str) -> str | None:
    value = value.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not value:
        return None
    try:
        Decimal(value)
    except InvalidOperation:
        raise ValidationFailed(N_("Enter a number."), field="amount") from None
    return value


@router.post("/agreements/{agreement_id}/clauses")
def clause_post(request: Request, agreement_id: IdPath, form: FormData = Depends(form_data),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        clause_in = _validated(ClauseIn, {
            "kind": _text(form, "kind"), "number": _text(form, "number"), "language": _text(form, "language"),
            "text": _text(form, "text"), "commitment": _text(form, "commitment"),
            "amount": _amount(_text(form, "amount")), "unit": _text(form, "unit"),
            "legal_minimum": _text(form, "legal_minimum")})
        return service.add_clause(session=db, actor=user, agreement_id=agreement_id, clause_in=clause_in)

    return _on_agreement(request, db, user, agreement_id, action, "#clauses")


@router.post("/agreements/{agreement_id}/model")
def model_post(request: Request, agreement_id: IdPath, form: FormData = Depends(form_data),
               user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        insert_in = _validated(ModelInsertIn, {"key": _text(form, "key"), "language": _text(form, "language"),
                                               "number": _text(form, "number")})
        return service.insert_model_clause(session=db, actor=user, agreement_id=agreement_id, insert_in=insert_in)

    return _on_agreement(request, db, user, agreement_id, action, "#clauses")


@router.post("/agreements/{agreement_id}/clauses/{clause_id}/remove")
def clause_remove(request: Request, agreement_id: IdPath, clause_id: IdPath, user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    return _on_agreement(request, db, user, agreement_id, lambda: service.remove_clause(
        session=db, actor=user, agreement_id=agreement_id, clause_id=clause_id), "#clauses")


@router.post("/agreements/{agreement_id}/status")
def status_post(request: Request, agreement_id: IdPath, form: FormData = Depends(form_data),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        move_in = _validated(MoveIn, {"status": _text(form, "status"),
                                      "ended_on": _date(form.get("ended_on"), "ended_on"),
                                      "reason": _text(form, "reason")})
        return service.move(session=db, actor=user, agreement_id=agreement_id, move_in=move_in)

    return _on_agreement(request, db, user, agreement_id, action)


@router.post("/agreements/{agreement_id}/amend")
def amend_post(request: Request, agreement_id: IdPath, form: FormData = Depends(form_data),
               user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        amendment_in = _validated(AmendmentIn, {"signed_on": _date(form.get("signed_on"), "signed_on"),
                                                "summary": _text(form, "summary"),
                                                "valid_to": _date(form.get("valid_to"), "valid_to")})
        return service.amend(session=db, actor=user, agreement_id=agreement_id, amendment_in=amendment_in)

    return _on_agreement(request, db, user, agreement_id, action, "#versions")


@router.post("/agreements/{agreement_id}/comment")
def comment_post(request: Request, agreement_id: IdPath, form: FormData = Depends(form_data),
                 user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        comment_in = _validated(CommentIn, {"text": _text(form, "text"),
                                            "clause_id": _int(form.get("clause_id"), "clause_id")})
        return service.add_comment(session=db, actor=user, agreement_id=agreement_id, comment_in=comment_in)

    return _on_agreement(request, db, user, agreement_id, action, "#comments")


@router.post("/agreements/{agreement_id}/document")
def document_post(request: Request, agreement_id: IdPath, form: FormData = Depends(form_data),
                  user: User = Depends(require_user), db: Session = Depends(get_db)):
    upload = form.get("file")
    stream = getattr(upload, "file", None)
    content = stream.read(service.MAX_DOCUMENT + 1) if stream is not None else b""
    return _on_agreement(request, db, user, agreement_id, lambda: service.add_document(
        session=db, actor=user, agreement_id=agreement_id, filename=getattr(upload, "filename", "") or "",
        content=content), "#versions")


@router.get("/agreements/documents/{agreement_document_id}")
def document_get(agreement_document_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    document = service.get_document(session=db, actor=user, document_id=agreement_document_id)
    return Response(document.content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="agreement-{document.agreement_id}-v{document.version}.pdf"'})
