"""Accident registry pages: national dashboard with the map, accidents list, recording, investigation."""

from __future__ import annotations

from datetime import date, time

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import documents, forms, i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.deps import form_data, get_db, load_user, require_user
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.imports.cells import parse_number
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.tabular import download
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.incidents import (
    act,
    denominators,
    diseases,
    file_import,
    labels,
    public,
    rate_tables,
    service,
    workflow,
)
from qorgau.incidents.engine import deadlines
from qorgau.incidents.schemas import AccidentIn
from qorgau.registry import service as registry
from qorgau.registry.maps import region_map

router = APIRouter(prefix="/incidents")
NAV = [NavItem(N_("Accident statistics"), "/incidents/", "incidents.stats"),
       NavItem(N_("Accidents"), "/incidents/accidents", "incidents.read"),
       NavItem(N_("Public accident statistics"), "/incidents/statistics", public=True)]
COMMISSION_ROWS = 6
MEASURE_ROWS = 5
MAX_UPLOAD = 10 * 1024 * 1024


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "incidents.read"):
        return []
    today = utcnow().date()
    overdue = service.overdue_investigations(session=db, actor=user, today=today)
    items = []
    for a in overdue[:5]:
        codes = workflow.overdue_codes(a, today)
        what = "; ".join(_(labels.DEADLINE_STEPS[c]) for c in codes) or _("overdue")
        items.append(PanelItem(f"#{a.id} · {i18n.format_date(a.occurred_on)} · {_(labels.CATEGORIES[a.category])}",
                               f"/incidents/accidents/{a.id}", what, "danger"))
    return [Panel(title=_("Overdue accident investigations"), order=30, figure=i18n.format_number(len(overdue)),
                  items=items, link="/incidents/accidents?overdue=1", link_label=_("All accidents"))]


def _map(rows: list[dict], region_names: dict[str, str]) -> str:
    return region_map({r["group"]: r["rate"] for r in rows}, region_names, digits=2)


@router.get("/")
def dashboard(request: Request, base: str = Query("per_1000_workers", max_length=20),
              severity: str = Query("all", max_length=20), user: User = Depends(require_user),
              db: Session = Depends(get_db)):
    policy.require(user, "incidents.stats")
    region_names = {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)}
    tables = service.dashboard_tables(session=db, actor=user, base=base, severity=severity)
    by_region, by_union, by_year, by_cause = (tables[k] for k in ("by_region", "by_union", "by_year", "by_cause"))
    severity_by_year = tables["severity_by_year"]
    league = sorted(by_region, key=lambda r: -(r["rate"] or 0))
    return render(request, "incidents/dashboard.html", {
        "by_region": league, "by_union": by_union, "by_year": by_year, "by_cause": by_cause, "base": base,
        "severity_by_year": severity_by_year, "severity_label": labels.SEVERITY_BASE_LABELS.get(base, base),
        "days_unknown": sum(r["days_unknown"] for r in severity_by_year),
        "severity": severity, "base_label": labels.BASE_LABELS.get(base, base),
        "bases": labels.BASE_LABELS, "severities": labels.SEVERITY_FILTERS, "region_names": region_names,
        "causes": labels.CAUSES, "map": _map(by_region, region_names) if by_region else ""})


@router.get("/accidents")
def accidents(request: Request, year: int | None = Query(None, ge=1990, le=2100), overdue: int = Query(0, ge=0, le=1),
              page: int = Query(1, ge=1, le=100000), user: User = Depends(require_user), db: Session = Depends(get_db)):
    query = service.accidents_query(session=db, actor=user, year=year, children=True)
    if overdue:
        query = query.where(workflow.overdue_condition(utcnow().date()))
    paged = paginate(db, query, PageParams(page, 30))
    names = {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(
        session=db, ids=[a.enterprise_id for a in paged.items])}
    today = utcnow().date()
    return render(request, "incidents/accidents.html", {
        "paged": paged, "names": names, "year": year or "", "overdue": overdue, "categories": labels.CATEGORIES,
        "today": today, "summary": service.summary, "steps": labels.DEADLINE_STEPS,
        "overdue_codes": {a.id: workflow.overdue_codes(a, today) for a in paged.items}})


@router.get("/accidents/new")
def new_accident(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "incidents.write")
    return render(request, "incidents/accident_form.html", {"values": {}, "causes": labels.CAUSES})


@router.post("/accidents/new")
def create_accident(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                    form: FormData = Depends(form_data)):
    values = {k: str(v) for k, v in form.items()}
    victims = []
    for outcome in ("fatal", "serious", "light"):
        count = values.get(f"victims_{outcome}", "0")
        victims += [{"outcome": outcome}] * (int(count) if count.isdigit() else 0)

    def again(message: str, _field: str = "") -> Response:
        return render(request, "incidents/accident_form.html", {"values": values, "causes": labels.CAUSES,
                                                                 "error": message}, status_code=422)
    try:
        accident_in = AccidentIn.model_validate({
            "enterprise_id": int(values.get("enterprise_id", "0") or 0),
            "occurred_on": date.fromisoformat(values.get("occurred_on", "")) if values.get("occurred_on") else None,
            "description": values.get("description", ""), "cause": values.get("cause", "unknown"),
            "source": service.source_of(user), "victims": victims}, strict=False)
    except (ValidationError, ValueError) as error:
        message = _("Give the enterprise, the date and at least one victim.")
        if isinstance(error, ValidationError):
            message += f" ({error.errors()[0]['loc'][0]})"
        return again(message)

    def record():
        accident = service.record(session=db, actor=user, accident_in=accident_in)
        db.commit()
        return accident

    return forms.submit(db, record, again=again,
                        done=lambda accident: RedirectResponse(f"/incidents/accidents/{accident.id}", status_code=303))


def _accident_page(request: Request, db: Session, user: User, accident_id: int, error: str = "",
                   error_field: str = "", values: dict | None = None):
    accident = service.get(session=db, actor=user, accident_id=accident_id)
    today = utcnow().date()
    return render(request, "incidents/accident.html", {
        "a": accident, "enterprise": registry.enterprise_by_id(session=db, enterprise_id=accident.enterprise_id),
        "categories": labels.CATEGORIES, "commissions": labels.COMMISSION_LEVELS, "causes": labels.CAUSES,
        "outcomes": labels.OUTCOMES, "today": today, "can_write": policy.allowed(user, "incidents.write"),
        "steps": workflow.steps(accident, today), "statuses": labels.DEADLINE_STATUS,
        "notification_due": workflow.notification_due(accident), "max_extensions": deadlines.MAX_EXTENSIONS,
        "measure_rows": MEASURE_ROWS, "languages": i18n.LOCALES,
        "error": error, "error_field": error_field or None, "values": values or {}})


@router.get("/accidents/{accident_id}")
def accident_page(request: Request, accident_id: IdPath, user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    return _accident_page(request, db, user, accident_id)


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(N_("Give a date."), field=field)


def _whole(text: str, field: str, default: int | None = None) -> int:
    text = text.strip()
    if not text and default is not None:
        return default
    if not text.isdigit() or len(text) > 3:
        raise ValidationFailed(N_("A percentage is between 0 and 100."), field=field)
    return int(text)


def _workflow_step(request: Request, form: FormData, db: Session, user: User, accident_id: int, action) -> Response:
    values = {k: str(v) for k, v in form.items()}

    def step() -> None:
        action(values)
        db.commit()

    return forms.submit(db, step, done=lambda _none: RedirectResponse(f"/incidents/accidents/{accident_id}",
                                                                       status_code=303),
                        again=lambda message, field: _accident_page(request, db, user, accident_id, error=message,
                                                                    error_field=field, values=values))


@router.post("/accidents/{accident_id}/notification")
def record_notification(request: Request, accident_id: IdPath, user: User = Depends(require_user),
                        db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    return _workflow_step(request, form, db, user, accident_id, lambda v: workflow.record_notification(
        session=db, actor=user, accident_id=accident_id, notified_on=_day(v.get("notified_on", ""), "notified_on")))


@router.post("/accidents/{accident_id}/commission")
def form_commission(request: Request, accident_id: IdPath, user: User = Depends(require_user),
                    db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    def action(v: dict) -> None:
        representative = v.get("workers_representative", "")
        members = [workflow.MemberIn(v.get(f"member_name_{i}", "")[:300], v.get(f"member_role_{i}", "")[:300],
                                     representative == str(i)) for i in range(1, COMMISSION_ROWS + 1)]
        workflow.form_commission(session=db, actor=user, accident_id=accident_id,
                                 formed_on=_day(v.get("formed_on", ""), "formed_on"), members=members)

    return _workflow_step(request, form, db, user, accident_id, action)


@router.post("/accidents/{accident_id}/extensions")
def extend_investigation(request: Request, accident_id: IdPath, user: User = Depends(require_user),
                         db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    return _workflow_step(request, form, db, user, accident_id, lambda v: workflow.extend(
        session=db, actor=user, accident_id=accident_id, new_due=_day(v.get("new_due", ""), "new_due"),
        reason=v.get("reason", "")[:5000]))


@router.post("/accidents/{accident_id}/act")
def record_act(request: Request, accident_id: IdPath, user: User = Depends(require_user),
               db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    def action(v: dict) -> None:
        dissents = {int(k.removeprefix("dissent_")): text[:5000] for k, text in v.items()
                    if k.startswith("dissent_") and k.removeprefix("dissent_").isdigit() and text.strip()}
        service.close_investigation(
            session=db, actor=user, accident_id=accident_id, act_on=_day(v.get("act_on", ""), "act_on"),
            employer_fault_percent=_whole(v.get("employer_fault_percent", ""), "employer_fault_percent"),
            worker_fault_percent=_whole(v.get("worker_fault_percent", ""), "worker_fault_percent", 0),
            dissents=dissents, contents=workflow.ActContents(
                occurred_time=_clock(v.get("occurred_time", "")), place=v.get("place", "")[:400],
                causes_found=v.get("causes_found", "")[:12_000],
                responsible_persons=v.get("responsible_persons", "")[:12_000],
                measures=[workflow.MeasureIn(v.get(f"measure_{i}", "")[:3000],
                                             _day(v.get(f"measure_due_{i}", ""), f"measure_{i}"),
                                             v.get(f"measure_responsible_{i}", "")[:300])
                          for i in range(1, MEASURE_ROWS + 1) if v.get(f"measure_{i}", "").strip()]))

    return _workflow_step(request, form, db, user, accident_id, action)


def _clock(text: str) -> time | None:
    text = text.strip()
    if not text:
        return None
    try:
        return time.fromisoformat(text[:8])
    except ValueError:
        raise ValidationFailed(N_("Give the time as hours and minutes, e.g. 14:30."), field="occurred_time")


@router.post("/accidents/{accident_id}/act.pdf")
def act_pdf(request: Request, accident_id: IdPath, language: str = Form("ru", max_length=2),
            user: User = Depends(require_user), db: Session = Depends(get_db)):
    """Issue the act on the accident (kept, with a verification code) and hand its PDF over."""
    document = act.issue_act(db, actor=user, accident_id=accident_id, language=language,
                             public_url=documents.public_base(request))
    db.commit()
    return documents.pdf_response(document, f"accident-act-{accident_id}-{documents.format_code(document.code)}.pdf")


@router.get("/under-reporting")
def under_reporting(request: Request, year: int = Query(0, ge=0, le=2100), user: User = Depends(require_user),
                    db: Session = Depends(get_db)):
    year = year or utcnow().year - 1
    result = service.under_reporting(session=db, actor=user, year=year)
    return render(request, "incidents/under_reporting.html", {"r": result, "year": year})


# ---- exports -----------------------------------------------------------------------------------------



def _rate_rows(rows: list[dict], names: dict | None = None) -> tuple[list[str], list[list]]:
    header = [_("Group"), _("Cases"), _("Exposure"), _("Rate"), _("95% interval, low"), _("95% interval, high"),
              _("Base")]
    return header, [[(names or {}).get(r["group"], r["group"]), r["cases"], r["exposure"], r["rate"], r["ci_low"],
                     r["ci_high"], r["base"]] for r in rows]


# ---- occupational diseases --------------------------------------------------------------------------

def _disease_form(request: Request, values: dict, error: str = "", error_field: str = ""):
    return render(request, "incidents/disease_form.html", {
        "values": values, "factors": labels.HARMFUL_FACTORS, "age_bands": labels.AGE_BANDS,
        "error": error, "error_field": error_field or None})


@router.get("/diseases")
def disease_list(request: Request, year: int | None = Query(None, ge=1990, le=2100),
                 page: int = Query(1, ge=1, le=100000), user: User = Depends(require_user),
                 db: Session = Depends(get_db)):
    paged = paginate(db, diseases.query(session=db, actor=user, year=year), PageParams(page, 30))
    names = {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(
        session=db, ids=[c.enterprise_id for c in paged.items])}
    rows = []
    if policy.allowed(user, "incidents.stats"):
        rows = diseases.rates_for(session=db, actor=user, by=["harmful_factor"], base="per_100k_workers")
    return render(request, "incidents/diseases.html", {"paged": paged, "names": names, "year": year or "",
                                                        "factors": labels.HARMFUL_FACTORS, "by_factor": rows})


@router.get("/diseases/new")
def new_disease(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "incidents.write")
    return _disease_form(request, {"enterprise_id": user.scope_enterprise_id or ""})


@router.post("/diseases/new")
def create_disease(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                   form: FormData = Depends(form_data)):
    values = {k: str(v)[:300] for k, v in form.items()}

    def record() -> None:
        enterprise_id = values.get("enterprise_id", "").strip()
        if not enterprise_id.isdigit() or len(enterprise_id) > 9:
            raise ValidationFailed(N_("Give the enterprise."), field="enterprise_id")
        try:
            years = float(values.get("exposure_years", "").replace(",", "."))
        except ValueError:
            raise ValidationFailed(N_("Years of exposure are between 0 and 70."), field="exposure_years")
        diseases.record(session=db, actor=user, enterprise_id=int(enterprise_id),
                        diagnosed_on=_day(values.get("diagnosed_on", ""), "diagnosed_on"),
                        icd10=values.get("icd10", ""), harmful_factor=values.get("harmful_factor", ""),
                        exposure_years=years, isco08=values.get("isco08", "").strip() or None,
                        sex=values.get("sex") or None, age_band=values.get("age_band") or None)
        db.commit()

    return forms.submit(db, record, done=lambda _none: RedirectResponse("/incidents/diseases", status_code=303),
                        again=lambda message, field: _disease_form(request, values, message, field))


# ---- denominators ---------------------------------------------------------------------------------

def _denominators_page(request: Request, db: Session, user: User, year: int, page: int = 1, status_code: int = 200,
                       **extra):
    paged = paginate(db, denominators.query(session=db, actor=user, year=year), PageParams(page, 50))
    names = {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(
        session=db, ids=[d.enterprise_id for d in paged.items])}
    return render(request, "incidents/denominators.html", {
        "paged": paged, "names": names, "year": year, "missing": denominators.missing_count(session=db, actor=user, year=year),
        "can_write": policy.allowed(user, "incidents.write"), "values": {}, "error": "", "error_field": None,
        "problems": [], **extra}, status_code=status_code)


@router.get("/denominators")
def denominators_page(request: Request, year: int = Query(0, ge=0, le=2100), page: int = Query(1, ge=1, le=100000),
                      user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _denominators_page(request, db, user, year or utcnow().year - 1, page)


@router.post("/denominators")
def save_denominator(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                     form: FormData = Depends(form_data)):
    values = {k: str(v)[:100] for k, v in form.items()}
    year_text = values.get("year", "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else utcnow().year - 1

    def save() -> None:
        if not year_text.isdigit() or len(year_text) != 4:
            raise ValidationFailed(N_("The year must be between 1990 and the current year."), field="year")
        enterprise_id = values.get("enterprise_id", "").strip()
        if not enterprise_id.isdigit() or len(enterprise_id) > 9:
            raise ValidationFailed(N_("Give the enterprise."), field="enterprise_id")
        numbers = {}
        for name in ("workers", "hours"):
            text = values.get(name, "").strip()
            if not text and name == "hours":
                numbers[name] = None
                continue
            try:
                numbers[name] = parse_number(text)
            except ValueError:
                raise ValidationFailed(N_("Give a number."), field=name)
        denominators.save(session=db, actor=user, enterprise_id=int(enterprise_id), year=year, **numbers)
        db.commit()

    return forms.submit(db, save, done=lambda _none: RedirectResponse(f"/incidents/denominators?year={year}",
                                                                       status_code=303),
                        again=lambda message, field: _denominators_page(request, db, user, year, values=values,
                                                                        error=message, error_field=field))


ZERO_HOURS_CHOICES = ("drop", "estimate", "refuse")


def _shown(problems) -> list[dict]:
    """Problems of the core import path, each reason in the reader's language."""
    return [{"row": p.row, "column": p.column, "reason": p.text(_)} for p in problems[:200]]


@router.post("/denominators/import")
def import_denominators(request: Request, file: UploadFile = File(...), year: int = Form(0, ge=0, le=2100),
                        zero_hours: str = Form("drop", max_length=10),
                        user: User = Depends(require_user), db: Session = Depends(get_db)):
    """Upload: the file is kept, and the dry run shows what would be imported and every problem."""
    from qorgau.core.imports import FileProblems
    from qorgau.core.imports.flow import preview, stage

    year = year or utcnow().year - 1
    zero_hours = zero_hours if zero_hours in ZERO_HOURS_CHOICES else "drop"
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _denominators_page(request, db, user, year, error=_("The file is larger than 10 MB."),
                                  status_code=413)
    try:
        token = stage(actor=user, importer=file_import.DENOMINATORS, data=data, filename=file.filename or "upload.csv",
                      data_dir=request.app.state.settings.data_dir)
    except FileProblems as error:
        return _denominators_page(request, db, user, year, problems=_shown(error.problems), status_code=422,
                                  error=_("The file has %(n)s error(s); nothing was imported.", n=len(error.problems)))
    checked = preview(session=db, actor=user, importer=file_import.DENOMINATORS, token=token,
                      options={"zero_hours": zero_hours}, data_dir=request.app.state.settings.data_dir)
    db.rollback()
    return _denominators_page(request, db, user, year, staged={"token": token, "checked": checked,
                                                               "zero_hours": zero_hours},
                              problems=_shown(checked.problems), status_code=422 if checked.problems else 200,
                              error=_("The file has %(n)s error(s); nothing was imported.", n=len(checked.problems))
                              if checked.problems else "")


@router.post("/denominators/import/commit")
def commit_denominators(request: Request, token: str = Form(..., max_length=64), year: int = Form(0, ge=0, le=2100),
                        zero_hours: str = Form("drop", max_length=10),
                        user: User = Depends(require_user), db: Session = Depends(get_db)):
    """Commit the previewed file: all rows, or none when anything is wrong."""
    from qorgau.core.imports.flow import commit

    year = year or utcnow().year - 1
    zero_hours = zero_hours if zero_hours in ZERO_HOURS_CHOICES else "drop"

    def committed() -> dict:
        result = commit(session=db, actor=user, importer=file_import.DENOMINATORS, token=token,
                        options={"zero_hours": zero_hours}, data_dir=request.app.state.settings.data_dir)
        db.commit()
        return result

    return forms.submit(db, committed,
                        done=lambda result: _denominators_page(request, db, user, year,
                                                               imported=result["denominators"]),
                        again=lambda message, _field: _denominators_page(request, db, user, year, error=message))


# ---- trends, league tables, the enterprise ---------------------------------------------------------

@router.get("/trends")
def trends_page(request: Request, base: str = Query("per_1000_workers", max_length=20),
                severity: str = Query("all", max_length=20), export: str = Query("", pattern="^(|csv|xlsx)$"),
                table: str = Query("year", pattern="^(year|region|sector|enterprise|diseases)$"),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "incidents.stats")
    if base not in labels.BASE_LABELS:
        raise ValidationFailed(N_("Unknown rate base."), field="base")
    if severity not in labels.SEVERITY_FILTERS:
        raise ValidationFailed(N_("Unknown value."), field="severity")
    data = rate_tables.overview(session=db, actor=user, base=base, severity=severity)
    region_names = {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)}
    sector_names = {s.code: i18n.localized(s, "name") for s in registry.sectors(session=db)}
    enterprise_names = {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(
        session=db, ids=[r["group"] for r in data["enterprises"]])}
    if export:
        rows, names = {"year": (data["by_year"], None), "region": (data["regions"], region_names),
                       "sector": (data["sectors"], sector_names), "enterprise": (data["enterprises"], enterprise_names),
                       "diseases": (data["diseases_by_year"], None)}[table]
        header, body = _rate_rows(rows, names)
        return download(header, body, export, f"incidents-{table}")
    return render(request, "incidents/trends.html", {
        **data, "base": base, "severity": severity, "base_label": labels.BASE_LABELS[base],
        "bases": labels.BASE_LABELS, "severities": labels.SEVERITY_FILTERS, "region_names": region_names,
        "sector_names": sector_names, "enterprise_names": enterprise_names})


@router.get("/enterprises/{enterprise_id}")
def enterprise_page(request: Request, enterprise_id: IdPath, base: str = Query("per_1000_workers", max_length=20),
                    export: str = Query("", pattern="^(|csv|xlsx)$"), user: User = Depends(require_user),
                    db: Session = Depends(get_db)):
    if base not in labels.BASE_LABELS:
        raise ValidationFailed(N_("Unknown rate base."), field="base")
    data = rate_tables.enterprise(session=db, actor=user, enterprise_id=enterprise_id, base=base)
    if export:
        sector = {r["group"]: r for r in data["sector"]}
        header = [_("Year"), _("Cases"), _("Rate"), _("95% interval, low"), _("95% interval, high"),
                  _("Sector rate"), _("Sector 95% interval, low"), _("Sector 95% interval, high"), _("Base")]
        body = [[r["group"], r["cases"], r["rate"], r["ci_low"], r["ci_high"], sector.get(r["group"], {}).get("rate"),
                 sector.get(r["group"], {}).get("ci_low"), sector.get(r["group"], {}).get("ci_high"), r["base"]]
                for r in data["own"]]
        return download(header, body, export, f"incidents-enterprise-{enterprise_id}")
    accidents = service.enterprise_accidents(session=db, actor=user, enterprise_id=enterprise_id, limit=50)
    return render(request, "incidents/enterprise.html", {
        **data, "accidents": accidents, "base": base, "bases": labels.BASE_LABELS,
        "base_label": labels.BASE_LABELS[base], "categories": labels.CATEGORIES, "summary": service.summary,
        "sector_rows": {r["group"]: r for r in data["sector"]}, "today": utcnow().date()})


@router.get("/statistics")
def public_statistics(request: Request, db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    """National accident and disease statistics for everyone, small cells hidden."""
    data = public.national(session=db)
    return render(request, "incidents/public.html", {
        **data, "region_names": {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)},
        "sector_names": {s.code: i18n.localized(s, "name") for s in registry.sectors(session=db)},
        "factors": {key: _(label) for key, label in labels.HARMFUL_FACTORS.items()}})
