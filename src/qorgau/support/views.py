"""Support case pages: the list (with export), opening a case, the case (consent, needs level with its
explanation and the officer's override, health and income read with a reason, services, follow-ups,
closure), offers from serious accidents and occupational diseases, statistics and the scale itself."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import forms, i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.deps import form_data, get_db, require_user
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.tabular import download
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.support import scale, service
from qorgau.support.states import (
    CASE_LABELS,
    CAUSES,
    EVENT_LABELS,
    MOVE_LABELS,
    OUTCOMES,
    PROGRESS_LABELS,
    SERVICE_KINDS,
    SERVICE_LABELS,
    CaseStatus,
)

router = APIRouter()
NAV = [NavItem(N_("Support cases"), "/support/", "support.read"),
       NavItem(N_("Support statistics"), "/support/statistics", "support.stats")]
LABELS = {"case_labels": CASE_LABELS, "causes": CAUSES, "kinds": SERVICE_KINDS, "service_labels": SERVICE_LABELS,
          "move_labels": MOVE_LABELS, "outcomes": OUTCOMES, "event_labels": EVENT_LABELS,
          "level_labels": scale.LEVEL_LABELS, "level_meaning": scale.LEVEL_MEANING, "levels": scale.LEVELS,
          "health_labels": scale.HEALTH_LABELS, "housing_labels": scale.HOUSING_LABELS,
          "employment_labels": scale.EMPLOYMENT_LABELS, "progress_labels": PROGRESS_LABELS, "criteria": scale.CRITERIA, "cuts": scale.CUTS,
          "method": scale.METHOD, "victim_outcomes": {"serious": N_("serious injury"), "fatal": N_("fatal"),
                                                       "light": N_("light injury")}}


def _page(request: Request, db: Session, template: str, context: dict):
    return render(request, template, {"demo": service.has_demo(db), **LABELS, **context})


def _saved(db: Session, result):
    db.commit()
    return result


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "support.write"):
        return []
    late, mine = service.worker_panel(session=db, actor=user, today=utcnow().date())
    items = [PanelItem(f"{c.reference} · {c.worker_reference}", f"/support/cases/{c.id}", _("follow-up overdue"),
                       "warn") for c in late]
    return [Panel(title=_("My support cases"), order=45, figure=i18n.format_number(mine),
                  items=items, link="/support/", link_label=_("Support cases"), empty=_("No follow-up is overdue."))]


# ---- list, export, opening ----------------------------------------------------------------------------


@router.get("/support/")
def case_list(request: Request, status: str = Query("", max_length=16), cause: str = Query("", max_length=16),
              level: str = Query("", max_length=1), filing: int = Query(0, ge=0, le=2_147_483_647),
              fmt: str = Query("", max_length=4), user: User = Depends(require_user), db: Session = Depends(get_db)):
    if fmt in ("csv", "xlsx"):
        return download(service.EXPORT_COLUMNS, service.export_rows(session=db, actor=user), fmt, "support-cases",
                        "Support cases")
    cases, total, names = service.list_page(session=db, actor=user, status=status, cause=cause, level=level,
                                            filing_id=filing or None)
    return _page(request, db, "support/list.html", {
        "cases": cases, "total": total, "status": status, "cause": cause, "level": level, "filing": filing,
        "enterprises": names, "can_write": policy.allowed(user, "support.write"),
        "opened": request.query_params.get("opened", "")})


def _enterprises(db: Session, user: User) -> list[tuple[int, str]]:
    return [(e.id, i18n.localized(e, "name")) for e in service.enterprise_choices(session=db, actor=user)]


@router.get("/support/new")
def new_form(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
             error: str = "", error_field: str = "", values: dict | None = None):
    policy.require(user, "support.write")
    return _page(request, db, "support/new.html", {
        "enterprises": _enterprises(db, user), "causes_options": [(k, _(v)) for k, v in CAUSES.items()],
        "worker_options": [(u.id, u.full_name or u.username) for u in service.case_workers(session=db, actor=user)],
        "error": error, "error_field": error_field, "values": values or {}})


def _int(value: str | None, field: str, *, required: bool = False) -> int | None:
    value = (value or "").strip().replace(" ", "").replace("\u00a0", "")
    if not value:
        if required:
            raise ValidationFailed(N_("This field is required."), field=field)
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(N_("Enter a whole number."), field=field) from None


def _date(value: str | None, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(N_("Enter a date as YYYY-MM-DD."), field=field) from None


@router.post("/support/new")
def create(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
           form: FormData = Depends(form_data)):
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    return forms.submit(db, lambda: _saved(db, service.open_case(
        session=db, actor=user, enterprise_id=_int(form.get("enterprise_id"), "enterprise_id", required=True) or 0,
        cause=str(form.get("cause", "")), worker_reference=str(form.get("worker_reference", "")),
        isco08=str(form.get("isco08", "")) or None, case_worker_id=_int(form.get("case_worker_id"), "case_worker_id"))),
        done=lambda case: RedirectResponse(f"/support/cases/{case.id}", status_code=303),
        again=lambda message, field: new_form(request, user, db, message, field, values))


@router.post("/support/from-filing/{filing_id}")
def from_filing(request: Request, filing_id: IdPath, user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    opened = service.open_from_filing(session=db, actor=user, filing_id=filing_id)
    db.commit()
    return RedirectResponse(f"/support/?filing={filing_id}&opened={len(opened)}", status_code=303)


# ---- the case --------------------------------------------------------------------------------------


@router.get("/support/cases/{case_id}")
def case_page(request: Request, case_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    case = service.get(session=db, actor=user, case_id=case_id)
    extra = request.scope.get("qorgau.support", {})
    personal = {p["assessment_id"]: p for p in extra.get("personal", [])}
    latest = case.assessments[-1] if case.assessments else None
    def title(code: str | None) -> str:
        return service.occupation_title(code, i18n.get_locale())

    minimum, minimum_source = service.subsistence_minimum(db)
    may_write = policy.allowed(user, "support.write") and case.status != CaseStatus.CLOSED
    return _page(request, db, "support/case.html", {
        "case": case, **service.case_context(session=db, case=case), "title": title,
        "latest": latest, "explain": service.explanation(latest, personal.get(latest.id)) if latest else [],
        "history": [(a, service.explanation(a, personal.get(a.id))) for a in reversed(case.assessments)],
        "personal": personal, "minimum": minimum, "minimum_source": minimum_source,
        "suggestions": service.suggestions(session=db, case=case, locale=i18n.get_locale())
        if case.status == CaseStatus.ACTIVE and may_write else [],
        "moves": {s.id: service.moves_for(user, s) for s in case.services} if case.status == CaseStatus.ACTIVE else {},
        "workers": service.case_workers(session=db, actor=user, case=case) if may_write else [],
        "may_write": may_write, "may_reveal": policy.allowed(user, "support.personal"),
        "may_reopen": policy.allowed(user, "support.write") and case.status == CaseStatus.CLOSED
        and case.consent_on is not None,
        "today": utcnow().date(), "better": scale.better(case.level, case.first_level), **extra})


def _act(request: Request, db: Session, user: User, case_id: int, action, anchor: str = ""):
    """Run a service action; on a refusal show the case again with the reason."""
    def done(result):
        if isinstance(result, list):  # health and income read with a reason: shown on this response only
            request.scope["qorgau.support"] = {"personal": result}
            return case_page(request, case_id, user, db)
        return RedirectResponse(f"/support/cases/{case_id}{anchor}", status_code=303)

    def again(message: str, field: str):
        request.scope["qorgau.support"] = {"action_error": message, "error_field": field}
        return case_page(request, case_id, user, db)

    return forms.submit(db, lambda: _saved(db, action()), done=done, again=again)


@router.post("/support/cases/{case_id}/consent")
def consent(request: Request, case_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
            form: FormData = Depends(form_data)):
    return _act(request, db, user, case_id, lambda: service.record_consent(
        session=db, actor=user, case_id=case_id, given=form.get("given") == "1", family=form.get("family") == "1",
        note=str(form.get("note", ""))[:1000]), "#consent")


@router.post("/support/cases/{case_id}/update")
def update(request: Request, case_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
           form: FormData = Depends(form_data)):
    return _act(request, db, user, case_id, lambda: service.update_case(
        session=db, actor=user, case_id=case_id, worker_reference=str(form.get("worker_reference", ""))[:100],
        isco08=str(form.get("isco08", ""))[:4] or None,
        case_worker_id=_int(form.get("case_worker_id"), "case_worker_id")), "#facts")


def _choice(form: FormData, name: str) -> str | None:
    return str(form.get(name, "")).strip()[:32] or None


@router.post("/support/cases/{case_id}/assess")
def assess(request: Request, case_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
           form: FormData = Depends(form_data)):
    def action():
        answers = scale.Answers(
            household_income=_int(form.get("household_income"), "household_income"),
            household_size=_int(form.get("household_size"), "household_size"),
            dependants=_int(form.get("dependants"), "dependants"), health=_choice(form, "health"),
            housing=_choice(form, "housing"), debt_payment=_int(form.get("debt_payment"), "debt_payment"),
            debt_overdue=True if form.get("debt_overdue") == "1" else None, employment=_choice(form, "employment"))
        return service.assess(session=db, actor=user, case_id=case_id, answers=answers)
    return _act(request, db, user, case_id, action, "#level")


@router.post("/support/cases/{case_id}/override")
def override(request: Request, case_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
             form: FormData = Depends(form_data)):
    return _act(request, db, user, case_id, lambda: service.override_level(
        session=db, actor=user, case_id=case_id, level=str(form.get("level", ""))[:1],
        reason=str(form.get("reason", ""))[:1000]), "#level")


@router.post("/support/cases/{case_id}/personal")
def personal(request: Request, case_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
             form: FormData = Depends(form_data)):
    return _act(request, db, user, case_id, lambda: service.personal_data(
        session=db, actor=user, case_id=case_id, reason=str(form.get("reason", ""))[:1000]))


@router.post("/support/cases/{case_id}/services")
def add_service(request: Request, case_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                form: FormData = Depends(form_data)):
    def action():
        due = _date(form.get("due_on"), "due_on")
        if due is None:
            raise ValidationFailed(N_("Give the deadline."), field="due_on")
        return service.add_service(
            session=db, actor=user, case_id=case_id, kind=str(form.get("kind", ""))[:16],
            title=str(form.get("title", ""))[:300], due_on=due,
            responsible_id=_int(form.get("responsible_id"), "responsible_id"),
            detail=str(form.get("detail", ""))[:2000], target_isco=str(form.get("target_isco", ""))[:4] or None,
            amount_kzt=_int(form.get("amount_kzt"), "amount_kzt"), legal_basis=str(form.get("legal_basis", ""))[:1000])
    return _act(request, db, user, case_id, action, "#plan")


@router.post("/support/services/{service_id}/status")
def move_service(request: Request, service_id: IdPath, user: User = Depends(require_user),
                 db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    found = service.get_service(session=db, actor=user, service_id=service_id)
    return _act(request, db, user, found.case_id, lambda: service.move_service(
        session=db, actor=user, service_id=service_id, target=str(form.get("status", ""))[:20],
        outcome=str(form.get("outcome", ""))[:2000]), "#plan")


@router.post("/support/cases/{case_id}/follow-ups")
def add_follow_up(request: Request, case_id: IdPath, user: User = Depends(require_user),
                  db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    def action():
        due = _date(form.get("due_on"), "fu_due_on")
        if due is None:
            raise ValidationFailed(N_("Give the date."), field="fu_due_on")
        return service.add_follow_up(session=db, actor=user, case_id=case_id, due_on=due,
                                     purpose=str(form.get("purpose", ""))[:500])
    return _act(request, db, user, case_id, action, "#follow-ups")


@router.post("/support/follow-ups/{follow_up_id}/done")
def follow_up_done(request: Request, follow_up_id: IdPath, user: User = Depends(require_user),
                   db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    case_id = service.follow_up_case(session=db, actor=user, follow_up_id=follow_up_id).id
    return _act(request, db, user, case_id, lambda: service.follow_up_done(
        session=db, actor=user, follow_up_id=follow_up_id, note=str(form.get("note", ""))[:2000]), "#follow-ups")


@router.post("/support/cases/{case_id}/close")
def close(request: Request, case_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
          form: FormData = Depends(form_data)):
    return _act(request, db, user, case_id, lambda: service.close(
        session=db, actor=user, case_id=case_id, outcome=str(form.get("outcome", ""))[:24],
        outcome_on=_date(form.get("outcome_on"), "outcome_on"), note=str(form.get("note", ""))[:2000]), "#outcome")


@router.post("/support/cases/{case_id}/reopen")
def reopen(request: Request, case_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
           form: FormData = Depends(form_data)):
    return _act(request, db, user, case_id, lambda: service.reopen(
        session=db, actor=user, case_id=case_id, reason=str(form.get("reason", ""))[:1000]), "#outcome")


# ---- offers, statistics, the scale -------------------------------------------------------------------


@router.get("/support/offers")
def offers(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
           error: str = "", error_field: str = ""):
    found = service.offers(session=db, actor=user)
    names = service.enterprises_by_id(db, {a.enterprise_id for a, _v in found["accidents"]}
                                      | {d.enterprise_id for d in found["diseases"]})
    return _page(request, db, "support/offers.html", {**found, "enterprises": names, "error": error,
                                                      "error_field": error_field})


@router.post("/support/offers")
def open_offer(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
               form: FormData = Depends(form_data)):
    return forms.submit(db, lambda: _saved(db, service.open_from_incident(
        session=db, actor=user, worker_reference=str(form.get("worker_reference", ""))[:100],
        accident_id=_int(form.get("accident_id"), "accident_id"),
        disease_case_id=_int(form.get("disease_case_id"), "disease_case_id"))),
        done=lambda case: RedirectResponse(f"/support/cases/{case.id}", status_code=303),
        again=lambda message, field: offers(request, user, db, message, field))


@router.get("/support/statistics")
def statistics(request: Request, fmt: str = Query("", max_length=4), user: User = Depends(require_user),
               db: Session = Depends(get_db)):
    result = service.statistics(session=db, actor=user)
    tables = ("by_cause", "by_level", "by_region", "by_sector", "by_outcome")
    if fmt in ("csv", "xlsx"):
        header = ["dimension", "value", "cases", "closed", "positive_outcome", "median_days_to_outcome",
                  f"reemployed_within_{result['within_months']}_months", "suppressed"]
        rows = [[r["dimension"], r["value"] or "", r["cases"], r["closed"], r["positive"], r["median_days"],
                 r["reemployed_in_time"], "yes" if r["suppressed"] else "no"] for t in tables for r in result[t]]
        return download(header, rows, fmt, "support-statistics", "Support statistics")
    return _page(request, db, "support/statistics.html", {"s": result, "tables": tables})


@router.get("/support/scale")
def scale_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
               error: str = "", error_field: str = ""):
    policy.require(user, "support.read")
    minimum, source = service.subsistence_minimum(db)
    return _page(request, db, "support/scale.html", {
        "minimum": minimum, "minimum_source": source, "may_configure": policy.allowed(user, "support.configure"),
        "error": error, "error_field": error_field})


@router.post("/support/scale")
def set_scale(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
              form: FormData = Depends(form_data)):
    return forms.submit(db, lambda: _saved(db, service.set_subsistence_minimum(
        session=db, actor=user, value=_int(form.get("value"), "value", required=True) or 0,
        source=str(form.get("source", ""))[:500])),
        done=lambda _setting: RedirectResponse("/support/scale", status_code=303),
        again=lambda message, field: scale_page(request, user, db, message, field))

